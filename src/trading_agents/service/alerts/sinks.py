"""Where alerts go: a generic webhook, Telegram and Slack, each over its own HTTP API."""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

import httpx

from trading_agents.service.alerts.model import Alert

TIMEOUT_S = 10.0
TELEGRAM_API = "https://api.telegram.org"
SIGNATURE_HEADER = "X-Alert-Signature"


class SinkFailed(Exception):
    """A sink did not take an alert; the outbox tries again later."""


class Sink(Protocol):
    """Something that delivers an alert to a person, or raises SinkFailed."""

    name: str

    async def send(self, alert: Alert) -> None:
        """Deliver one alert."""
        ...


def _checked(answer: httpx.Response, sink: str) -> httpx.Response:
    if answer.status_code >= 300:
        raise SinkFailed(f"{sink} answered {answer.status_code}: {answer.text[:200]}")
    return answer


class WebhookSink:
    """POST the alert as JSON; with a secret, its HMAC-SHA256 (hex) in X-Alert-Signature."""

    name = "webhook"

    def __init__(self, client: httpx.AsyncClient, url: str, secret: str | None) -> None:
        self._client = client
        self._url = url
        self._secret = secret

    async def send(self, alert: Alert) -> None:
        """Post the alert."""
        body = alert.to_json().encode()
        headers = {"Content-Type": "application/json"}
        if self._secret:
            digest = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = digest
        try:
            answer = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise SinkFailed(f"webhook: {type(error).__name__}") from None
        _checked(answer, self.name)


class TelegramSink:
    """Send the alert as a message with the Bot API's sendMessage."""

    name = "telegram"

    def __init__(
        self, client: httpx.AsyncClient, token: str, chat_id: str, api: str = TELEGRAM_API
    ) -> None:
        self._client = client
        self._url = f"{api.rstrip('/')}/bot{token}/sendMessage"
        self._chat_id = chat_id

    async def send(self, alert: Alert) -> None:
        """Send the message; Telegram says `ok` when it took it."""
        body = {"chat_id": self._chat_id, "text": alert.text(), "disable_web_page_preview": True}
        try:
            answer = await self._client.post(self._url, json=body)
        except httpx.HTTPError as error:
            # The URL holds the bot's token: name the error's kind, never the request.
            raise SinkFailed(f"telegram: {type(error).__name__}") from None
        try:
            said = _checked(answer, self.name).json()
        except ValueError:
            said = None
        ok = isinstance(said, dict) and said.get("ok") is True
        if not ok:
            raise SinkFailed(f"telegram did not take the message: {answer.text[:200]}")


class SlackSink:
    """Post the alert to a Slack incoming webhook."""

    name = "slack"

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def send(self, alert: Alert) -> None:
        """Post the message; Slack answers `ok`."""
        try:
            answer = await self._client.post(self._url, json={"text": alert.text()})
        except httpx.HTTPError as error:
            raise SinkFailed(f"slack: {type(error).__name__}") from None
        _checked(answer, self.name)
