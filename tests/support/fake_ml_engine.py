"""A fake ML engine on loopback: the seed's three endpoints, scripted signals, outages, slowness.

It runs its own event loop in a thread, so a sync end-to-end test (the service in another
process) and an async test drive it alike. It also signs webhook bodies the way the engine
does, for tests that push.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.threaded_server import ThreadedServer
from trading_agents.signals.webhook import sign


@dataclass(frozen=True, slots=True)
class EngineRequest:
    """A request the fake received."""

    method: str
    path: str
    body: Any


# Near the replayed sample's prices where its replay starts (2025-06-03 00:00 UTC): agents act
# only on a signal priced within their limit of the market (Atlas 1 %), so a test that lets the
# replay run for hours must price its signals from the market instead.
SAMPLE_PRICES = {"BTCUSDT": 105_800.0, "ETHUSDT": 2_610.0}


def signal(
    symbol: str,
    action: str = "buy",
    confidence: float = 0.85,
    price: float | None = None,
    *,
    signal_id: str | None = None,
    timestamp: float | None = None,
) -> dict[str, Any]:
    """Return a signal as the engine sends it (timestamp: now, in epoch seconds)."""
    made = {
        "symbol": symbol,
        "action": action,
        "confidence": confidence,
        "price": SAMPLE_PRICES.get(symbol, 100.0) if price is None else price,
        "timestamp": time.time() if timestamp is None else timestamp,
    }
    return made if signal_id is None else {**made, "signal_id": signal_id}


def signed(secret: str, payload: Any, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """Return a webhook body and the headers that sign it (with X-ML-Timestamp if given)."""
    body = json.dumps(payload).encode()
    stamp = None if timestamp is None else str(timestamp)
    headers = {
        "content-type": "application/json",
        "X-ML-Signature": sign(secret.encode(), body, stamp),
    }
    if stamp is not None:
        headers["X-ML-Timestamp"] = stamp
    return body, headers


class FakeMlEngine(ThreadedServer):
    """Serve scripted signals; fail or stall on command; record every request."""

    name = "fake ML engine"

    def __init__(self) -> None:
        super().__init__()
        self.signals: dict[str, dict[str, Any]] = {}  # latest signal by symbol
        self.account_signals: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[EngineRequest] = []
        self.status: int | None = None  # answer every call with this status (an outage)
        self.delay_s = 0.0  # answer every call this late

    @property
    def url(self) -> str:
        """Return the engine's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def requests_to(self, path_start: str) -> list[EngineRequest]:
        """Return the requests whose path starts with `path_start`."""
        return [r for r in list(self.requests) if r.path.startswith(path_start)]

    def app(self) -> web.Application:
        """Return the engine's three endpoints behind the fault middleware."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/api/v1/signals/batch", self._batch)
        app.router.add_get("/api/v1/signals/latest/{symbol}", self._latest)
        app.router.add_get("/api/v1/signals/account/{account_id}", self._account)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.requests.append(EngineRequest(request.method, request.path, body))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.status is not None:
            return web.json_response({"detail": "scripted outage"}, status=self.status)
        response: web.StreamResponse = await handler(request)
        return response

    async def _batch(self, request: web.Request) -> web.Response:
        symbols = await request.json()
        found = {s: self.signals[s] for s in symbols if s in self.signals}
        return web.json_response({"signals": found})

    async def _latest(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"]
        if symbol not in self.signals:
            return web.json_response({"detail": f"no signal for {symbol}"}, status=404)
        return web.json_response({"signal": self.signals[symbol]})

    async def _account(self, request: web.Request) -> web.Response:
        account = request.match_info["account_id"]
        return web.json_response({"signals": self.account_signals.get(account, [])})
