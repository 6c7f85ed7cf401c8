"""Closed candles from Binance USDⓈ-M public market data, polled over REST through ccxt.

The REST reading (raw kline rows kept as exact decimals, retries, the ccxt client imported
lazily) is `binance_rest.KlineReader`, shared with the WebSocket feed's warm-up and backfill.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator, Callable, Sequence

from trading_agents.core.clock import Clock
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_rest import (
    DEFAULT_REST_URL,
    MAX_PAGE_SIZE,
    KlineFeed,
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


class BinancePublicFeed(KlineFeed):
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
        if poll_interval <= 0:
            raise ValueError("poll_interval must be above zero")
        super().__init__(
            symbols,
            interval,
            clock,
            warmup=warmup,
            rest_url=rest_url,
            page_size=page_size,
            retry=retry,
            sleep=sleep,
            jitter=jitter,
            request_timeout=request_timeout,
            throttle=throttle,
            stale_after=stale_after,
        )
        self._poll_interval = poll_interval

    @property
    def description(self) -> str:
        """Say what the data is and where it comes from."""
        return (
            f"Binance USDⓈ-M public market data ({', '.join(self.symbols)} {self.interval}) "
            f"from {self.rest_url}"
        )

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
