"""Fake alert sinks on loopback: a webhook, Telegram's Bot API and a Slack incoming webhook.

Each answers as the real one does (Telegram `{"ok": true, "result": ...}`, Slack `ok`) and
keeps what it received; `down` makes every one answer 503 until it comes back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web

from tests.support.asgi import until_answered
from tests.support.threaded_server import ThreadedServer

BOT_TOKEN = "123456789:AAFake-bot-token_for-tests"
CHAT_ID = "-1001234567890"
SLACK_PATH = "/services/T000/B000/slack-secret-path"


@dataclass(frozen=True, slots=True)
class Received:
    """One message a sink took."""

    sink: str
    body: Any
    headers: dict[str, str]


class FakeAlertSinks(ThreadedServer):
    """The three sinks on one port; `env()` gives the service the settings to reach them."""

    name = "fake-alert-sinks"

    def __init__(self, webhook_secret: str = "alert-webhook-secret") -> None:
        super().__init__()
        self.webhook_secret = webhook_secret
        self.down = False
        self.refused = 0  # requests answered 503 while down
        self._received: list[Received] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Return the settings that send the service's alerts here."""
        return {
            "ALERT_WEBHOOK_URL": f"{self.url}/hooks/alerts",
            "ALERT_WEBHOOK_SECRET": self.webhook_secret,
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_CHAT_ID": CHAT_ID,
            "TELEGRAM_API_URL": self.url,
            "SLACK_WEBHOOK_URL": f"{self.url}{SLACK_PATH}",
        }

    def received(self, sink: str | None = None) -> list[Received]:
        """Return what the sinks took, oldest first (one sink's only, if named)."""
        with self._lock:
            return [r for r in self._received if sink is None or r.sink == sink]

    def app(self) -> web.Application:
        """Serve the three sinks."""
        app = web.Application()
        app.router.add_post("/hooks/alerts", self._webhook)
        app.router.add_post(f"/bot{BOT_TOKEN}/sendMessage", self._telegram)
        app.router.add_post(SLACK_PATH, self._slack)
        return app

    def _take(self, sink: str, body: Any, request: web.Request) -> web.Response | None:
        with self._lock:
            if self.down:
                self.refused += 1
                return web.Response(status=503, text="unavailable")
            self._received.append(Received(sink, body, dict(request.headers)))
        return None

    async def _webhook(self, request: web.Request) -> web.Response:
        raw = await request.read()
        expected = hmac.new(self.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Alert-Signature", ""), expected):
            return web.Response(status=401, text="bad signature")
        refused = self._take("webhook", json.loads(raw), request)
        return refused or web.json_response({"received": True})

    async def _telegram(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("chat_id") != CHAT_ID or not body.get("text"):
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
                status=400,
            )
        refused = self._take("telegram", body, request)
        message = {"message_id": len(self.received("telegram")), "text": body["text"]}
        return refused or web.json_response({"ok": True, "result": message})

    async def _slack(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not body.get("text"):
            return web.Response(status=400, text="no_text")
        refused = self._take("slack", body, request)
        return refused or web.Response(text="ok")


Alerts = list[dict[str, Any]]


async def alerts_when(
    client: httpx.AsyncClient, ready: Callable[[Alerts], bool] = bool, timeout_s: float = 20.0
) -> Alerts:
    """Read the service's /alerts until `ready` holds of them (by default: there is one)."""
    # The service marks a delivery once the sink answered: the sink may have it before.
    found: Alerts = []

    async def done() -> bool:
        answer = await client.get("/alerts")
        assert answer.status_code == 200, answer.text
        found[:] = answer.json()["alerts"]
        return ready(found)

    await until_answered(done, timeout_s=timeout_s)
    return found
