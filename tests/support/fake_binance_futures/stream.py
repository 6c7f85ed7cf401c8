"""The fake's user data stream: the listen key, its WebSockets and the events pushed on them.

As on Binance: POST /fapi/v1/listenKey returns the valid key (or makes one), PUT extends it or
answers -1125 once it has expired, DELETE closes it; the stream is at /ws/{listenKey} and an
expired key gets `{"e":"listenKeyExpired",...}` before its sockets close.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import string
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from aiohttp import web

from tests.support.fake_binance_futures.rules import Params
from tests.support.fake_binance_futures.wire import Json, refuse

NO_LISTEN_KEY = (-1125, "This listenKey does not exist.")
_KEY_ALPHABET = string.ascii_letters + string.digits


@dataclass(eq=False, slots=True)
class _Socket:
    """One open user-data WebSocket and the events waiting to be written to it."""

    listen_key: str
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    outbox: asyncio.Queue[str | None]


class UserStream:
    """Hand out the listen key and push events, in order, to the sockets opened with it."""

    def __init__(self, now: Callable[[], int]) -> None:
        self.now = now
        self.listen_key: str | None = None
        self.events: list[Json] = []
        self.trades_to_lose = 0  # the next trade events to leave undelivered
        self._sockets: list[_Socket] = []

    # REST --------------------------------------------------------------------------------

    def new_key(self, params: Params) -> Json:
        """POST /fapi/v1/listenKey: the valid key (extended), or a new one."""
        if self.listen_key is None:
            self.listen_key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(64))
        return {"listenKey": self.listen_key}

    def keep_key(self, params: Params) -> Json:
        """PUT /fapi/v1/listenKey: extend the valid key, or -1125 when it has expired."""
        sent = params.get("listenKey")
        if self.listen_key is None or sent not in (None, self.listen_key):
            raise refuse(*NO_LISTEN_KEY)
        return {"listenKey": self.listen_key}

    def close_key(self, params: Params) -> Json:
        """DELETE /fapi/v1/listenKey: invalidate the key and close its sockets."""
        sent = params.get("listenKey")
        if sent is not None and sent != self.listen_key:
            raise refuse(*NO_LISTEN_KEY)
        if self.listen_key is not None:
            self._close(self.listen_key, None)
            self.listen_key = None
        return {}

    # Control -----------------------------------------------------------------------------

    def push(self, event: Json) -> None:
        """Queue an event for every socket of the valid key; sockets write in queue order."""
        self.events.append(event)
        trade = event.get("e") == "ORDER_TRADE_UPDATE" and event["o"].get("x") == "TRADE"
        if trade and self.trades_to_lose:
            self.trades_to_lose -= 1
            return  # lost on the way, as a flaky network loses it
        text = json.dumps(event)
        for socket in self._sockets:
            if socket.listen_key == self.listen_key:
                socket.outbox.put_nowait(text)

    def expire(self) -> None:
        """Expire the valid key: push listenKeyExpired on its sockets, then close them."""
        key = self.listen_key
        if key is None:
            return
        self.listen_key = None
        notice = {"e": "listenKeyExpired", "E": self.now(), "listenKey": key}
        self._close(key, json.dumps(notice))

    def drop(self) -> None:
        """Cut every socket's connection without a closing handshake."""
        sockets, self._sockets = self._sockets, []
        for socket in sockets:
            if socket.transport is not None:
                socket.transport.abort()  # type: ignore[attr-defined]

    async def close_all(self) -> None:
        """Close every socket cleanly (the server is shutting down)."""
        sockets, self._sockets = self._sockets, []
        await asyncio.gather(*(s.ws.close() for s in sockets), return_exceptions=True)

    def _close(self, listen_key: str, last_word: str | None) -> None:
        for socket in [s for s in self._sockets if s.listen_key == listen_key]:
            self._sockets.remove(socket)
            if last_word is not None:
                socket.outbox.put_nowait(last_word)
            socket.outbox.put_nowait(None)

    # WebSocket ---------------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """Serve /ws/{listen_key}: refuse an unknown key with 400, else stream its events."""
        listen_key = request.match_info["listen_key"]
        if listen_key != self.listen_key:
            code, msg = NO_LISTEN_KEY
            return web.json_response({"code": code, "msg": msg}, status=400)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        socket = _Socket(listen_key, ws, request.transport, asyncio.Queue())
        self._sockets.append(socket)
        writer = asyncio.create_task(self._write(socket))
        try:
            async for _ in ws:
                pass  # Binance ignores what a client sends on the user stream
        finally:
            writer.cancel()
            with suppress(ValueError):
                self._sockets.remove(socket)
        return ws

    @staticmethod
    async def _write(socket: _Socket) -> None:
        while (text := await socket.outbox.get()) is not None:
            try:
                await socket.ws.send_str(text)
            except ConnectionResetError:
                return
        await socket.ws.close()
