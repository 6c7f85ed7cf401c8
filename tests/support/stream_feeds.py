"""The WebSocket feed on the fake Binance, and its stream taken as it comes, for tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import aclosing
from types import TracebackType
from typing import Any, Self

from tests.support.fake_binance import FakeBinance
from trading_agents.core.clock import Clock, SimulatedClock
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_rest import RetryPolicy
from trading_agents.market.feeds.binance_stream import BinanceStreamFeed
from trading_agents.market.marks import MarkPrice

# Reconnect within milliseconds: a test waits for the feed, not for a production backoff.
QUICK_RETRY = RetryPolicy(first_delay=0.01, max_delay=0.05)


def stream_feed(
    fake: FakeBinance, clock: Clock, symbols: tuple[str, ...] = ("BTCUSDT",), **options: Any
) -> BinanceStreamFeed:
    """Return a feed streaming from the fake, backfilling from it, retrying quickly."""
    options.setdefault("throttle", False)
    options.setdefault("retry", QUICK_RETRY)
    options.setdefault("stream_url", fake.ws_url)
    return BinanceStreamFeed(symbols, "1m", clock, rest_url=fake.url, **options)


async def eventually(ready: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait until `ready()` holds, checking every millisecond; fail after `timeout_s`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not ready():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not ready after {timeout_s} s")
        await asyncio.sleep(0.001)


async def stream_moments(
    fake: FakeBinance,
    clock: SimulatedClock,
    candles: Sequence[Candle],
    symbols: Sequence[str],
    stepped: Callable[[], int],
) -> None:
    """Push closed klines moment by moment, the clock at each close, as Binance streams them.

    After each moment, wait until `stepped()` (the candles the session traded on, counted
    once a step is whole) has caught up: the next moment streams once this one was traded,
    as it would a minute later.
    """
    order = {symbol: index for index, symbol in enumerate(symbols)}
    in_order = sorted(candles, key=lambda c: (c.close_ms, order[c.symbol]))
    for pushed, candle in enumerate(in_order, start=1):
        clock.advance_to(candle.close_ms)
        await fake.push_kline(candle)
        if candle.symbol == symbols[-1]:
            await eventually(lambda done=pushed: stepped() == done)


class Taken:
    """Take a feed's events in the background, as a consumer would, until the block ends."""

    def __init__(self, feed: BinanceStreamFeed) -> None:
        self.feed = feed
        self.events: list[Candle | MarkPrice] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def candles(self) -> list[Candle]:
        """Return the candles taken, in the order they came."""
        return [event for event in self.events if isinstance(event, Candle)]

    @property
    def marks(self) -> list[MarkPrice]:
        """Return the mark prices taken, in the order they came."""
        return [event for event in self.events if isinstance(event, MarkPrice)]

    async def candles_count(self, count: int) -> list[Candle]:
        """Wait until `count` candles have come; return them."""
        await eventually(lambda: len(self.candles) >= count or self.failed)
        if self._task is not None and self._task.done():
            self._task.result()  # a feed that failed says why here
        return self.candles

    @property
    def failed(self) -> bool:
        """Tell whether the feed stopped with an error."""
        return self._task is not None and self._task.done()

    async def _take(self) -> None:
        async with aclosing(self.feed.events()) as events:
            async for event in events:
                self.events.append(event)

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._take(), name="stream-feed-consumer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        task = self._task
        if task is not None:
            task.cancel()
            # What the feed failed with, a test has seen through `candles_count`.
            await asyncio.gather(task, return_exceptions=True)
        await self.feed.aclose()
