"""Limits on what a caller may send: a body's size (413) and a request rate (429)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trading_agents.api.errors import send_error


class BodyTooLarge(HTTPException):
    """A request body over the limit; an HTTP error, so every route answers it the same way."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")


class BodyLimit:
    """Refuse a body over `max_bytes`: by its Content-Length at once, else as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a counted body, or answer 413 without reading it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await send_error(send, 413, BodyTooLarge(limit).detail)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as refused:
            if started:
                raise
            await send_error(send, 413, refused.detail)


class RateLimit:
    """Limit each caller to `per_second` requests, with bursts up to `burst`; 429 beyond.

    A caller is its API key (X-API-Key or a bearer token), or its address without one. The
    health and readiness probes and the documents are not counted. Each caller has a token
    bucket: a request takes a token, tokens come back at `per_second`; with none left the
    answer is 429 with Retry-After, the seconds until the next token.
    """

    def __init__(
        self,
        app: ASGIApp,
        per_second: float,
        burst: int,
        now: Callable[[], float] = time.monotonic,
        api_key: str | None = None,
    ) -> None:
        self.app = app
        # Only the service's own key makes a bucket of its own: a made-up key changes nothing.
        self._known = None if api_key is None else _digest(api_key.encode())
        self.per_second = per_second
        self.burst = burst
        self._now = now
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 429 when its caller has no token left."""
        if scope["type"] != "http" or self.per_second <= 0 or _exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        caller = caller_of(scope)
        if caller.startswith("key:") and caller != f"key:{self._known}":
            caller = _address(scope)
        wait = self._take(caller)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            detail = (
                f"too many requests: at most {self.per_second:g} a second for one key"
                f" (bursts of {self.burst}); retry after {seconds} s"
            )
            await send_error(send, 429, detail, [(b"retry-after", str(seconds).encode())])
            return
        await self.app(scope, receive, send)

    def _take(self, caller: str) -> float:
        """Take a token for the caller; return 0, or the seconds until one is back."""
        now = self._now()
        tokens, at = self._buckets.get(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
        if tokens < 1:
            self._buckets[caller] = (tokens, now)
            return (1 - tokens) / self.per_second
        self._buckets[caller] = (tokens - 1, now)
        if len(self._buckets) > _MAX_CALLERS:  # forget the longest quiet: they are full again
            oldest = min(self._buckets, key=lambda c: self._buckets[c][1])
            del self._buckets[oldest]
        return 0.0


_MAX_CALLERS = 10_000
_EXEMPT = ("/health", "/ready", "/docs", "/redoc", "/openapi.json", "/assets/")


def _exempt(path: str) -> bool:
    return path.startswith(_EXEMPT)


def caller_of(scope: Scope) -> str:
    """Return who calls: a digest of the API key it sends, or its address."""
    headers = dict(scope["headers"])
    key = headers.get(b"x-api-key")
    bearer = headers.get(b"authorization", b"")
    if key is None and bearer.lower().startswith(b"bearer "):
        key = bearer[7:].strip()
    if key:
        return f"key:{_digest(key)}"
    return _address(scope)


def _digest(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"
