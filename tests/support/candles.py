"""Build candles by hand for tests that need exact prices."""

from __future__ import annotations

from decimal import Decimal

from trading_agents.core.clock import MS_PER_MINUTE, to_ms
from trading_agents.market.candles import Candle


def candle(
    at: str | int,
    o: str,
    h: str,
    low: str,
    c: str,
    *,
    symbol: str = "BTCUSDT",
    volume: str = "100",
    interval_ms: int = MS_PER_MINUTE,
) -> Candle:
    """Return a candle opening at `at` (ISO time or epoch ms) with the given prices."""
    open_ms = at if isinstance(at, int) else to_ms(at)
    return Candle(
        symbol,
        open_ms,
        interval_ms,
        Decimal(o),
        Decimal(h),
        Decimal(low),
        Decimal(c),
        Decimal(volume),
    )


def flat(at: str | int, price: str, *, symbol: str = "BTCUSDT", volume: str = "100") -> Candle:
    """Return a candle that never leaves one price."""
    return candle(at, price, price, price, price, symbol=symbol, volume=volume)
