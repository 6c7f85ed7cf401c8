"""Closed candles from Binance USDⓈ-M public market data, polled through ccxt.

Klines are read with ccxt's implicit method for `GET /fapi/v1/klines`
(`fapiPublicGetKlines`), not `fetch_ohlcv`: `fetch_ohlcv` turns Binance's price and volume
strings into floats, while the raw rows keep the strings, which become `Decimal` exactly.
ccxt is imported inside functions only: importing it takes about two seconds, and a
backtest never needs it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar

from trading_agents.core.clock import INTERVALS_MS, Clock
from trading_agents.core.errors import FatalError
from trading_agents.market.candles import Candle

log = logging.getLogger(__name__)
STALE_AFTER_INTERVALS = 10  # a symbol this many candles behind the others is dropped

DEFAULT_REST_URL = "https://fapi.binance.com"
MAX_PAGE_SIZE = 1500  # Binance's largest `limit` for USDⓈ-M klines


T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class MarketDataError(FatalError):
    """Binance refused a request for a reason that retrying cannot fix, or sent a bad row."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait between attempts, and after how many failures to report unhealthy."""

    first_delay: float = 0.5  # seconds
    max_delay: float = 30.0
    unhealthy_after: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.first_delay <= self.max_delay:
            raise ValueError(
                f"retry delays must satisfy 0 < first ({self.first_delay}) <= max "
                f"({self.max_delay})"
            )
        if self.unhealthy_after < 1:
            raise ValueError(f"unhealthy_after must be at least 1, not {self.unhealthy_after}")

    def delay(self, failures: int, draw: float) -> float:
        """Return the wait after `failures` consecutive failures; `draw` in [0, 1) jitters it."""
        ceiling = min(self.max_delay, self.first_delay * 2.0 ** min(failures - 1, 62))
        return ceiling / 2 + ceiling / 2 * draw


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
        if poll_interval <= 0 or request_timeout <= 0:
            raise ValueError("poll_interval and request_timeout must be above zero")
        if warmup < 0:
            raise ValueError(f"warmup must not be negative, not {warmup}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}, not {page_size}")
        self.symbols = tuple(symbols)
        self.interval = interval
        self.interval_ms = INTERVALS_MS[interval]
        self.rest_url = (rest_url or DEFAULT_REST_URL).rstrip("/")
        self._clock = clock
        self._poll_interval = poll_interval
        self._warmup = warmup
        self._page_size = page_size
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter
        self._request_timeout = request_timeout
        self._throttle = throttle
        self._stale_after_ms = stale_after * self.interval_ms
        # Symbols the feed stopped following, and why: one missing at the exchange (delisted)
        # or gone quiet must not stop the others' candles.
        self.dropped: dict[str, str] = {}
        self._exchange: Any = None
        self._failures = 0
        self._last_error = ""

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
        return self._failures < self._retry.unhealthy_after

    @property
    def last_error(self) -> str:
        """Return the latest failure, kept after recovery; empty if none happened."""
        return self._last_error

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
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            await exchange.close()

    async def candles(self) -> AsyncGenerator[Candle, None]:
        """Yield closed candles forever: the last `warmup` first, then each as it closes."""
        markets = await self._request("load markets", self._load_markets)
        self._check_symbols(markets)
        now = self._clock.now_ms()
        open_now = now - now % self.interval_ms
        start = open_now - self._warmup * self.interval_ms
        live = [symbol for symbol in self.symbols if symbol not in self.dropped]
        cursors = dict.fromkeys(live, start)
        pending: dict[str, list[Candle]] = {symbol: [] for symbol in live}
        order = {symbol: index for index, symbol in enumerate(self.symbols)}
        while True:
            now = self._clock.now_ms()
            for symbol in list(cursors):
                try:
                    pending[symbol] += await self._fetch_closed(symbol, cursors[symbol], now)
                except MarketDataError as error:  # refused for this symbol (delisted, say)
                    self._drop(symbol, str(error), cursors, pending)
                    continue
                if pending[symbol]:
                    cursors[symbol] = pending[symbol][-1].open_ms + self.interval_ms
            self._drop_stale(cursors, pending)
            # A symbol whose latest candle is late holds the others back: times never go back.
            horizon = min(cursors.values())
            ready = [c for symbol in cursors for c in pending[symbol] if c.open_ms < horizon]
            for symbol in cursors:
                pending[symbol] = [c for c in pending[symbol] if c.open_ms >= horizon]
            for candle in sorted(ready, key=lambda c: (c.open_ms, order[c.symbol])):
                yield candle
            await self._sleep(self._poll_interval)

    def _drop(
        self,
        symbol: str,
        reason: str,
        cursors: dict[str, int],
        pending: dict[str, list[Candle]],
    ) -> None:
        """Stop following a symbol, saying why; with none left, the feed fails."""
        self.dropped[symbol] = reason
        cursors.pop(symbol, None)
        pending.pop(symbol, None)
        log.warning("market data: %s dropped, the other symbols go on: %s", symbol, reason)
        if not cursors:
            raise MarketDataError(f"no symbol left to follow: {'; '.join(self.dropped.values())}")

    def _drop_stale(self, cursors: dict[str, int], pending: dict[str, list[Candle]]) -> None:
        """Drop a symbol that has fallen too far behind the one furthest on: it stopped."""
        ahead = max(cursors.values())
        for symbol, cursor in list(cursors.items()):
            if ahead - cursor > self._stale_after_ms:
                behind = (ahead - cursor) // self.interval_ms
                self._drop(
                    symbol,
                    f"{symbol}: no candle for {behind} intervals while the others went on",
                    cursors,
                    pending,
                )

    async def _fetch_closed(self, symbol: str, cursor: int, now: int) -> list[Candle]:
        """Fetch the candles of `symbol` from `cursor` that closed by `now`, page by page."""
        fetched: list[Candle] = []
        while cursor + self.interval_ms <= now:
            closed_count = (now - cursor) // self.interval_ms
            # One row more than the closed ones: Binance adds the open candle, which is dropped.
            limit = min(self._page_size, closed_count + 1)
            params: dict[str, Any] = {
                "symbol": symbol,
                "interval": self.interval,
                "startTime": cursor,
                "limit": limit,
            }
            rows = await self._request(f"klines {symbol} from {cursor}", self._klines, params)
            page = [
                candle
                for candle in (self._parse(symbol, row) for row in _rows(rows))
                if candle.open_ms >= cursor and candle.close_ms <= now
            ]
            if not page:
                break
            fetched += page
            cursor = page[-1].open_ms + self.interval_ms
            if len(rows) < limit:
                break
        return fetched

    async def _load_markets(self) -> Any:
        return await self._client().load_markets()

    async def _klines(self, params: dict[str, Any]) -> Any:
        return await self._client().fapiPublicGetKlines(params)

    async def _request(self, what: str, send: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Send a request until it succeeds, waiting longer after each retryable failure."""
        import ccxt.async_support as ccxt  # type: ignore[import-untyped]

        while True:
            try:
                result = await send(*args)
            # OperationFailed covers NetworkError (timeouts, 5xx, 418/429, maintenance) and
            # Binance's -1000/-1001 internal errors, which Binance says to retry.
            except ccxt.OperationFailed as exc:
                self._failures += 1
                self._last_error = f"{what}: {type(exc).__name__}: {exc}"
                await self._sleep(self._retry.delay(self._failures, self._jitter()))
                continue
            except ccxt.BaseError as exc:
                raise MarketDataError(f"{what}: {type(exc).__name__}: {exc}") from exc
            self._failures = 0
            return result

    def _client(self) -> Any:
        """Return the ccxt client, creating it on first use."""
        if self._exchange is None:
            import ccxt.async_support as ccxt

            exchange = ccxt.binanceusdm(
                {
                    "enableRateLimit": self._throttle,
                    "timeout": round(self._request_timeout * 1000),
                    # Only USDⓈ-M markets: load_markets then asks /fapi/v1/exchangeInfo alone.
                    "options": {"defaultType": "swap", "fetchMarkets": {"types": ["linear"]}},
                }
            )
            exchange.urls["api"] = {
                name: _rebased(url, self.rest_url) for name, url in exchange.urls["api"].items()
            }
            if self.rest_url.startswith("http://"):
                # ccxt waits on close so TLS connections can shut down; plain HTTP has none.
                exchange.timeout_on_exit = 0
            self._exchange = exchange
        return self._exchange

    def _check_symbols(self, markets: Any) -> None:
        """Drop the symbols that are not USDⓈ-M markets there; raise if none is."""
        by_id = {market["id"]: market for market in markets.values() if market.get("linear")}
        for symbol in self.symbols:
            if symbol not in by_id:
                self.dropped[symbol] = (
                    f"{symbol}: not a USDⓈ-M market at {self.rest_url} (delisted, or not a"
                    " Binance id such as BTCUSDT)"
                )
                log.warning("market data: %s", self.dropped[symbol])
        if len(self.dropped) == len(self.symbols):
            raise MarketDataError("; ".join(self.dropped.values()))

    def _parse(self, symbol: str, row: Any) -> Candle:
        """Turn a kline row (open time, then open, high, low, close, volume as strings)."""
        try:
            open_ms, *values = row[:6]
            if not isinstance(open_ms, int) or not all(isinstance(v, str) for v in values):
                raise TypeError("expected an integer time and price strings")
            o, h, low, c, volume = (Decimal(v) for v in values)
            return Candle(symbol, open_ms, self.interval_ms, o, h, low, c, volume)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise MarketDataError(
                f"bad {symbol} kline from {self.rest_url}: {row!r} ({exc})"
            ) from exc


def _rows(response: Any) -> list[Any]:
    if not isinstance(response, list):
        raise MarketDataError(f"klines answer is not a list: {response!r:.200}")
    return response


def _rebased(url: str, rest_url: str) -> str:
    """Move a USDⓈ-M endpoint of ccxt's URL table onto `rest_url`; leave the others."""
    if url.startswith(DEFAULT_REST_URL + "/"):
        return rest_url + url.removeprefix(DEFAULT_REST_URL)
    return url
