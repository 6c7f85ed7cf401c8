"""The Binance public feed, through the real ccxt client, against a fake Binance on loopback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.binance_day import BTC_FILE, ETH_FILE, START, at, day_candles, serving
from tests.support.candles import candle
from tests.support.fake_binance import EXCHANGE_INFO, KLINES, FakeBinance
from trading_agents.core.clock import MS_PER_MINUTE, SimulatedClock
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_public import (
    BinancePublicFeed,
    MarketDataError,
    RetryPolicy,
)
from trading_agents.market.feeds.port import CandleFeed

POLL = 20.0


@pytest.fixture(scope="module")
def btc() -> list[Candle]:
    return day_candles(BTC_FILE, hours=3)


@pytest.fixture(scope="module")
def eth() -> list[Candle]:
    return day_candles(ETH_FILE, hours=3)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
async def fake(
    btc: list[Candle], eth: list[Candle], clock: SimulatedClock
) -> AsyncIterator[FakeBinance]:
    async with serving(btc, eth, clock) as server:
        yield server


@dataclass
class Sleeper:
    """Stand in for asyncio.sleep: move the shared clock instead of waiting."""

    clock: SimulatedClock
    slept: list[float] = field(default_factory=list)
    before: Callable[[float], None] | None = None

    async def __call__(self, seconds: float) -> None:
        if self.before is not None:
            self.before(seconds)
        self.slept.append(seconds)
        self.clock.advance_by(round(seconds * 1000))
        await asyncio.sleep(0)


def make_feed(
    fake: FakeBinance,
    sleeper: Sleeper,
    symbols: tuple[str, ...] = ("BTCUSDT",),
    **options: Any,
) -> BinancePublicFeed:
    options.setdefault("throttle", False)
    return BinancePublicFeed(
        symbols,
        "1m",
        sleeper.clock,
        rest_url=fake.url,
        poll_interval=POLL,
        sleep=sleeper,
        **options,
    )


async def take(feed: BinancePublicFeed, count: int, clock: SimulatedClock) -> list[Candle]:
    """Return the first `count` candles, checking that each had closed when it came."""
    taken: list[Candle] = []
    async with aclosing(feed.candles()) as stream:
        async for item in stream:
            assert item.close_ms <= clock.now_ms(), f"{item} came before it closed"
            taken.append(item)
            if len(taken) == count:
                break
    return taken


def opening(candles: list[Candle], first: str, count: int) -> list[Candle]:
    """Return `count` candles of a series from the one opening at `first` (HH:MM)."""
    start = next(i for i, c in enumerate(candles) if c.open_ms == at(first))
    return candles[start : start + count]


def exact(c: Candle) -> tuple[str, ...]:
    return tuple(str(v) for v in (c.open, c.high, c.low, c.close, c.volume))


async def test_yields_closed_candles_once_in_time_order_across_polls(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    sleeper = Sleeper(clock)
    async with make_feed(fake, sleeper) as feed:
        got = await take(feed, 5, clock)

    assert got == opening(btc, "01:00", 5)
    assert fake.open_candles_served > 0  # Binance's open candle came, and was held back
    assert set(sleeper.slept) == {POLL}
    assert feed.healthy
    assert feed.last_error == ""


async def test_prices_and_volumes_are_the_decimal_strings_binance_sent(
    clock: SimulatedClock,
) -> None:
    scripted = [
        candle(at("00:59"), "104000.10", "104010.00", "103990.50", "104005.00", volume="12.500"),
        candle(at("01:00"), "104005.00", "104005.00", "104005.00", "104005.00", volume="0.000"),
    ]
    async with FakeBinance(scripted, clock=clock) as fake:
        sleeper = Sleeper(clock)
        async with make_feed(fake, sleeper, warmup=1) as feed:
            got = await take(feed, 2, clock)

    assert [exact(c) for c in got] == [
        ("104000.10", "104010.00", "103990.50", "104005.00", "12.500"),
        ("104005.00", "104005.00", "104005.00", "104005.00", "0.000"),
    ]


async def test_real_prices_keep_the_digits_of_the_source_file(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with make_feed(fake, Sleeper(clock), warmup=30) as feed:
        got = await take(feed, 30, clock)

    assert [exact(c) for c in got] == [exact(c) for c in opening(btc, "00:30", 30)]


async def test_two_symbols_come_interleaved_in_the_given_order(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle], eth: list[Candle]
) -> None:
    async with make_feed(fake, Sleeper(clock), ("ETHUSDT", "BTCUSDT"), warmup=2) as feed:
        got = await take(feed, 8, clock)

    pairs = zip(opening(eth, "00:58", 4), opening(btc, "00:58", 4), strict=True)
    assert got == [c for pair in pairs for c in pair]


async def test_warmup_backfills_the_last_closed_candles_page_by_page(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with make_feed(fake, Sleeper(clock), warmup=45, page_size=20) as feed:
        got = await take(feed, 47, clock)

    assert got == opening(btc, "00:15", 47)
    backfill = fake.requests_to(KLINES)[:3]
    assert [(int(r.query["startTime"]), r.query["limit"]) for r in backfill] == [
        (at("00:15"), "20"),
        (at("00:35"), "20"),
        (at("00:55"), "6"),  # five closed and the open one
    ]


async def test_a_hole_after_a_stall_is_fetched_by_paging_before_later_candles(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    sleeper = Sleeper(clock)

    def stall_once(seconds: float) -> None:
        if len(sleeper.slept) == 4:
            clock.advance_by(35 * MS_PER_MINUTE)

    sleeper.before = stall_once
    async with make_feed(fake, sleeper, page_size=10) as feed:
        got = await take(feed, 40, clock)

    assert got == opening(btc, "01:00", 40)
    starts = [int(r.query["startTime"]) for r in fake.requests_to(KLINES)]
    assert starts[:5] == [at("01:00"), at("01:01"), at("01:11"), at("01:21"), at("01:31")]


async def test_a_late_symbol_holds_the_others_back_and_is_waited_for(
    clock: SimulatedClock, btc: list[Candle], eth: list[Candle]
) -> None:
    eth_late = [c for c in eth if c.open_ms >= at("01:01")][:3]
    published = [c for c in eth if c not in eth_late]
    async with FakeBinance([*btc, *published], clock=clock) as fake:
        sleeper = Sleeper(clock)

        def publish_late(seconds: float) -> None:
            if clock.now_ms() >= at("01:03"):
                fake.add(*eth_late)

        sleeper.before = publish_late
        async with make_feed(fake, sleeper, ("BTCUSDT", "ETHUSDT")) as feed:
            got = await take(feed, 6, clock)

    pairs = zip(opening(btc, "01:00", 3), opening(eth, "01:00", 3), strict=True)
    assert got == [c for pair in pairs for c in pair]


async def test_unavailable_and_rate_limited_answers_are_retried_with_bounded_backoff(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    fake.fail(3, status=503)
    fake.rate_limit(2)
    seen: list[tuple[float, bool]] = []
    sleeper = Sleeper(clock)
    policy = RetryPolicy(first_delay=1.0, max_delay=4.0, unhealthy_after=2)
    async with make_feed(fake, sleeper, warmup=1, retry=policy, jitter=lambda: 0.5) as feed:
        sleeper.before = lambda seconds: seen.append((seconds, feed.healthy))
        got = await take(feed, 1, clock)
        healthy_after, last_error = feed.healthy, feed.last_error

    assert got == opening(btc, "00:59", 1)
    assert seen == [(0.75, True), (1.5, False), (3.0, False), (3.0, False), (3.0, False)]
    assert healthy_after
    assert "429" in last_error
    assert "-1003" in last_error
    assert len(fake.requests_to(KLINES)) == 6


async def test_a_failing_exchange_info_is_retried(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    fake.fail(1, status=503, path=EXCHANGE_INFO)
    sleeper = Sleeper(clock)
    async with make_feed(fake, sleeper, warmup=1, jitter=lambda: 0.0) as feed:
        got = await take(feed, 1, clock)

    assert got == opening(btc, "00:59", 1)
    assert sleeper.slept == [0.25]
    assert len(fake.requests_to(EXCHANGE_INFO)) == 2
    assert feed.last_error.startswith("load markets: OperationFailed")


async def test_a_slow_answer_times_out_and_is_retried(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    fake.slow(1, seconds=0.2)
    sleeper = Sleeper(clock)
    async with make_feed(fake, sleeper, warmup=1, request_timeout=0.05) as feed:
        got = await take(feed, 1, clock)

    assert got == opening(btc, "00:59", 1)
    assert "RequestTimeout" in feed.last_error
    assert len(sleeper.slept) == 1


async def test_a_refused_request_is_not_retried(fake: FakeBinance, clock: SimulatedClock) -> None:
    fake.fail(1, status=400, error=(-1121, "Invalid symbol."))
    sleeper = Sleeper(clock)
    async with make_feed(fake, sleeper, warmup=1) as feed:
        with pytest.raises(MarketDataError, match="Invalid symbol"):
            await take(feed, 1, clock)

    assert sleeper.slept == []
    assert len(fake.requests_to(KLINES)) == 1


async def test_a_symbol_binance_does_not_list_is_dropped_and_the_others_go_on(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with make_feed(fake, Sleeper(clock), ("BTCUSDT", "FOOUSDT")) as feed:
        got = await take(feed, 3, clock)

    assert got == opening(btc, "01:00", 3)
    assert "FOOUSDT: not a USDⓈ-M market" in feed.dropped["FOOUSDT"]
    assert list(feed.dropped) == ["FOOUSDT"]


async def test_with_no_symbol_listed_the_feed_fails_saying_why(
    fake: FakeBinance, clock: SimulatedClock
) -> None:
    async with make_feed(fake, Sleeper(clock), ("FOOUSDT",)) as feed:
        with pytest.raises(MarketDataError, match="FOOUSDT: not a USDⓈ-M market"):
            await take(feed, 1, clock)


async def test_a_symbol_that_stops_publishing_is_dropped_and_no_longer_holds_the_others(
    clock: SimulatedClock, btc: list[Candle], eth: list[Candle]
) -> None:
    silent_from = at("01:02")
    published = [c for c in eth if c.open_ms < silent_from]  # ETH goes quiet at 01:02
    pair = ("BTCUSDT", "ETHUSDT")
    async with (
        FakeBinance([*btc, *published], clock=clock) as fake,
        make_feed(fake, Sleeper(clock), pair, stale_after=3) as feed,
    ):
        got = await take(feed, 10, clock)

    btc_got = [c for c in got if c.symbol == "BTCUSDT"]
    assert [c.symbol for c in got[:4]] == ["BTCUSDT", "ETHUSDT", "BTCUSDT", "ETHUSDT"]
    assert len(btc_got) == 8  # BTC goes on once ETH is dropped
    assert "ETHUSDT: no candle for" in feed.dropped["ETHUSDT"]


async def test_the_real_client_asks_the_fake_for_exchange_info_once_then_klines(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    # The default client settings, throttle included: two requests wait little.
    feed = BinancePublicFeed(["BTCUSDT"], "1m", clock, rest_url=fake.url, warmup=2)
    try:
        got = await take(feed, 2, clock)
    finally:
        await feed.aclose()
    await feed.aclose()  # closing twice is harmless

    assert got == opening(btc, "00:58", 2)
    assert [r.path for r in fake.requests] == [EXCHANGE_INFO, KLINES]
    assert fake.requests[1].query == {
        "symbol": "BTCUSDT",
        "interval": "1m",
        "startTime": str(at("00:58")),
        "limit": "3",
    }


async def test_the_description_names_the_data_and_where_it_comes_from(
    fake: FakeBinance, clock: SimulatedClock
) -> None:
    default: CandleFeed = BinancePublicFeed(["BTCUSDT", "ETHUSDT"], "1m", clock)
    pointed: CandleFeed = BinancePublicFeed(
        ["BTCUSDT", "ETHUSDT"], "1m", clock, rest_url=fake.url + "/"
    )

    assert default.description == (
        "Binance USDⓈ-M public market data (BTCUSDT, ETHUSDT 1m) from https://fapi.binance.com"
    )
    assert pointed.description == (
        f"Binance USDⓈ-M public market data (BTCUSDT, ETHUSDT 1m) from {fake.url}"
    )


def test_importing_the_feed_does_not_import_ccxt() -> None:
    probe = (
        "import sys, trading_agents.market.feeds.binance_public; sys.exit('ccxt' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
