"""A fake Binance USDⓈ-M futures exchange on loopback, speaking Binance's REST and user stream.

Serve it with `async with FakeBinanceFutures() as fake:` on the test's own event loop, or with
`fake.start()` / `fake.close()` in a thread of its own (for a service in another process).
All exchange state lives on the serving loop: control and inspection methods called from
another thread hop onto it and wait, so they are safe in both modes.
"""

from __future__ import annotations

import asyncio
import copy
import math
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, NamedTuple, Self, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web

from tests.support.fake_binance_futures.endpoints import Endpoints, Handler, Security
from tests.support.fake_binance_futures.gateway import (
    BACKEND_TIMEOUT,
    INTERNAL_ERROR,
    ORDER_PLACEMENTS,
    TOO_MANY_REQUESTS,
    UNKNOWN_EXECUTION,
    Fault,
    Faults,
    Meter,
    check_api_key,
    check_signature,
    check_timestamp,
    weight_of,
)
from tests.support.fake_binance_futures.matching import Exchange
from tests.support.fake_binance_futures.rules import Params, load_snapshot
from tests.support.fake_binance_futures.stream import UserStream
from tests.support.fake_binance_futures.wire import AlgoOrder, BinanceError, Json, Order
from tests.support.threaded_server import ThreadedServer

T = TypeVar("T")


@dataclass(eq=False, slots=True)
class _KeySet:
    """One account at the fake (the main one, or a sub-account): its keys, book and stream."""

    api_secret: str
    exchange: Exchange
    stream: UserStream
    routes: dict[tuple[str, str], tuple[Handler, Security]]
    orders: Meter  # Binance counts orders per account; the weight is the IP's


class RecordedRequest(NamedTuple):
    """A REST request the fake received: method, path and every parameter sent."""

    method: str
    path: str
    params: dict[str, str]


def _wall_clock() -> int:
    return int(time.time() * 1000)


def _error(status: int, code: int, msg: str, headers: dict[str, str]) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status, headers=headers)


class FakeBinanceFutures(ThreadedServer):
    """Serve a Binance USDⓈ-M futures account (USDT, one-way mode) on 127.0.0.1.

    `add_key_set` opens more accounts (sub-accounts, each with its own keys, wallet, orders
    and user stream) on the same market: a price set moves them all, and the IP's request
    weight counts every account's requests.
    """

    name = "fake-binance-futures"

    def __init__(
        self,
        *,
        api_key: str = "fake-key",
        api_secret: str = "fake-secret",
        wallet: Decimal = Decimal("0"),
        taker_fee: Decimal = Decimal("0.0005"),
        maker_fee: Decimal = Decimal("0.0002"),
        recv_window_max_ms: int = 60000,
        clock: Callable[[], int] | None = None,
    ) -> None:
        super().__init__()
        self._api_key, self._api_secret = api_key, api_secret
        self._clock = clock or _wall_clock
        self._skew = 0
        self._recv_window_max = recv_window_max_ms
        self._info, self._brackets, self._rules = load_snapshot()
        self._fees = taker_fee, maker_fee
        self._key_sets: dict[str, _KeySet] = {}
        main = self._open_key_set(api_key, api_secret, wallet)
        self._stream, self._exchange = main.stream, main.exchange
        self._meter = Meter()
        self._faults = Faults()
        self._banned_until = 0
        self._requests: list[RecordedRequest] = []
        self._closing: asyncio.Event | None = None
        self._async_runner: web.AppRunner | None = None

    def _open_key_set(self, api_key: str, api_secret: str, wallet: Decimal) -> _KeySet:
        stream = UserStream(self._now)
        taker_fee, maker_fee = self._fees
        exchange = Exchange(
            self._rules,
            wallet=wallet,
            taker_fee=taker_fee,
            maker_fee=maker_fee,
            now=self._now,
            emit=stream.push,
        )
        # Ids are the exchange's, not the account's: another account's start further on.
        exchange.shift_ids(len(self._key_sets) * 10_000_000)
        routes: dict[tuple[str, str], tuple[Handler, Security]] = Endpoints(
            exchange, self._info, self._brackets, self._now
        ).table()
        routes |= {
            ("POST", "/fapi/v1/listenKey"): (stream.new_key, "USER_STREAM"),
            ("PUT", "/fapi/v1/listenKey"): (stream.keep_key, "USER_STREAM"),
            ("DELETE", "/fapi/v1/listenKey"): (stream.close_key, "USER_STREAM"),
        }
        key_set = _KeySet(api_secret, exchange, stream, routes, Meter())
        self._key_sets[api_key] = key_set
        return key_set

    def add_key_set(
        self, api_key: str, api_secret: str, wallet: Decimal = Decimal("0")
    ) -> SubAccount:
        """Open another account at the fake with its own keys and wallet; return its handle."""

        def add() -> None:
            if api_key in self._key_sets:
                raise ValueError(f"the fake already has an account with key {api_key!r}")
            key_set = self._open_key_set(api_key, api_secret, wallet)
            key_set.exchange.prices_from(self._exchange)

        self._call(add)
        return SubAccount(self, api_key, api_secret)

    def _key_set(self, api_key: str) -> _KeySet:
        return self._key_sets[api_key]

    # Serving -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        """Return the application: the user stream and every REST path."""
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_get("/ws/{listen_key}", self._serve_stream)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def __aenter__(self) -> Self:
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._async_runner = runner
        self.port = int(runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._async_runner is not None:
            await self._async_runner.cleanup()
            self._async_runner = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """Return the REST base URL, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self._serving_port()}"

    @property
    def ws_url(self) -> str:
        """Return the WebSocket base URL; the user stream is at {ws_url}/ws/{listenKey}."""
        return f"ws://127.0.0.1:{self._serving_port()}"

    @property
    def api_key(self) -> str:
        """Return the API key the fake accepts."""
        return self._api_key

    @property
    def api_secret(self) -> str:
        """Return the secret requests must be signed with."""
        return self._api_secret

    def _serving_port(self) -> int:
        if not self.port:
            raise RuntimeError("the fake Binance futures server is not running")
        return self.port

    def _call(self, action: Callable[[], T]) -> T:
        """Run `action` on the serving loop: directly if on it (or not serving), else hop."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return action()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return action()

        async def hop() -> T:
            return action()

        return asyncio.run_coroutine_threadsafe(hop(), loop).result(10)

    def _now(self) -> int:
        return self._clock() + self._skew

    async def _on_shutdown(self, app: web.Application) -> None:
        if self._closing is not None:
            self._closing.set()  # wakes answers held by timeout()
        for key_set in self._key_sets.values():
            await key_set.stream.close_all()

    async def _serve_stream(self, request: web.Request) -> web.StreamResponse:
        """Serve /ws/{listen_key} from the account whose key it is (or refuse it, 400)."""
        listen_key = request.match_info["listen_key"]
        for key_set in self._key_sets.values():
            if key_set.stream.listen_key == listen_key:
                return await key_set.stream.serve(request)
        return await self._stream.serve(request)

    # Control -----------------------------------------------------------------------------

    def fund(self, amount: Decimal) -> None:
        """Credit the USDT wallet (ACCOUNT_UPDATE reason DEPOSIT)."""
        self._call(lambda: self._exchange.fund(amount))

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Move last and mark price to `price`, filling and triggering what the move crosses.

        Every account's orders meet the move: the market is one.
        """

        def move() -> None:
            for key_set in self._key_sets.values():
                key_set.exchange.set_price(symbol, price)

        self._call(move)

    def wick_mark(self, symbol: str, mark: Decimal) -> None:
        """Let the mark price alone touch `mark`: a position it reaches is liquidated."""

        def wick() -> None:
            for key_set in self._key_sets.values():
                key_set.exchange.wick_mark(symbol, mark)

        self._call(wick)

    def charge_funding(self, symbol: str, rate: Decimal) -> None:
        """Settle funding at `rate` on every account's position in the symbol, at the mark."""

        def charge() -> None:
            for key_set in self._key_sets.values():
                key_set.exchange.charge_funding(symbol, rate)

        self._call(charge)

    def list_filter(self, symbol: str, filter_type: str, **fields: str) -> None:
        """Change what exchangeInfo lists for a symbol's filter (Binance changed its rules).

        Only the listing changes: matching keeps the rules the fake started with.
        """

        def change() -> None:
            entry = next(e for e in self._info["symbols"] if e["symbol"] == symbol)
            found = next(f for f in entry["filters"] if f["filterType"] == filter_type)
            found.update(fields)

        self._call(change)

    def push_event(self, event: Json) -> None:
        """Push a user-stream event as given (again, say: a duplicate) to the open sockets."""
        self._call(lambda: self._stream.push(event))

    def skew_clock(self, ms: int) -> None:
        """Shift the server clock by `ms` (on top of earlier shifts)."""

        def shift() -> None:
            self._skew += ms

        self._call(shift)

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 503,
        code: int = -1001,
        msg: str | None = None,
        times: int = 1,
        after_accept: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with an error, after processing if asked.

        The default message is Binance's: "Internal error..." for a request not processed,
        "Unknown error... Execution status unknown." for one processed (after_accept).
        """
        text = msg or (UNKNOWN_EXECUTION if after_accept else INTERNAL_ERROR)
        fault = Fault(method.upper(), path, status, code, text, after_accept)
        self._call(lambda: self._faults.add(fault, times))

    def clear_faults(self) -> None:
        """Forget the faults still queued: the exchange answers normally again."""
        self._call(self._faults.clear)

    def timeout(
        self,
        method: str,
        path: str,
        *,
        seconds: float,
        times: int = 1,
        after_accept: bool = True,
    ) -> None:
        """Hold the answer to the next `times` matching requests for `seconds`.

        With after_accept the request is processed first and answered normally after the
        hold; without, it is not processed and answered 408 -1007 after the hold.
        """
        if after_accept:
            fault = Fault(method.upper(), path, 0, 0, "", True, seconds)
        else:
            fault = Fault(method.upper(), path, 408, -1007, BACKEND_TIMEOUT, False, seconds)
        self._call(lambda: self._faults.add(fault, times))

    def rate_limit(self, method: str, path: str, times: int = 1, *, retry_after: int = 1) -> None:
        """Answer the next `times` matching requests 429 -1003 with a Retry-After header."""
        fault = Fault(
            method.upper(), path, 429, -1003, TOO_MANY_REQUESTS, False, retry_after=retry_after
        )
        self._call(lambda: self._faults.add(fault, times))

    def ban(self, seconds: float) -> None:
        """Answer every REST request 418 -1003 until the server clock passes `seconds` more."""

        def ban() -> None:
            self._banned_until = self._now() + int(seconds * 1000)

        self._call(ban)

    def drop_streams(self) -> None:
        """Cut every account's open user-data WebSockets without a closing handshake."""

        def drop() -> None:
            for key_set in self._key_sets.values():
                key_set.stream.drop()

        self._call(drop)

    def fill_in_pieces(self, pieces: int) -> None:
        """Fill each marketable order in `pieces` trades from now on, as a thin book does."""

        def set_pieces() -> None:
            self._exchange.pieces = pieces

        self._call(set_pieces)

    def thin_book(self, depth: Decimal | None) -> None:
        """Let a marketable limit order find only `depth` within its limit from now on."""

        def set_depth() -> None:
            self._exchange.depth = depth

        self._call(set_depth)

    def lose_trade_events(self, count: int) -> None:
        """Leave the next `count` trade events of the user stream undelivered."""

        def lose() -> None:
            self._stream.trades_to_lose = count

        self._call(lose)

    def expire_listen_keys(self) -> None:
        """Expire the listen key: push listenKeyExpired on its sockets, then close them."""
        self._call(self._stream.expire)

    def place_foreign_market_order(self, symbol: str, side: str, quantity: Decimal) -> Order:
        """Fill a MARKET order placed outside the API (client id "web_..."), as by hand."""
        return self._call(lambda: copy.copy(self._exchange.place_by_hand(symbol, side, quantity)))

    # Inspection --------------------------------------------------------------------------

    def orders(self, symbol: str | None = None) -> list[Order]:
        """Return a copy of every regular order ever accepted (of one symbol, or all)."""
        return self._call(
            lambda: [copy.copy(o) for o in self._exchange.orders if symbol in (None, o.symbol)]
        )

    def algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        """Return a copy of every algo order ever accepted (of one symbol, or all)."""
        return self._call(
            lambda: [copy.copy(a) for a in self._exchange.algos if symbol in (None, a.symbol)]
        )

    def position(self, symbol: str) -> tuple[Decimal, Decimal]:
        """Return the signed position amount and the entry price."""

        def read() -> tuple[Decimal, Decimal]:
            position = self._exchange.account.positions[symbol]
            return position.amount, position.entry_price

        return self._call(read)

    @property
    def wallet_balance(self) -> Decimal:
        """Return the USDT wallet balance (realized PnL, fees and funding included)."""
        return self._call(lambda: self._exchange.account.wallet)

    @property
    def trade_count(self) -> int:
        """Return how many fills the account has had."""
        return self._call(lambda: len(self._exchange.trades))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return every REST request received, oldest first."""
        return self._call(lambda: list(self._requests))

    @property
    def used_weight(self) -> int:
        """Return the IP weight used in the server clock's current minute."""
        return self._call(lambda: self._meter.used(self._now()))

    @property
    def events(self) -> list[Json]:
        """Return every user-stream event pushed so far, whether or not anyone listened."""
        return self._call(lambda: list(self._stream.events))

    @property
    def listen_key(self) -> str | None:
        """Return the listen key now valid, if any."""
        return self._call(lambda: self._stream.listen_key)

    # REST --------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        method, path = request.method, request.path
        raw_query = request.raw_path.partition("?")[2]
        raw_body = await request.text()
        # A parameter sent in both places is read from the query string, as Binance does.
        values = dict(parse_qsl(raw_body, keep_blank_values=True))
        values |= dict(parse_qsl(raw_query, keep_blank_values=True))
        params = Params(values)
        now = self._now()
        self._requests.append(RecordedRequest(method, path, dict(values)))
        if now < self._banned_until:
            until = self._banned_until
            msg = (
                f"Way too many requests; IP(127.0.0.1) banned until {until}. "
                "Please use the websocket for live updates to avoid bans."
            )
            return _error(418, -1003, msg, {"Retry-After": str(math.ceil((until - now) / 1000))})
        headers = {
            "X-MBX-USED-WEIGHT-1M": str(self._meter.add(now, weight_of(method, path, params)))
        }
        if (method, path) in ORDER_PLACEMENTS:
            sent = self._key_sets.get(request.headers.get("X-MBX-APIKEY") or "")
            in_10s, in_1m = (sent or self._key_sets[self._api_key]).orders.add_order(now)
            headers |= {"X-MBX-ORDER-COUNT-10S": str(in_10s), "X-MBX-ORDER-COUNT-1M": str(in_1m)}
        fault = self._faults.take(method, path)
        if fault is not None and fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault is not None and not fault.after_accept:
            await self._hold(fault.hold)
            return _error(fault.status, fault.code, fault.msg, headers)
        status, body = self._answer(request, params, raw_query, raw_body)
        if fault is not None:
            await self._hold(fault.hold)
            if fault.status:
                return _error(fault.status, fault.code, fault.msg, headers)
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, request: web.Request, params: Params, raw_query: str, raw_body: str
    ) -> tuple[int, Any]:
        sent = request.headers.get("X-MBX-APIKEY")
        key_set = self._key_sets.get(sent or "")
        routes = (key_set or self._key_sets[self._api_key]).routes
        route = routes.get((request.method, request.path))
        if route is None:
            return 404, {
                "code": -5000,
                "msg": f"Path {request.path}, Method {request.method} is invalid",
            }
        handler, security = route
        try:
            if security != "NONE":
                check_api_key(sent, sent if key_set is not None else self._api_key)
            if security == "SIGNED":
                assert key_set is not None
                check_timestamp(params, self._now(), self._recv_window_max)
                check_signature(raw_query, raw_body, key_set.api_secret)
            return 200, handler(params)
        except BinanceError as refusal:
            return refusal.status, {"code": refusal.code, "msg": refusal.msg}

    async def _hold(self, seconds: float) -> None:
        if seconds <= 0 or self._closing is None:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)


class SubAccount:
    """Another account at the fake, with keys of its own: fund it and read what it holds."""

    def __init__(self, fake: FakeBinanceFutures, api_key: str, api_secret: str) -> None:
        self._fake = fake
        self.api_key, self.api_secret = api_key, api_secret

    def _exchange(self) -> Exchange:
        return self._fake._key_set(self.api_key).exchange

    def fund(self, amount: Decimal) -> None:
        """Credit the account's USDT wallet (ACCOUNT_UPDATE reason DEPOSIT)."""
        self._fake._call(lambda: self._exchange().fund(amount))

    def position(self, symbol: str) -> tuple[Decimal, Decimal]:
        """Return the account's signed position amount and entry price."""

        def read() -> tuple[Decimal, Decimal]:
            position = self._exchange().account.positions[symbol]
            return position.amount, position.entry_price

        return self._fake._call(read)

    @property
    def wallet_balance(self) -> Decimal:
        """Return the account's USDT wallet balance."""
        return self._fake._call(lambda: self._exchange().account.wallet)

    @property
    def trade_count(self) -> int:
        """Return how many fills the account has had."""
        return self._fake._call(lambda: len(self._exchange().trades))

    def orders(self, symbol: str | None = None) -> list[Order]:
        """Return a copy of every regular order the account placed (of one symbol, or all)."""
        return self._fake._call(
            lambda: [copy.copy(o) for o in self._exchange().orders if symbol in (None, o.symbol)]
        )

    def algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        """Return a copy of every algo order the account placed (of one symbol, or all)."""
        return self._fake._call(
            lambda: [copy.copy(a) for a in self._exchange().algos if symbol in (None, a.symbol)]
        )
