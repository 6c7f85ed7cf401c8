"""Moments: every symbol's candle of one close time together, never waiting for a dropped one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

from tests.support.candles import flat
from trading_agents.core.clock import to_ms
from trading_agents.engine.moments import moments
from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice

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


class StreamingFeed(ListFeed):
    """A feed that streams mark prices between its candles, as the WebSocket feed does."""

    def __init__(self, events: list[Candle | MarkPrice]) -> None:
        super().__init__([e for e in events if isinstance(e, Candle)])
        self._events = events

    async def events(self) -> AsyncIterator[Candle | MarkPrice]:
        for event in self._events:
            yield event


def mark(symbol: str, at: str, price: str) -> MarkPrice:
    return MarkPrice(symbol, to_ms(at) + 1_000, Decimal(price))


async def test_marks_pass_at_once_between_moments_even_while_one_waits() -> None:
    btc_mark, eth_mark = mark("BTCUSDT", T1, "101"), mark("ETHUSDT", T1, "2501")
    feed = StreamingFeed(
        [
            flat(T0, "100"),
            btc_mark,  # ETH's candle of the same close has not come yet
            flat(T0, "2500", symbol="ETHUSDT"),
            eth_mark,
            mark("DOGEUSDT", T1, "1"),  # not a symbol of these agents
        ]
    )

    got = [m async for m in moments(feed, ("BTCUSDT", "ETHUSDT"))]

    assert got[0] == btc_mark
    assert [c.symbol for c in got[1]] == ["BTCUSDT", "ETHUSDT"]  # type: ignore[union-attr]
    assert got[2:] == [eth_mark]


async def test_a_feed_without_marks_gives_candles_only() -> None:
    feed = ListFeed([flat(T0, "1"), flat(T0, "2", symbol="ETHUSDT")])

    got = [m async for m in moments(feed, ("BTCUSDT", "ETHUSDT"))]

    assert all(isinstance(moment, list) for moment in got)


async def test_a_mark_after_the_end_of_the_run_is_not_passed() -> None:
    feed = StreamingFeed([flat(T0, "1"), mark("BTCUSDT", T1, "2")])

    got = [m async for m in moments(feed, ("BTCUSDT",), until_ms=to_ms(T1))]

    assert [type(m) for m in got] == [list]
