"""Signals: a view on a symbol from the ML engine or the platform, for an agent to weigh."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class SignalAction(StrEnum):
    """What a signal suggests."""

    BUY = "buy"
    SELL = "sell"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Signal:
    """A validated signal: symbol, suggested action, confidence in [0, 1], price, time."""

    symbol: str
    action: SignalAction
    confidence: Decimal
    price: Decimal
    ts_ms: int
    signal_id: str | None = None
    source: str = "api"
