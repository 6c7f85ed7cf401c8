"""Moments: every symbol's candle of one close time together, never waiting for a dropped one."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tests.support.candles import flat
from trading_agents.engine.moments import moments
from trading_agents.market.candles import Candle

T0, T1 = "2025-06-01T00:00:00Z", "2025-06-01T00:01:00Z"


class ListFeed:
    """A feed of given candles that may have dropped symbols, as a live feed does."""

    description = "a list"
    cadence_s = None

    def __init__(self, candles: list[Candle], dropped: dict[str, str] | None = None) -> None:
        self._candles = candles
        self.dropped = dropped or {}
        self.served = 0

    async def candles(self) -> AsyncIterator[Candle]:
        for candle in self._candles:
            self.served += 1
            yield candle


async def collect(feed: ListFeed) -> list[list[str]]:
    return [[c.symbol for c in moment] async for moment in moments(feed, ("BTCUSDT", "ETHUSDT"))]


async def test_a_moment_holds_every_symbols_candle_of_its_close() -> None:
    feed = ListFeed([flat(T0, "1"), flat(T0, "2", symbol="ETHUSDT"), flat(T1, "1")])

    assert await collect(feed) == [["BTCUSDT", "ETHUSDT"], ["BTCUSDT"]]


async def test_a_dropped_symbol_is_not_waited_for() -> None:
    seen: list[list[str]] = []
    feed = ListFeed([flat(T0, "1"), flat(T1, "1")], {"ETHUSDT": "delisted"})

    async for moment in moments(feed, ("BTCUSDT", "ETHUSDT")):
        seen.append([c.symbol for c in moment])
        if len(seen) == 1:
            # Out as soon as its one live candle came, not a minute later with the next.
            assert feed.served == 1

    assert seen == [["BTCUSDT"], ["BTCUSDT"]]
