"""Candles: one interval of trading on one symbol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def price_decimal(value: float) -> Decimal:
    """Return the decimal a price was written as.

    Prices enter as decimal strings of at most 15 significant digits; a float parsed from such
    a string prints back (shortest repr) as the same digits, so no precision is invented.
    Here, in a compiled module: a backtest turns a few hundred thousand floats into prices.
    """
    return Decimal(repr(value))


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
