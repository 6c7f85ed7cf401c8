"""The Idempotency-Key header: a retried start, deposit, withdrawal or signal gets the first answer.

The answer is kept in the journal under the caller (its API key, or its address) and the
key, with a digest of the request: the same key with another request is 409, as is a retry
while the first is still being answered. Only answers of work done (2xx) are kept: a
refusal may be sent again, fixed. Not covered: a crash after the work was done and before
its answer was kept lets a retry do it again.
"""

from __future__ import annotations

import hashlib
import logging
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trading_agents.api.errors import send_error, send_json
from trading_agents.api.limits import caller_of
from trading_agents.core.clock import LiveClock
from trading_agents.journal import idempotency
from trading_agents.journal.idempotency import KeptAnswer

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
_ROUTES = ("/start", "/deposit", "/withdraw", "/signal")
_KEY = re.compile(rb"^[\x21-\x7e]{1,128}$")
_WALL = LiveClock()


class Idempotency:
    """Answer a request made again under the same Idempotency-Key with its first answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._running: set[tuple[str, bytes]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request on once per key; answer its repeats from the journal."""
        key = dict(scope.get("headers", ())).get(HEADER)
        if (
            scope["type"] != "http"
            or key is None
            or scope["method"] != "POST"
            or not scope["path"].endswith(_ROUTES)
        ):
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            await _answer(send, 422, "Idempotency-Key must be 1 to 128 printable characters")
            return
        body = await _body(receive)
        if body is None:
            return  # the client went away before its body came: nothing to do
        digest = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + body
        ).hexdigest()
        caller, text = caller_of(scope), key.decode()
        if (caller, key) in self._running:  # claimed before the lookup: no second run slips in
            await _answer(send, 409, "a request with this Idempotency-Key is still being answered")
            return
        self._running.add((caller, key))
        try:
            last = await self._once(scope, send, body, digest, caller, text)
        finally:
            self._running.discard((caller, key))
        if last is not None:
            # The answer's end goes out once it is kept and the key is free: a client that
            # repeats the call the moment it has the answer gets that answer, not a 409.
            await send(last)

    async def _once(
        self, scope: Scope, send: Send, body: bytes, digest: str, caller: str, text: str
    ) -> Message | None:
        """Answer from the journal if the key was answered before; else run and keep it.

        Return the run's last message, held back for the caller to send.
        """
        engine = scope["app"].state.desk.journal.journal.engine
        try:
            kept = await idempotency.find(engine, caller, text)
        except Exception as error:  # the database is away: no promise can be kept
            log.warning("Idempotency-Key %s cannot be checked: %s", text, error)
            await _answer(
                send, 503, "the Idempotency-Key cannot be checked now: the journal is away"
            )
            return None
        if kept is not None:
            if kept.request_hash != digest:
                await _answer(send, 409, "this Idempotency-Key was used for another request")
                return None
            await _send(send, kept.status, kept.body.encode(), replayed=True)
            return None
        status, answer, last = await self._run(scope, body, send)
        # Only work done is kept: a refusal (a bad field, a paused agent) may come again, fixed.
        if 200 <= status < 300:
            try:
                kept_now = KeptAnswer(digest, status, answer.decode())
                await idempotency.keep(engine, caller, text, kept_now, _WALL.now_ms())
            except Exception as error:
                log.warning("the answer to Idempotency-Key %s was not kept: %s", text, error)
        return last

    async def _run(
        self, scope: Scope, body: bytes, send: Send
    ) -> tuple[int, bytes, Message | None]:
        """Run the request with its body read already; return the answer and its last part.

        Everything but the answer's last part is sent as it comes; that part is returned.
        """
        delivered = False
        status, parts = 500, []
        last: Message | None = None

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, last
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    last = message
                    return
            await send(message)

        await self.app(scope, replay, capture)
        return status, b"".join(parts), last


async def _body(receive: Receive) -> bytes | None:
    """Return the whole body, or None if the client went away before it was all sent."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, detail: str) -> None:
    await send_error(send, status, detail)


async def _send(send: Send, status: int, body: bytes, replayed: bool = False) -> None:
    await send_json(send, status, body, [(b"idempotent-replayed", b"true")] if replayed else [])
