"""Decisions: what a brain wants done, declared as data; only the execute step acts on it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from trading_agents.model.enums import ExitReason, Side


class Action(StrEnum):
    """The kinds of decision a brain can take."""

    OPEN = "open"  # open a position; with the opposite side held, close that one first
    CLOSE = "close"  # close the position at market
    ADJUST = "adjust"  # move the position's stop loss and take profit
    HOLD = "hold"  # do nothing


class DecisionTrigger(StrEnum):
    """Why the gate let the agent decide."""

    CANDLE = "candle"  # a candle closed and the brain's trigger fired
    SIGNAL = "signal"
    POSITION = "position"  # a fill, a stop, a take-profit or a liquidation changed a position
    HEARTBEAT = "heartbeat"


class LlmUsage(NamedTuple):
    """What an LLM decision cost: calls, tokens and dollars at the model's listed prices."""

    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True, init=False)
class Decision:
    """A brain's answer for one symbol, with the reasoning a person can read."""

    action: Action
    symbol: str
    reasoning: str
    side: Side | None = None  # for OPEN
    # For OPEN (None lets the risk engine size from the stop); for CLOSE, the part of the
    # position to close (None: all of it).
    quantity: Decimal | None = None
    leverage: int = 1
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    confidence: Decimal | None = None
    signal_id: str | None = None  # the signal that led to it, if one did
    usage: LlmUsage | None = None  # an LLM brain's calls, tokens and cost
    exchange: str | None = None  # an LLM brain's messages and answers, as JSON, for the audit
    # Of a close forced on the agent (a stop command, a person, the risk rules): why. None is
    # the agent's own decision, a close or reversal on a signal or its analysis.
    exit_reason: ExitReason | None = None

    # Written out rather than generated, so that mypyc compiles it (see model/orders.py).
    def __init__(
        self,
        action: Action,
        symbol: str,
        reasoning: str,
        side: Side | None = None,
        quantity: Decimal | None = None,
        leverage: int = 1,
        stop_loss: Decimal | None = None,
        take_profit: Decimal | None = None,
        confidence: Decimal | None = None,
        signal_id: str | None = None,
        usage: LlmUsage | None = None,
        exchange: str | None = None,
        exit_reason: ExitReason | None = None,
    ) -> None:
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "reasoning", reasoning)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "leverage", leverage)
        object.__setattr__(self, "stop_loss", stop_loss)
        object.__setattr__(self, "take_profit", take_profit)
        object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "signal_id", signal_id)
        object.__setattr__(self, "usage", usage)
        object.__setattr__(self, "exchange", exchange)
        object.__setattr__(self, "exit_reason", exit_reason)
        if action is Action.OPEN and side is None:
            raise ValueError(f"an open decision on {symbol} needs a side")

    @staticmethod
    def hold(symbol: str, reasoning: str, signal_id: str | None = None) -> Decision:
        """Return a decision to do nothing, with why."""
        # Static, not a classmethod building `cls(...)`: compiled, this calls the initialiser
        # directly rather than through the type, and a backtest holds some 20,000 times a year.
        return Decision(Action.HOLD, symbol, reasoning, signal_id=signal_id)
