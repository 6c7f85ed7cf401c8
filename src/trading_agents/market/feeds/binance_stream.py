"""Binance USDⓈ-M market data over one WebSocket: closed candles and mark prices as they come.

One combined-stream connection carries every followed symbol's klines and its mark price
each second. A closed kline is a candle within a fraction of a second of its close, where a
poll finds it seconds later; a mark price lets the simulated venue trigger stops and value
positions between closes. REST (`binance_rest.KlineReader`, shared with the polling feed)
warms the feed up and backfills: after every (re)connection it fetches each candle that
closed since the last one held, so none is missed while no socket was open, and a candle
that comes both ways is taken once, by its open time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing

import aiohttp

from trading_agents.core.clock import Clock
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_messages import (
    BadStreamMessage,
    parse_message,
    stream_names,
)
from trading_agents.market.feeds.binance_public import STALE_AFTER_INTERVALS
from trading_agents.market.feeds.binance_rest import (
    KlineFeed,
    MarketDataError,
    RetryPolicy,
    Sleep,
)
from trading_agents.market.feeds.closed_candles import ClosedCandles
from trading_agents.market.marks import MarkPrice

log = logging.getLogger(__name__)

# Binance routes USDⓈ-M streams by path: klines and mark prices are "market" data, and an
# unrouted connection would stay silent for them.
DEFAULT_STREAM_URL = "wss://fstream.binance.com/market"
MAX_STREAMS = 200  # Binance's limit per connection
SILENCE_S = 15.0  # mark prices come every second: this long without a message is a dead line
CLOSE_TIMEOUT_S = 1.0  # waiting longer for a dying server's close frame helps nobody
# A handshake refused with these may pass later; any other 4xx will not (a wrong URL).
_RETRYABLE_STATUSES = frozenset({408, 418, 429})


class BinanceStreamFeed(KlineFeed):
    """Stream Binance USDⓈ-M klines and mark prices; yield each closed candle once, in order."""

    def __init__(
        self,
        symbols: Sequence[str],
        interval: str,
        clock: Clock,
        *,
        warmup: int = 0,
        rest_url: str | None = None,
        stream_url: str | None = None,
        marks: bool = True,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        request_timeout: float = 10.0,
        silence_s: float = SILENCE_S,
        page_size: int = 1000,
        throttle: bool = True,
        stale_after: int = STALE_AFTER_INTERVALS,
    ) -> None:
        if silence_s <= 0:
            raise ValueError(f"silence_s must be above zero, not {silence_s}")
        if len(stream_names(symbols, interval, marks)) > MAX_STREAMS:
            raise ValueError(f"one connection carries at most {MAX_STREAMS} streams")
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
        self.stream_url = (stream_url or DEFAULT_STREAM_URL).rstrip("/")
        self.marks = marks
        self._request_timeout = request_timeout
        self._silence_s = silence_s
        self.connections = 0  # sockets opened: the first, then one per reconnection
        self.backfilled = 0  # candles fetched over REST that a lost socket or the stream missed
        self.duplicates = 0  # closed candles the stream sent that REST had brought already
        self.bad_messages = 0  # messages skipped as unreadable

    @property
    def description(self) -> str:
        """Say what the data is and where it comes from."""
        what = "klines and mark prices" if self.marks else "klines"
        return (
            f"Binance USDⓈ-M public market data ({', '.join(self.symbols)} {self.interval}"
            f" {what}) streamed from {self.stream_url}, backfilled from {self.rest_url}"
        )

    @property
    def reconnects(self) -> int:
        """Return how many times a lost socket was opened again."""
        return max(0, self.connections - 1)

    async def candles(self) -> AsyncGenerator[Candle, None]:
        """Yield closed candles forever: the last `warmup` first, then each as it closes."""
        async with aclosing(self.events()) as events:
            async for event in events:
                if isinstance(event, Candle):
                    yield event

    async def events(self) -> AsyncGenerator[Candle | MarkPrice, None]:
        """Yield closed candles as `candles()` does, and mark prices as they come between them."""
        self.dropped.update(await self._rest.unlisted(self.symbols))
        now = self._clock.now_ms()
        start = now - now % self.interval_ms - self._warmup * self.interval_ms
        book = ClosedCandles(
            self.symbols, start, self.interval_ms, self._stale_after_ms, self.dropped
        )
        async with aiohttp.ClientSession() as session:
            while True:
                socket = await self._connect(session, book)
                try:
                    # Opened first, then REST: a candle closing in between comes both ways
                    # and is taken once, where REST first would let it slip through.
                    for candle in await self._backfill(book, counted=self.connections > 1):
                        yield candle
                    while (text := await self._receive(socket)) is not None:
                        try:
                            event = parse_message(text, self.interval)
                        except BadStreamMessage as error:
                            self.bad_messages += 1
                            log.warning("market data stream: message skipped: %s", error)
                            continue
                        if isinstance(event, MarkPrice):
                            if book.owes(event.symbol) is not None:
                                yield event
                        elif event is not None:
                            for candle in await self._take(book, event):
                                yield candle
                finally:
                    await socket.close()
                log.warning("market data stream lost (%s); reconnecting", self.last_error)
                delay = self._health.retry.delay(max(self._health.failures, 1), self._jitter())
                await self._sleep(delay)

    async def _connect(
        self, session: aiohttp.ClientSession, book: ClosedCandles
    ) -> aiohttp.ClientWebSocketResponse:
        """Open the combined stream of the symbols still followed, retrying with backoff."""
        names = stream_names(tuple(book.cursors), self.interval, self.marks)
        url = f"{self.stream_url}/stream?streams={'/'.join(names)}"
        while True:
            try:
                async with asyncio.timeout(self._request_timeout):
                    socket = await session.ws_connect(
                        url, timeout=aiohttp.ClientWSTimeout(ws_close=CLOSE_TIMEOUT_S)
                    )
            except aiohttp.WSServerHandshakeError as error:
                what = f"stream {self.stream_url} answered {error.status} {error.message}"
                if 400 <= error.status < 500 and error.status not in _RETRYABLE_STATUSES:
                    raise MarketDataError(what) from error
                failures = self._health.failed(what)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                failures = self._health.failed(
                    f"stream {self.stream_url}: {type(error).__name__}: {error}"
                )
            else:
                self.connections += 1
                return socket
            log.warning("market data stream: %s; retrying", self.last_error)
            await self._sleep(self._health.retry.delay(failures, self._jitter()))

    async def _receive(self, socket: aiohttp.ClientWebSocketResponse) -> str | None:
        """Return the next text message; None once the socket closed or went silent."""
        while True:
            try:
                message = await socket.receive(timeout=self._silence_s)
            except TimeoutError:
                self._health.failed(f"stream {self.stream_url}: silent for {self._silence_s:g} s")
                return None
            except (aiohttp.ClientError, OSError) as error:
                self._health.failed(f"stream {self.stream_url}: {type(error).__name__}: {error}")
                return None
            if message.type is aiohttp.WSMsgType.TEXT:
                # A socket that delivers has recovered; one that only opens and drops has not.
                self._health.recovered()
                return str(message.data)
            if message.type in _ENDED:
                self._health.failed(
                    f"stream {self.stream_url} closed ({message.type.name},"
                    f" code {socket.close_code})"
                )
                return None

    async def _backfill(self, book: ClosedCandles, counted: bool) -> list[Candle]:
        """Fetch over REST what closed since each symbol's last candle; return what is ready."""
        now = self._clock.now_ms()
        for symbol, cursor in list(book.cursors.items()):
            try:
                fetched = await self._rest.closed(symbol, cursor, now)
            except MarketDataError as error:  # refused for this symbol (delisted, say)
                book.drop(symbol, str(error))
                continue
            if counted:
                self.backfilled += len(fetched)
            book.add(symbol, fetched)
        return book.release()

    async def _take(self, book: ClosedCandles, candle: Candle) -> list[Candle]:
        """Take a streamed closed candle once; fetch over REST any the stream skipped before it."""
        owed = book.owes(candle.symbol)
        if owed is None:  # not followed (dropped)
            return []
        if candle.open_ms < owed:
            self.duplicates += 1  # REST brought it after a reconnection
            return []
        if candle.open_ms > owed:
            try:
                missed = await self._rest.closed(candle.symbol, owed, candle.open_ms)
            except MarketDataError as error:
                book.drop(candle.symbol, str(error))
                return book.release()
            self.backfilled += len(missed)
            book.add(candle.symbol, missed)
        book.add(candle.symbol, [candle])
        return book.release()


_ENDED = frozenset(
    {
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSING,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }
)
