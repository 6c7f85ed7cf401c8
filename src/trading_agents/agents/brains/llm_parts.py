"""The LLM brain's parts: its model port, its counters, its cache options and its circuit."""

from __future__ import annotations

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
