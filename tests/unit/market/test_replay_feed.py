"""A replay yields stored candles once each, in time order, as fast as possible or paced."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import aclosing
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.market_data import candle_file
from trading_agents.core.clock import MS_PER_MINUTE, to_ms
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.files import load_candles
from trading_agents.market.feeds.port import CandleFeed
from trading_agents.market.feeds.replay import YIELD_EVERY, ReplayFeed
from trading_agents.market.feeds.resample import resample
from trading_agents.market.feeds.synthetic import synthetic_series
from trading_agents.market.series import CandleSeries

BTC_15M = "futures_um/15m/BTCUSDT_15m_2025-08-17_2026-05-17"
ETH_15M = "futures_um/15m/ETHUSDT_15m_2025-08-17_2026-05-17"
BTC_1M = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"
ETH_1M = "futures_um/1m/ETHUSDT_1m_2025-05-04_2025-06-24"


def first(name: str, count: int) -> CandleSeries:
    return load_candles(candle_file(name)).rows(0, count)


async def replayed(feed: CandleFeed) -> list[Candle]:
    return [candle async for candle in feed.candles()]


class FakeSleep:
    """Record the delays a feed asks for instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def test_candles_come_by_time_and_at_equal_times_in_symbol_order() -> None:
    btc, eth = first(BTC_15M, 8), first(ETH_15M, 8)

    candles = await replayed(ReplayFeed({"BTCUSDT": btc, "ETHUSDT": eth}))

    assert [(c.symbol, c.open_ms) for c in candles] == [
        (symbol, to_ms("2025-08-17T00:00:00Z") + i * 15 * MS_PER_MINUTE)
        for i in range(8)
        for symbol in ("BTCUSDT", "ETHUSDT")
    ]
    assert candles[::2] == [btc.candle(i) for i in range(8)]
    assert candles[1::2] == [eth.candle(i) for i in range(8)]


async def test_the_symbol_order_decides_at_equal_times() -> None:
    series = {"BTCUSDT": first(BTC_15M, 3), "ETHUSDT": first(ETH_15M, 3)}

    candles = await replayed(ReplayFeed(series, ["ETHUSDT", "BTCUSDT"]))

    assert [c.symbol for c in candles] == ["ETHUSDT", "BTCUSDT"] * 3


async def test_a_longer_candle_comes_once_it_has_closed_among_shorter_ones() -> None:
    # 15:35 is the first five-minute boundary of these files, which start at 15:33.
    btc = resample(first(BTC_1M, 12), 5 * MS_PER_MINUTE)
    eth = first(ETH_1M, 12).between(to_ms("2025-05-04T15:35:00Z"), None)

    candles = await replayed(ReplayFeed({"BTCUSDT": btc, "ETHUSDT": eth}))

    start = to_ms("2025-05-04T15:35:00Z")
    assert [(c.symbol, (c.close_ms - start) // MS_PER_MINUTE) for c in candles] == [
        *[("ETHUSDT", minute) for minute in (1, 2, 3, 4)],
        ("BTCUSDT", 5),
        *[("ETHUSDT", minute) for minute in (5, 6, 7, 8, 9)],
        ("BTCUSDT", 10),
        ("ETHUSDT", 10),
    ]


async def test_a_paced_replay_sleeps_one_over_the_speed_before_each_candle() -> None:
    sleep = FakeSleep()

    candles = await replayed(ReplayFeed({"BTCUSDT": first(BTC_15M, 10)}, speed=4, sleep=sleep))

    assert len(candles) == 10
    assert sleep.delays == [0.25] * 10


async def test_an_unpaced_replay_never_sleeps_but_lets_other_tasks_run() -> None:
    sleep = FakeSleep()
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other_task())
    candles = await replayed(ReplayFeed({"BTCUSDT": first(BTC_1M, 2000)}, sleep=sleep))
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    assert len(candles) == 2000
    assert sleep.delays == []
    assert turns >= 2000 // YIELD_EVERY - 1


def test_the_description_says_symbols_interval_span_and_count() -> None:
    same = ReplayFeed({"BTCUSDT": first(BTC_15M, 8), "ETHUSDT": first(ETH_15M, 8)})
    mixed = ReplayFeed(
        {"ETHUSDT": first(ETH_1M, 10), "BTCUSDT": resample(first(BTC_1M, 12), 5 * MS_PER_MINUTE)}
    )

    assert same.description == (
        "replay of BTCUSDT, ETHUSDT 15m from 2025-08-17T00:00Z to 2025-08-17T02:00Z (16 candles)"
    )
    assert mixed.description == (
        "replay of ETHUSDT 1m, BTCUSDT 5m from 2025-05-04T15:33Z to 2025-05-04T15:45Z (12 candles)"
    )
    assert len(same) == 16
    assert same.symbols == ["BTCUSDT", "ETHUSDT"]


async def test_a_replay_of_a_file_yields_every_candle_exactly_as_loaded(tmp_path: Path) -> None:
    series = first(BTC_1M, 600)

    candles = await replayed(ReplayFeed({"BTCUSDT": series}))

    assert candles == [series.candle(i) for i in range(600)]


def test_a_replay_refuses_a_bad_symbol_order_a_mislabelled_series_or_speed() -> None:
    btc, eth = first(BTC_15M, 2), first(ETH_15M, 2)

    with pytest.raises(ValueError, match="must name each replayed symbol once"):
        ReplayFeed({"BTCUSDT": btc, "ETHUSDT": eth}, ["BTCUSDT"])
    with pytest.raises(ValueError, match="must name each replayed symbol once"):
        ReplayFeed({"BTCUSDT": btc}, ["BTCUSDT", "BTCUSDT"])
    with pytest.raises(ValueError, match="series of ETHUSDT given as the series of BTCUSDT"):
        ReplayFeed({"BTCUSDT": eth})
    with pytest.raises(ValueError, match="speed must be above zero"):
        ReplayFeed({"BTCUSDT": btc}, speed=0)
    with pytest.raises(ValueError, match="at least one symbol"):
        ReplayFeed({})


async def test_a_looping_replay_starts_over_with_its_times_moved_on_by_its_span() -> None:
    series = synthetic_series(
        "BTCUSDT", start_ms=to_ms("2025-06-01T00:00:00Z"), count=3, seed=7, start_price=Decimal(100)
    )
    feed = ReplayFeed({"BTCUSDT": series}, loop=True)

    taken = []
    async with aclosing(feed.candles()) as stream:
        async for candle in stream:
            taken.append(candle)
            if len(taken) == 7:
                break

    opens = [candle.open_ms - to_ms("2025-06-01T00:00:00Z") for candle in taken]
    assert opens == [minute * 60_000 for minute in range(7)]
    assert [c.close for c in taken[3:6]] == [c.close for c in taken[:3]]
    assert "looping" in feed.description


async def _take(feed: ReplayFeed, count: int) -> list[Candle]:
    taken: list[Candle] = []
    async with aclosing(feed.candles()) as stream:
        async for candle in stream:
            taken.append(candle)
            if len(taken) == count:
                break
    return taken


async def test_a_resumed_looping_replay_goes_on_after_the_last_close_in_any_round() -> None:
    start = to_ms("2025-06-01T00:00:00Z")
    series = synthetic_series("BTCUSDT", start_ms=start, count=3, seed=7, start_price=Decimal(100))
    endless = await _take(ReplayFeed({"BTCUSDT": series}, loop=True), 20)

    for resumed_after in (endless[1], endless[2], endless[10], endless[14]):
        feed = ReplayFeed({"BTCUSDT": series}, loop=True, after_ms=resumed_after.close_ms)
        at = endless.index(resumed_after) + 1
        assert await _take(feed, 4) == endless[at : at + 4]
        history = list(feed.before(resumed_after.close_ms))
        assert history == endless[:at][-len(history) :]
        assert len(history) >= min(at, 3)  # at least the round it falls in


async def test_a_resumed_replay_without_loop_skips_what_was_replayed() -> None:
    series = first(BTC_1M, 10)
    after = int(series.close_ms[6])

    taken = await replayed(ReplayFeed({"BTCUSDT": series}, after_ms=after))

    assert [c.open_ms for c in taken] == [int(t) for t in series.open_ms[7:]]
