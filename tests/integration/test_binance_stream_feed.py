"""The Binance WebSocket feed against a fake Binance on loopback: aiohttp's real client on the
fake's combined market stream, ccxt's on its REST klines for warm-up and backfill."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.support.binance_day import BTC_FILE, ETH_FILE, START, at, day_candles, serving
from tests.support.fake_binance import KLINES, FakeBinance
from tests.support.stream_feeds import Taken, eventually, stream_feed
from trading_agents.core.clock import SimulatedClock
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_rest import MarketDataError, RetryPolicy
from trading_agents.market.marks import MarkPrice


@pytest.fixture(scope="module")
def btc() -> list[Candle]:
    return day_candles(BTC_FILE, hours=2)


@pytest.fixture(scope="module")
def eth() -> list[Candle]:
    return day_candles(ETH_FILE, hours=2)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
async def fake(
    btc: list[Candle], eth: list[Candle], clock: SimulatedClock
) -> AsyncIterator[FakeBinance]:
    async with serving(btc, eth, clock) as server:
        yield server


def opening(candles: list[Candle], first: str, count: int) -> list[Candle]:
    """Return `count` candles of a series from the one opening at `first` (HH:MM)."""
    start = next(i for i, c in enumerate(candles) if c.open_ms == at(first))
    return candles[start : start + count]


def one(candles: list[Candle], minute: str) -> Candle:
    return opening(candles, minute, 1)[0]


async def started(taken: Taken, fake: FakeBinance, warmed: int = 1) -> None:
    """Wait until the feed listens and has yielded its warm-up: what comes next is live."""
    await fake.wait_for_streams()
    await taken.candles_count(warmed)


async def close(fake: FakeBinance, clock: SimulatedClock, *candles: Candle) -> None:
    """Let time pass to the candles' close and push them on the stream as closed."""
    clock.advance_to(max(clock.now_ms(), max(c.close_ms for c in candles)))
    for candle in candles:
        assert await fake.push_kline(candle) > 0, "nobody listens to the stream"


async def test_warms_up_over_rest_then_yields_each_closed_kline_as_it_comes(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, warmup=2)) as taken:
        await started(taken, fake, warmed=2)
        assert taken.candles == opening(btc, "00:58", 2)
        await fake.push_kline(one(btc, "01:00"), closed=False)  # an open candle's update
        await close(fake, clock, one(btc, "01:00"))
        got = await taken.candles_count(3)

    assert got == opening(btc, "00:58", 3)
    assert fake.subscriptions == [("btcusdt@kline_1m", "btcusdt@markPrice@1s")]
    assert taken.feed.healthy
    assert taken.feed.reconnects == 0


async def test_a_dropped_socket_reconnects_once_and_backfills_each_missed_candle_once(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, warmup=2)) as taken:
        feed = taken.feed
        await started(taken, fake, warmed=2)
        await close(fake, clock, one(btc, "01:00"))
        await taken.candles_count(3)
        requests_before = len(fake.requests_to(KLINES))

        assert await fake.drop_streams() == 1
        clock.advance_to(at("01:03", 0.5))  # 01:01 and 01:02 close while the line is down
        for lost in opening(btc, "01:01", 2):
            await fake.push_kline(lost)  # into a dead line: lost
        await fake.wait_for_streams(2)
        await taken.candles_count(5)
        # The new socket also brings the last candle REST backfilled: it is not taken twice.
        await fake.push_kline(one(btc, "01:02"))
        await close(fake, clock, one(btc, "01:03"))
        got = await taken.candles_count(6)

    assert got == opening(btc, "00:58", 6)  # none missed, none doubled, in order
    assert (feed.reconnects, feed.backfilled, feed.duplicates) == (1, 2, 1)
    assert len(fake.requests_to(KLINES)) - requests_before == 1  # one backfill, one page
    assert feed.healthy
    assert "closed" in feed.last_error


async def test_a_silent_socket_is_replaced_and_what_closed_meanwhile_is_backfilled(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, warmup=1, silence_s=0.2)) as taken:
        await started(taken, fake)
        clock.advance_to(at("01:01", 0.2))  # 01:00 closes, but the line has gone quiet
        await fake.wait_for_streams(2)
        got = await taken.candles_count(2)

    assert got == opening(btc, "00:59", 2)
    assert taken.feed.backfilled == 1
    assert "silent for 0.2 s" in taken.feed.last_error


async def test_a_candle_the_stream_skipped_is_fetched_before_the_next_one(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, warmup=1)) as taken:
        await started(taken, fake)
        await close(fake, clock, one(btc, "01:00"))
        clock.advance_to(at("01:02"))
        await fake.push_kline(one(btc, "01:01"), closed=False)  # its close never comes
        await close(fake, clock, one(btc, "01:02"))
        got = await taken.candles_count(4)

    assert got == opening(btc, "00:59", 4)
    assert taken.feed.backfilled == 1
    assert taken.feed.reconnects == 0


async def test_symbols_come_in_the_given_order_once_each_has_closed(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle], eth: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, ("ETHUSDT", "BTCUSDT"), warmup=1)) as taken:
        await started(taken, fake, warmed=2)
        await close(fake, clock, one(btc, "01:00"))
        await asyncio.sleep(0.05)
        held_back = taken.candles[2:]  # BTC's waits for ETH's candle of the same close
        await close(fake, clock, one(eth, "01:00"))
        got = await taken.candles_count(4)

    assert held_back == []
    assert got == [one(eth, "00:59"), one(btc, "00:59"), one(eth, "01:00"), one(btc, "01:00")]


async def test_mark_prices_come_at_once_and_exact_even_while_a_moment_waits(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, ("BTCUSDT", "ETHUSDT"), warmup=1)) as taken:
        await started(taken, fake, warmed=2)
        await close(fake, clock, one(btc, "01:00"))  # ETH's is not there yet
        await fake.push_mark("BTCUSDT", "104123.45678901", at_ms=at("01:01", 1))
        await eventually(lambda: len(taken.marks) == 1)

    assert taken.marks == [MarkPrice("BTCUSDT", at("01:01", 1), Decimal("104123.45678901"))]
    assert taken.events[-1] == taken.marks[0]  # before BTC's 01:00 candle, still held back
    assert [c.open_ms for c in taken.candles] == [at("00:59"), at("00:59")]


async def test_an_unreadable_message_is_skipped_and_the_stream_goes_on(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    async with Taken(stream_feed(fake, clock, warmup=1)) as taken:
        await started(taken, fake)
        await fake.push_text("this is not what Binance sends")
        await fake.push_text('{"stream": "btcusdt@markPrice@1s", "data": {"e": "markPriceUpdate"}}')
        await close(fake, clock, one(btc, "01:00"))
        got = await taken.candles_count(2)

    assert got == opening(btc, "00:59", 2)
    assert taken.feed.bad_messages == 2
    assert taken.feed.reconnects == 0


async def test_a_delisted_symbol_is_dropped_and_not_subscribed(
    fake: FakeBinance, clock: SimulatedClock, btc: list[Candle]
) -> None:
    fake.delist("ETHUSDT")
    async with Taken(stream_feed(fake, clock, ("BTCUSDT", "ETHUSDT"), warmup=1)) as taken:
        await started(taken, fake)
        await close(fake, clock, one(btc, "01:00"))
        got = await taken.candles_count(2)

    assert got == opening(btc, "00:59", 2)
    assert list(taken.feed.dropped) == ["ETHUSDT"]
    assert fake.subscriptions == [("btcusdt@kline_1m", "btcusdt@markPrice@1s")]


async def test_a_refused_subscription_fails_the_feed_saying_why(
    fake: FakeBinance, clock: SimulatedClock
) -> None:
    feed = stream_feed(fake, clock, stream_url=fake.ws_url + "/nowhere")
    async with Taken(feed) as taken:
        with pytest.raises(MarketDataError, match="answered 404"):
            await taken.candles_count(1)


async def test_an_unreachable_stream_is_retried_with_backoff_and_reported_unhealthy(
    fake: FakeBinance, clock: SimulatedClock
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    policy = RetryPolicy(first_delay=1.0, max_delay=4.0, unhealthy_after=2)
    feed = stream_feed(
        fake,
        clock,
        stream_url="ws://127.0.0.1:9/market",  # the discard port: nobody listens
        retry=policy,
        sleep=sleep,
        jitter=lambda: 0.5,
    )
    async with Taken(feed):
        await eventually(lambda: len(slept) >= 4)
        healthy, last_error = feed.healthy, feed.last_error

    assert slept[:4] == [0.75, 1.5, 3.0, 3.0]
    assert not healthy
    assert "ws://127.0.0.1:9/market" in last_error


async def test_the_description_names_the_stream_and_the_rest_backfill(
    fake: FakeBinance, clock: SimulatedClock
) -> None:
    feed = stream_feed(fake, clock, ("BTCUSDT", "ETHUSDT"))

    assert feed.description == (
        "Binance USDⓈ-M public market data (BTCUSDT, ETHUSDT 1m klines and mark prices)"
        f" streamed from {fake.ws_url}, backfilled from {fake.url}"
    )
    assert feed.cadence_s == 60.0


def test_importing_the_feed_does_not_import_ccxt() -> None:
    probe = (
        "import sys, trading_agents.market.feeds.binance_stream; sys.exit('ccxt' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
