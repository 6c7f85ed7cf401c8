"""Mark prices: the exchange's fair price of a perpetual, streamed between candle closes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MarkPrice:
    """A symbol's mark price at a moment: what positions are valued and stops trigger at."""

    symbol: str
    ts_ms: int
    price: Decimal
