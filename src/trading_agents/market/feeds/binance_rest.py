"""Binance USDⓈ-M klines over REST through ccxt: one reader for polling, warm-up and backfill.

Klines are read with ccxt's implicit method for `GET /fapi/v1/klines`
(`fapiPublicGetKlines`), not `fetch_ohlcv`: `fetch_ohlcv` turns Binance's price and volume
strings into floats, while the raw rows keep the strings, which become `Decimal` exactly.
ccxt is imported inside functions only: importing it takes about two seconds, and a
backtest never needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar

from trading_agents.core.clock import INTERVALS_MS, Clock
from trading_agents.core.errors import FatalError
from trading_agents.market.candles import Candle

log = logging.getLogger(__name__)

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


class FeedHealth:
    """Count a feed's consecutive failures (requests, connections) and keep the latest story."""

    def __init__(self, retry: RetryPolicy) -> None:
        self.retry = retry
        self.failures = 0
        self.last_error = ""

    @property
    def healthy(self) -> bool:
        """Tell whether fewer attempts than the policy allows have failed in a row."""
        return self.failures < self.retry.unhealthy_after

    def failed(self, what: str) -> int:
        """Record a failure; return how many came in a row."""
        self.failures += 1
        self.last_error = what
        return self.failures

    def recovered(self) -> None:
        """Record a success: the failures in a row are over (their story is kept)."""
        self.failures = 0


class KlineReader:
    """Read closed USDⓈ-M klines of one interval over REST, retrying what can pass."""

    def __init__(
        self,
        interval: str,
        health: FeedHealth,
        sleep: Sleep,
        jitter: Callable[[], float],
        *,
        rest_url: str | None = None,
        page_size: int = 1000,
        request_timeout: float = 10.0,
        throttle: bool = True,
    ) -> None:
        if interval not in INTERVALS_MS:
            raise ValueError(f"interval {interval!r} is not one of {', '.join(INTERVALS_MS)}")
        if request_timeout <= 0:
            raise ValueError("request_timeout must be above zero")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}, not {page_size}")
        self.interval = interval
        self.interval_ms = INTERVALS_MS[interval]
        self.rest_url = (rest_url or DEFAULT_REST_URL).rstrip("/")
        self.health = health
        self._sleep = sleep
        self._jitter = jitter
        self._page_size = page_size
        self._request_timeout = request_timeout
        self._throttle = throttle
        self._exchange: Any = None

    async def aclose(self) -> None:
        """Close the ccxt client and its HTTP session; closing twice is harmless."""
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            await exchange.close()

    async def unlisted(self, symbols: Sequence[str]) -> dict[str, str]:
        """Return the symbols that are not USDⓈ-M markets there, with why; raise if none is."""
        markets = await self._request("load markets", self._load_markets)
        by_id = {market["id"]: market for market in markets.values() if market.get("linear")}
        missing = {
            symbol: (
                f"{symbol}: not a USDⓈ-M market at {self.rest_url} (delisted, or not a"
                " Binance id such as BTCUSDT)"
            )
            for symbol in symbols
            if symbol not in by_id
        }
        for reason in missing.values():
            log.warning("market data: %s", reason)
        if len(missing) == len(symbols):
            raise MarketDataError("; ".join(missing.values()))
        return missing

    async def closed(self, symbol: str, cursor: int, now: int) -> list[Candle]:
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
                failures = self.health.failed(f"{what}: {type(exc).__name__}: {exc}")
                await self._sleep(self.health.retry.delay(failures, self._jitter()))
                continue
            except ccxt.BaseError as exc:
                raise MarketDataError(f"{what}: {type(exc).__name__}: {exc}") from exc
            self.health.recovered()
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


class KlineFeed:
    """What both Binance feeds share: the symbols, the interval, the REST reader and its health."""

    def __init__(
        self,
        symbols: Sequence[str],
        interval: str,
        clock: Clock,
        *,
        warmup: int,
        rest_url: str | None,
        page_size: int,
        retry: RetryPolicy | None,
        sleep: Sleep,
        jitter: Callable[[], float],
        request_timeout: float,
        throttle: bool,
        stale_after: int,
    ) -> None:
        if not symbols or len(set(symbols)) != len(symbols):
            raise ValueError(f"symbols must be distinct and at least one, not {list(symbols)}")
        if interval not in INTERVALS_MS:
            raise ValueError(f"interval {interval!r} is not one of {', '.join(INTERVALS_MS)}")
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
        self._warmup = warmup
        self._sleep = sleep
        self._jitter = jitter
        self._stale_after_ms = stale_after * self.interval_ms
        # Symbols the feed stopped following, and why: one missing at the exchange (delisted)
        # or gone quiet must not stop the others' candles.
        self.dropped: dict[str, str] = {}

    @property
    def cadence_s(self) -> float:
        """Return the seconds between closes: a candle is due every interval."""
        return self.interval_ms / 1000

    @property
    def healthy(self) -> bool:
        """Tell whether fewer attempts than the policy allows have failed in a row."""
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
        """Close the REST client (ccxt's HTTP session); a socket closes with its stream."""
        await self._rest.aclose()


def _rows(response: Any) -> list[Any]:
    if not isinstance(response, list):
        raise MarketDataError(f"klines answer is not a list: {response!r:.200}")
    return response


def _rebased(url: str, rest_url: str) -> str:
    """Move a USDⓈ-M endpoint of ccxt's URL table onto `rest_url`; leave the others."""
    if url.startswith(DEFAULT_REST_URL + "/"):
        return rest_url + url.removeprefix(DEFAULT_REST_URL)
    return url
