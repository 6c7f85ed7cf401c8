"""An LLM decision's exchange with its model, read back from the audit trail it left."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from trading_agents.service.errors import NotFound
from trading_agents.service.sessions import AgentSession

# What langchain names each kind of message, in the words the model's API uses.
_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message of the exchange: who said it, what, and the tools it called."""

    role: str  # system, user, assistant or tool
    content: str
    tool_calls: tuple[dict[str, str], ...] = ()  # an assistant's: name, JSON arguments
    tool: str | None = None  # a tool message's: which tool answered


@dataclass(frozen=True, slots=True)
class ExchangeView:
    """A decision's whole exchange with the model and what it cost."""

    sequence: int
    model: str
    messages: tuple[MessageView, ...]
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


def exchange_of(session: AgentSession, sequence: int) -> ExchangeView:
    """Return the exchange of the session's decision `sequence`, which an LLM brain made."""
    for record in session.decisions.records:
        if record.sequence == sequence:
            break
    else:
        raise NotFound(
            f"{session.agent} on account {session.account_id!r} keeps no decision {sequence}"
            " in memory (the latest are kept; the journal holds every one)"
        )
    data = _parsed(record.decision.exchange)
    if data is None:
        raise NotFound(
            f"decision {sequence} of {session.agent} was made by the {record.brain} brain,"
            " which exchanges no messages with a model"
        )
    usage = _mapping(data.get("usage"))
    return ExchangeView(
        sequence,
        str(data.get("model", "")),
        tuple(_message(raw) for raw in data.get("messages") or () if isinstance(raw, dict)),
        _count(usage.get("calls")),
        _count(usage.get("input_tokens")),
        _count(usage.get("output_tokens")),
        _dollars(usage.get("cost_usd")),
    )


def tool_calls_of(exchange: str | None) -> tuple[dict[str, str], ...]:
    """Return the tools an LLM decision called, in order, from its recorded exchange."""
    data = _parsed(exchange)
    if data is None:
        return ()
    calls: list[dict[str, str]] = []
    for raw in data.get("messages") or ():
        if isinstance(raw, dict):
            calls.extend(_calls(raw.get("data")))
    return tuple(calls)


def _parsed(exchange: str | None) -> dict[str, Any] | None:
    """Return the recorded exchange as a mapping, or None when there is none to read."""
    if not exchange:
        return None
    try:
        data = json.loads(exchange)
    except ValueError:
        return None  # an exchange of another shape: the decision still reads, without it
    return data if isinstance(data, dict) else None


def _message(raw: dict[str, Any]) -> MessageView:
    data = _mapping(raw.get("data"))
    content = data.get("content", "")
    if not isinstance(content, str):  # a list of content parts
        content = json.dumps(content, separators=(",", ":"), default=str)
    kind = str(raw.get("type", ""))
    tool = data.get("name") if kind == "tool" else None
    return MessageView(_ROLES.get(kind, kind), content, _calls(data), tool)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _calls(data: object) -> tuple[dict[str, str], ...]:
    if not isinstance(data, dict):
        return ()
    calls = []
    for call in data.get("tool_calls") or ():
        if isinstance(call, dict):
            arguments = json.dumps(call.get("args", {}), separators=(",", ":"), sort_keys=True)
            calls.append({"name": str(call.get("name", "")), "arguments": arguments})
    return tuple(calls)


def _count(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _dollars(value: object) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
