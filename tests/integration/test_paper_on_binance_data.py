"""Paper trading on Binance public market data: the real ccxt client polls a fake Binance on
loopback, the kernel trades as candles close, and the trades equal a backtest of the same
candles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import replace

from tests.support.backtests import agent, backtest, live_paper, real_series
from tests.support.fake_binance import FakeBinance
from trading_agents.core.clock import SimulatedClock, to_ms
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_public import BinancePublicFeed

START = "2025-05-06T00:00:00Z"
HOURS = 6
SYMBOLS = ("BTCUSDT", "ETHUSDT")
POLL_S = 60.0


class _Take:
    """Pass on the first `count` candles of a feed, then stop."""

    def __init__(self, feed: BinancePublicFeed, count: int) -> None:
        self._feed = feed
        self._count = count

    @property
    def description(self) -> str:
        return self._feed.description

    @property
    def dropped(self) -> Mapping[str, str]:
        return self._feed.dropped

    @property
    def cadence_s(self) -> float | None:
        return self._feed.cadence_s

    async def candles(self) -> AsyncIterator[Candle]:
        taken = 0
        async with aclosing(self._feed.candles()) as stream:
            async for candle in stream:
                yield candle
                taken += 1
                if taken == self._count:
                    return


async def test_paper_trading_on_polled_binance_candles_trades_like_the_backtest() -> None:
    series = real_series(list(SYMBOLS), START, HOURS)
    scripted = [s.candle(i) for s in series.values() for i in range(len(s))]
    clock = SimulatedClock(to_ms(START) + 30_000)  # half a minute into the first candle

    async def sleep(seconds: float) -> None:
        clock.advance_by(round(seconds * 1000))
        await asyncio.sleep(0)

    profile = agent("nova")
    session = live_paper(profile, SYMBOLS, clock)
    async with FakeBinance(scripted, clock=clock) as fake:
        feed = BinancePublicFeed(
            SYMBOLS, "1m", clock, rest_url=fake.url, poll_interval=POLL_S, sleep=sleep,
            throttle=False,
        )  # fmt: skip
        async with feed:
            await session.run(_Take(feed, len(scripted)))

    backtested = await backtest(profile, series)
    trades = list(session.account.portfolio.trades)
    assert session.candles == 2 * HOURS * 60
    assert len(trades) >= 3
    assert trades == list(backtested.account.portfolio.trades)
    # Live decisions are stamped when they were taken, a poll after the close; else equal.
    taken = session.decisions.records  # type: ignore[attr-defined]
    assert [replace(r, ts_ms=0) for r in taken] == [
        replace(r, ts_ms=0) for r in backtested.decisions.records
    ]
    on_time = backtested.decisions.records
    assert all(late.ts_ms > due.ts_ms for late, due in zip(taken, on_time, strict=True))
