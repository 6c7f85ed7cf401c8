"""Closed candles from Binance USDⓈ-M public market data, polled over REST through ccxt.

The REST reading (raw kline rows kept as exact decimals, retries, the ccxt client imported
lazily) is `binance_rest.KlineReader`, shared with the WebSocket feed's warm-up and backfill.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator, Callable, Sequence
from types import TracebackType
from typing import Self

from trading_agents.core.clock import INTERVALS_MS, Clock
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_rest import (
    DEFAULT_REST_URL,
    MAX_PAGE_SIZE,
    FeedHealth,
    KlineReader,
    MarketDataError,
    RetryPolicy,
    Sleep,
)
from trading_agents.market.feeds.closed_candles import ClosedCandles

__all__ = [
    "DEFAULT_REST_URL",
    "MAX_PAGE_SIZE",
    "STALE_AFTER_INTERVALS",
    "BinancePublicFeed",
    "MarketDataError",
    "RetryPolicy",
]

STALE_AFTER_INTERVALS = 10  # a symbol this many candles behind the others is dropped


class BinancePublicFeed:
    """Poll Binance USDⓈ-M klines and yield each closed candle once, in time order."""

    def __init__(
        self,
        symbols: Sequence[str],
        interval: str,
        clock: Clock,
        *,
        poll_interval: float = 5.0,
        warmup: int = 0,
        rest_url: str | None = None,
        page_size: int = 1000,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        request_timeout: float = 10.0,
        throttle: bool = True,
        stale_after: int = STALE_AFTER_INTERVALS,
    ) -> None:
        if not symbols or len(set(symbols)) != len(symbols):
            raise ValueError(f"symbols must be distinct and at least one, not {list(symbols)}")
        if interval not in INTERVALS_MS:
            raise ValueError(f"interval {interval!r} is not one of {', '.join(INTERVALS_MS)}")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be above zero")
        if warmup < 0:
            raise ValueError(f"warmup must not be negative, not {warmup}")
        self.symbols = tuple(symbols)
        self.interval = interval
        self.interval_ms = INTERVALS_MS[interval]
        self._health = FeedHealth(retry or RetryPolicy())
        self._rest = KlineReader(
            interval,
            self._health,
            sleep,
            jitter,
            rest_url=rest_url,
            page_size=page_size,
            request_timeout=request_timeout,
            throttle=throttle,
        )
        self.rest_url = self._rest.rest_url
        self._clock = clock
        self._poll_interval = poll_interval
        self._warmup = warmup
        self._sleep = sleep
        self._stale_after_ms = stale_after * self.interval_ms
        # Symbols the feed stopped following, and why: one missing at the exchange (delisted)
        # or gone quiet must not stop the others' candles.
        self.dropped: dict[str, str] = {}

    @property
    def description(self) -> str:
        """Say what the data is and where it comes from."""
        return (
            f"Binance USDⓈ-M public market data ({', '.join(self.symbols)} {self.interval}) "
            f"from {self.rest_url}"
        )

    @property
    def cadence_s(self) -> float:
        """Return the seconds between closes: a candle is due every interval."""
        return self.interval_ms / 1000

    @property
    def healthy(self) -> bool:
        """Tell whether fewer requests than the policy allows have failed in a row."""
        return self._health.healthy

    @property
    def last_error(self) -> str:
        """Return the latest failure, kept after recovery; empty if none happened."""
        return self._health.last_error

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the ccxt client and its HTTP session."""
        await self._rest.aclose()

    async def candles(self) -> AsyncGenerator[Candle, None]:
        """Yield closed candles forever: the last `warmup` first, then each as it closes."""
        self.dropped.update(await self._rest.unlisted(self.symbols))
        now = self._clock.now_ms()
        start = now - now % self.interval_ms - self._warmup * self.interval_ms
        book = ClosedCandles(
            self.symbols, start, self.interval_ms, self._stale_after_ms, self.dropped
        )
        while True:
            now = self._clock.now_ms()
            for symbol, cursor in list(book.cursors.items()):
                try:
                    book.add(symbol, await self._rest.closed(symbol, cursor, now))
                except MarketDataError as error:  # refused for this symbol (delisted, say)
                    book.drop(symbol, str(error))
            for candle in book.release():
                yield candle
            await self._sleep(self._poll_interval)
