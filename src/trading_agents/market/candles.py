"""Candles: one interval of trading on one symbol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Candle:
    """An OHLCV candle; it is known only once `close_ms` has passed."""

    symbol: str
    open_ms: int
    interval_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    @property
    def close_ms(self) -> int:
        """Return the moment the candle closes (the next candle's open)."""
        return self.open_ms + self.interval_ms

    def __post_init__(self) -> None:
        if not (self.low <= min(self.open, self.close) and max(self.open, self.close) <= self.high):
            raise ValueError(
                f"{self.symbol} candle at {self.open_ms}: open/close outside low..high "
                f"(o={self.open} h={self.high} l={self.low} c={self.close})"
            )
