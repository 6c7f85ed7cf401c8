"""Binance's user data stream: a listen key kept alive, renewed, and reconnected with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import aiohttp

from trading_agents.venues.binance.rest import BinanceRest
from trading_agents.venues.errors import BinanceCode, OrderRejected, VenueError, VenueStopped

log = logging.getLogger(__name__)

EventHandler = Callable[[Mapping[str, Any]], None]


class UserDataStream:
    """Deliver the account's order, algo and account events, over one socket at a time.

    Every (re)connection calls `on_connect` once the socket is open, so the venue can
    reconcile what it may have missed while no socket was open.
    """

    def __init__(
        self,
        rest: BinanceRest,
        ws_base: str,
        on_event: EventHandler,
        on_connect: Callable[[], Awaitable[None]],
        *,
        keepalive_s: float,
        reconnect_cap_s: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rest = rest
        self._ws_base = ws_base
        self._on_event = on_event
        self._on_connect = on_connect
        self._keepalive_s = keepalive_s
        self._reconnect_cap_s = reconnect_cap_s
        self._sleep = sleep
        self.connected = asyncio.Event()
        self.connections = 0
        self.renewals = 0
        self.listen_key: str | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    async def run(self) -> None:
        """Stay connected until cancelled; a lost socket is reopened with capped backoff."""
        failures = 0
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    healthy = await self._connect_once(session)
                except VenueStopped:
                    log.error("user data stream ends: the venue is stopped")
                    return
                except (aiohttp.ClientError, VenueError, OSError, TimeoutError) as error:
                    log.warning("user data stream failed: %s", error)
                    healthy = False
                failures = 0 if healthy else failures + 1
                cap = min(self._reconnect_cap_s, 0.25 * 2**failures)
                await self._sleep(random.uniform(cap / 2, cap))  # jitter

    async def close_socket(self) -> None:
        """Close the current socket, so that `run` opens a new one (and reconciles)."""
        if self._socket is not None:
            await self._socket.close()

    async def _connect_once(self, session: aiohttp.ClientSession) -> bool:
        """Open one socket and read it until it ends; return whether it delivered anything."""
        key = await self._listen_key()
        delivered = False
        async with session.ws_connect(f"{self._ws_base}/ws/{key}", heartbeat=30.0) as socket:
            self._socket = socket
            self.connections += 1
            keepalive = asyncio.create_task(self._keep_alive(), name="binance-listen-key")
            try:
                self.connected.set()
                await self._on_connect()
                async for message in socket:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        break
                    event = json.loads(message.data, parse_float=Decimal)
                    delivered = True
                    if event.get("e") == "listenKeyExpired":
                        log.warning("listen key expired; renewing it")
                        self.listen_key = None
                        self.renewals += 1
                        break
                    try:
                        self._on_event(event)
                    except Exception:  # one unreadable event must not end the stream
                        log.exception("user data event not understood: %s", message.data[:500])
            finally:
                self.connected.clear()
                self._socket = None
                keepalive.cancel()
        return delivered

    async def _listen_key(self) -> str:
        if self.listen_key is None:
            answer = await self._rest.call("fapiPrivatePostListenKey", {})
            self.listen_key = str(answer["listenKey"])
        return self.listen_key

    async def _keep_alive(self) -> None:
        """Extend the listen key on a fixed cadence; an unknown key means renewing it."""
        while True:
            await self._sleep(self._keepalive_s)
            try:
                await self._rest.call("fapiPrivatePutListenKey", {})
            except OrderRejected as refused:
                if refused.code == BinanceCode.LISTEN_KEY_NOT_FOUND:
                    log.warning("listen key no longer exists; renewing it")
                    self.listen_key = None
                    self.renewals += 1
                    await self.close_socket()
                    return
                log.warning("listen key keepalive refused: %s", refused)
            except VenueError as error:
                log.warning("listen key keepalive failed: %s", error)
