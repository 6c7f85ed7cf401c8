"""The LLM brain's parts: its model port, its counters, its cache options and its circuit."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from trading_agents.config.llm import ModelFacts
from trading_agents.model.decisions import LlmUsage

if TYPE_CHECKING:  # LangChain is imported only where an LLM brain is built
    from langchain_core.messages import AIMessage

MILLION = Decimal(1_000_000)


class ChatModel(Protocol):
    """What the brain needs of a chat model: one async call with the messages."""

    async def ainvoke(self, messages: Any, /) -> Any:
        """Answer the messages."""
        ...


class LlmCounters(NamedTuple):
    """What an LLM brain has used: calls made and skipped, tokens, dollars; today's spend."""

    calls: int = 0
    skipped: int = 0  # candles the gate let pass without asking the model
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    day_ms: int = 0  # the UTC day `day_cost_usd` is for
    day_cost_usd: Decimal = Decimal(0)


class LlmCacheOptions(NamedTuple):
    """Where LLM answers are recorded, and whether only recorded answers may be used."""

    folder: Path
    replay_only: bool


class EndpointCircuit:
    """Open after `failures` failed calls in a row; closed again by a success after `cool_off_s`."""

    def __init__(self, failures: int = 3, cool_off_s: float = 60.0) -> None:
        self._threshold = failures
        self._cool_off_s = cool_off_s
        self._failures = 0
        self._opened_at: float | None = None

    def is_open(self) -> bool:
        """Tell whether calls are refused now."""
        return self._opened_at is not None and time.monotonic() - self._opened_at < self._cool_off_s

    def failed(self) -> None:
        """Count a failure."""
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = time.monotonic()

    def succeeded(self) -> None:
        """Close the circuit."""
        self._failures, self._opened_at = 0, None


class UsageTally:
    """Count one decision's calls and tokens; price them at the model's listed rates."""

    def __init__(self, model: str, facts: ModelFacts) -> None:
        self.model, self.facts = model, facts
        self.calls = self.input_tokens = self.output_tokens = 0

    def add(self, message: AIMessage) -> None:
        """Count one answer and its tokens."""
        self.calls += 1
        usage: dict[str, Any] = dict(message.usage_metadata or {})
        self.input_tokens += int(usage.get("input_tokens", 0))
        self.output_tokens += int(usage.get("output_tokens", 0))

    def total(self) -> LlmUsage:
        """Return the calls, tokens and cost so far."""
        cost = (
            self.input_tokens * self.facts.input_per_million
            + self.output_tokens * self.facts.output_per_million
        ) / MILLION
        return LlmUsage(self.model, self.calls, self.input_tokens, self.output_tokens, cost)
