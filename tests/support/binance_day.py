"""One real day on the fake Binance: BTCUSDT and ETHUSDT from 2025-06-01, for the feed tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.support.fake_binance import FakeBinance
from tests.support.market_data import candles_from
from trading_agents.core.clock import SimulatedClock, to_ms
from trading_agents.market.candles import Candle

BTC_FILE = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"
ETH_FILE = "futures_um/1m/ETHUSDT_1m_2025-05-04_2025-06-24"
WINDOW_START = "2025-06-01T00:00:00"
START = to_ms("2025-06-01T01:00:30Z")  # half a minute into the 01:00 candle


def at(minute: str, seconds: float = 0) -> int:
    """Return the epoch ms of an HH:MM (and seconds) on the day."""
    return to_ms(f"2025-06-01T{minute}:00Z") + round(seconds * 1000)


def day_candles(file: str, hours: int) -> list[Candle]:
    """Return the day's first `hours` hours of one of the two files' candles."""
    return candles_from(file, start=WINDOW_START, hours=hours)


@asynccontextmanager
async def serving(
    btc: list[Candle], eth: list[Candle], clock: SimulatedClock
) -> AsyncIterator[FakeBinance]:
    """Serve both symbols' candles from a fake Binance on loopback, on the test's clock."""
    async with FakeBinance([*btc, *eth], clock=clock) as server:
        yield server
