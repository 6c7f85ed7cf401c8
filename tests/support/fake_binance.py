"""A fake Binance USDⓈ-M public market data server on loopback, for the real clients in tests.

It serves `/fapi/v1/ping`, `/fapi/v1/time`, `/fapi/v1/exchangeInfo` (the package's snapshot)
and `/fapi/v1/klines` from scripted candles, with Binance's parameters and 12-column rows,
as of a clock the test moves. Faults (error answers, slow answers) are queued per path and
every request is recorded.

It also serves the combined market stream, `/market/stream?streams=...` (Binance routes
klines and mark prices under `/market`): the test pushes kline and mark price events, in
Binance's own message format, to every socket subscribed to them, and can drop the sockets.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from types import TracebackType
from typing import Any, Self

from aiohttp import WSCloseCode, web

from tests.support.threaded_server import ThreadedServer
from trading_agents.core.clock import INTERVALS_MS, SimulatedClock
from trading_agents.market.candles import Candle

KLINES = "/fapi/v1/klines"
EXCHANGE_INFO = "/fapi/v1/exchangeInfo"
STREAM = "/market/stream"

DEFAULT_LIMIT = 500
MAX_LIMIT = 1500

INTERNAL_ERROR = (-1001, "Internal error; unable to process your request. Please try again.")
TOO_MANY_REQUESTS = (
    -1003,
    "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. "
    "Please use the websocket for live updates to avoid polling the API.",
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request the fake received, with the time it received it (fake time)."""

    method: str
    path: str
    query: Mapping[str, str]
    at_ms: int


@dataclass(frozen=True, slots=True)
class _Fault:
    path: str
    status: int | None  # None: answer normally, after the delay
    code: int = 0
    msg: str = ""
    delay: float = 0.0


class FakeBinance(ThreadedServer):
    """Serve Binance USDⓈ-M public market data from scripted candles on 127.0.0.1.

    `async with` serves it on the test's loop; `start()` in a thread of its own, for a
    service in another process.
    """

    name = "fake-binance-public"

    def __init__(self, candles: Iterable[Candle] = (), *, clock: SimulatedClock | None = None):
        super().__init__()
        self.clock = clock or SimulatedClock()
        self.requests: list[RecordedRequest] = []
        self.open_candles_served = 0
        self._candles: dict[str, list[Candle]] = {}
        for candle in candles:
            self._candles.setdefault(candle.symbol, []).append(candle)
        for series in self._candles.values():
            series.sort(key=lambda c: c.open_ms)
        self._faults: deque[_Fault] = deque()
        self._exchange_info = json.loads(
            resources.files("trading_agents.config.data").joinpath("exchange_info.json").read_text()
        )
        self._symbols = {s["symbol"] for s in self._exchange_info["symbols"]}
        self._async_runner: web.AppRunner | None = None
        self._url = ""
        self._sockets: list[_Subscriber] = []
        self.subscriptions: list[tuple[str, ...]] = []  # the streams of each socket opened

    def delist(self, symbol: str) -> None:
        """Take a symbol off the exchange's market list and its klines, as a delisting does."""
        listed = [s for s in self._exchange_info["symbols"] if s["symbol"] != symbol]
        self._exchange_info = {**self._exchange_info, "symbols": listed}
        self._symbols.discard(symbol)

    @property
    def url(self) -> str:
        """Return the base URL (scheme, host and port) the fake listens on."""
        if self.port:  # started in a thread of its own
            return f"http://127.0.0.1:{self.port}"
        if not self._url:
            raise RuntimeError("the fake Binance server is not running; use `async with`")
        return self._url

    @property
    def ws_url(self) -> str:
        """Return the market stream's base URL, as BINANCE_PUBLIC_WS_URL takes it."""
        return self.url.replace("http://", "ws://", 1) + "/market"

    def app(self) -> web.Application:
        """Return the application: ping, time, exchangeInfo, klines and the market stream."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/fapi/v1/ping", self._ping)
        app.router.add_get("/fapi/v1/time", self._time)
        app.router.add_get(EXCHANGE_INFO, self._info)
        app.router.add_get(KLINES, self._klines)
        app.router.add_get(STREAM, self._stream)
        return app

    def close(self) -> None:
        """Drop the stream sockets (a server shutting down waits for open ones), then stop."""
        loop = self._loop
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self.drop_streams(), loop).result(10)
        super().close()

    async def __aenter__(self) -> Self:
        self._async_runner = web.AppRunner(self.app(), access_log=None)
        await self._async_runner.setup()
        await web.TCPSite(self._async_runner, "127.0.0.1", 0).start()
        host, port = self._async_runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.drop_streams()
        if self._async_runner is not None:
            await self._async_runner.cleanup()
            self._async_runner = None
        self._url = ""

    def add(self, *candles: Candle) -> None:
        """Add candles to the series the fake serves."""
        for candle in candles:
            series = self._candles.setdefault(candle.symbol, [])
            series.append(candle)
            series.sort(key=lambda c: c.open_ms)

    def fail(
        self,
        times: int = 1,
        *,
        status: int = 503,
        error: tuple[int, str] = INTERNAL_ERROR,
        path: str = KLINES,
    ) -> None:
        """Answer the next `times` requests to `path` with `status` and Binance's error body."""
        code, msg = error
        self._faults.extend(_Fault(path, status, code, msg) for _ in range(times))

    def rate_limit(self, times: int = 1, *, path: str = KLINES) -> None:
        """Answer the next `times` requests to `path` with 429 and Binance's -1003 body."""
        self.fail(times, status=429, error=TOO_MANY_REQUESTS, path=path)

    def slow(self, times: int = 1, *, seconds: float, path: str = KLINES) -> None:
        """Answer the next `times` requests to `path` normally, but `seconds` late."""
        self._faults.extend(_Fault(path, None, delay=seconds) for _ in range(times))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Return the requests received for `path`, oldest first."""
        return [request for request in self.requests if request.path == path]

    # -- the market stream ------------------------------------------------------------------

    @property
    def streams_open(self) -> int:
        """Return how many stream sockets are open now."""
        return sum(1 for subscriber in self._sockets if not subscriber.socket.closed)

    async def wait_for_streams(self, count: int = 1, timeout_s: float = 10.0) -> None:
        """Wait until `count` sockets have been opened in all (one is open now), or fail."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(self.subscriptions) < count or not self.streams_open:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{count} stream sockets never opened")
            await asyncio.sleep(0.005)

    async def push_kline(
        self, candle: Candle, *, closed: bool = True, event_ms: int | None = None
    ) -> int:
        """Push a kline event for `candle` (the closing one when `closed`); return receivers."""
        interval = _interval_name(candle.interval_ms)
        close_time = candle.close_ms - 1
        data = {
            "e": "kline",
            "E": event_ms if event_ms is not None else max(self.clock.now_ms(), close_time),
            "s": candle.symbol,
            "k": {
                "t": candle.open_ms,
                "T": close_time,
                "s": candle.symbol,
                "i": interval,
                "f": 100,
                "L": 200,
                "o": _text(candle.open),
                "c": _text(candle.close),
                "h": _text(candle.high),
                "l": _text(candle.low),
                "v": _text(candle.volume),
                "n": 101,
                "x": closed,
                "q": _text(candle.volume * candle.close),
                "V": _text(candle.volume / 2),
                "Q": _text(candle.volume * candle.close / 2),
                "B": "0",
            },
        }
        return await self._push(f"{candle.symbol.lower()}@kline_{interval}", data)

    async def push_mark(
        self, symbol: str, price: Decimal | str, *, at_ms: int | None = None
    ) -> int:
        """Push a mark price event for `symbol` at `at_ms` (default now); return receivers."""
        at = at_ms if at_ms is not None else self.clock.now_ms()
        mark = _text(Decimal(price))
        data = {
            "e": "markPriceUpdate",
            "E": at,
            "s": symbol,
            "p": mark,
            "i": mark,
            "P": mark,
            "r": "0.00010000",
            "T": at - at % 28_800_000 + 28_800_000,
        }
        return await self._push(f"{symbol.lower()}@markPrice@1s", data)

    async def push_text(self, text: str) -> int:
        """Push a raw text message to every open socket (garbage, an error answer)."""
        sent = 0
        for subscriber in list(self._sockets):
            if not subscriber.socket.closed:
                await subscriber.socket.send_str(text)
                sent += 1
        return sent

    async def drop_streams(self, *, abrupt: bool = True) -> int:
        """Drop every open socket, abruptly (a lost line) or with a close frame; say how many."""
        dropped = 0
        for subscriber in list(self._sockets):
            if subscriber.socket.closed:
                continue
            dropped += 1
            if abrupt and subscriber.transport is not None:
                subscriber.transport.abort()
            else:
                await subscriber.socket.close(code=WSCloseCode.GOING_AWAY, message=b"bye")
        return dropped

    async def _push(self, stream: str, data: dict[str, Any]) -> int:
        payload = json.dumps({"stream": stream, "data": data})
        sent = 0
        for subscriber in list(self._sockets):
            if stream in subscriber.streams and not subscriber.socket.closed:
                try:
                    await subscriber.socket.send_str(payload)
                except ConnectionError:
                    continue  # dropped under the push: that socket gets nothing more
                sent += 1
        return sent

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        streams = tuple(name for name in request.query.get("streams", "").split("/") if name)
        if not streams:
            return _error(400, -1102, "Mandatory parameter 'streams' was not sent.")
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        subscriber = _Subscriber(socket, frozenset(streams), request.transport)
        self._sockets.append(subscriber)
        self.subscriptions.append(streams)
        try:
            async for _ in socket:  # the client sends nothing a market stream reads
                pass
        finally:
            self._sockets.remove(subscriber)
        return socket

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(
            RecordedRequest(request.method, request.path, dict(request.query), self.clock.now_ms())
        )
        fault = next((f for f in self._faults if f.path == request.path), None)
        if fault is None:
            return await handler(request)
        self._faults.remove(fault)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is None:
            return await handler(request)
        return _error(fault.status, fault.code, fault.msg)

    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": self.clock.now_ms()})

    async def _info(self, request: web.Request) -> web.Response:
        return web.json_response({**self._exchange_info, "serverTime": self.clock.now_ms()})

    async def _klines(self, request: web.Request) -> web.Response:
        query = request.query
        symbol, interval = query.get("symbol", ""), query.get("interval", "")
        if not symbol or not interval:
            missing = "symbol" if not symbol else "interval"
            return _error(
                400,
                -1102,
                f"Mandatory parameter '{missing}' was not sent, was empty/null, or malformed.",
            )
        if symbol not in self._symbols:
            return _error(400, -1121, "Invalid symbol.")
        if interval not in INTERVALS_MS:
            return _error(400, -1120, "Invalid interval.")
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
            start = int(query["startTime"]) if "startTime" in query else None
            end = int(query["endTime"]) if "endTime" in query else None
        except ValueError:
            return _error(400, -1100, "Illegal characters found in a parameter.")
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, -1130, "Data sent for parameter 'limit' is not valid.")
        series = self._candles.get(symbol, [])
        interval_ms = INTERVALS_MS[interval]
        if series and series[0].interval_ms != interval_ms:
            return _error(400, -1120, f"Invalid interval: this fake holds {symbol} in other bars.")
        now = self.clock.now_ms()
        chosen = [
            c
            for c in series
            if c.open_ms <= now
            and (start is None or c.open_ms >= start)
            and (end is None or c.open_ms <= end)
        ]
        # Binance counts `limit` from startTime when it is given, else back from the end.
        chosen = chosen[:limit] if start is not None else chosen[-limit:]
        rows = [self._row(c, now) for c in chosen]
        return web.json_response(rows)

    def _row(self, candle: Candle, now: int) -> list[Any]:
        close_time = candle.close_ms - 1
        if candle.close_ms > now:
            # The fake cannot know the trades so far: the open candle shows its opening trade.
            self.open_candles_served += 1
            prices = [_text(candle.open)] * 4
            return [candle.open_ms, *prices, "0", close_time, "0", 0, "0", "0", "0"]
        return [
            candle.open_ms,
            _text(candle.open),
            _text(candle.high),
            _text(candle.low),
            _text(candle.close),
            _text(candle.volume),
            close_time,
            _text(candle.volume * candle.close),
            0,
            _text(candle.volume / 2),
            _text(candle.volume * candle.close / 2),
            "0",
        ]


@dataclass(frozen=True, slots=True)
class _Subscriber:
    socket: web.WebSocketResponse
    streams: frozenset[str]
    transport: asyncio.Transport | None


def _interval_name(interval_ms: int) -> str:
    return next(name for name, ms in INTERVALS_MS.items() if ms == interval_ms)


def _text(value: Decimal) -> str:
    """Write a decimal the way Binance does: plain digits, never an exponent."""
    return format(value, "f")


def _error(status: int, code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)
