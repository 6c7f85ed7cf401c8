"""Assemble the alerts from the settings: the sinks configured, the outbox beside the spool."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from trading_agents.config.settings import Settings
from trading_agents.core.clock import LiveClock
from trading_agents.service.alerts.alerting import Alerting
from trading_agents.service.alerts.outbox import Outbox
from trading_agents.service.alerts.sinks import (
    TIMEOUT_S,
    Sink,
    SlackSink,
    TelegramSink,
    WebhookSink,
)
from trading_agents.service.probe import DeskProbe

OUTBOX_FILE = "alerts.sqlite3"


def sinks_of(settings: Settings, client: httpx.AsyncClient) -> list[Sink]:
    """Return a sink for each one the settings configure."""
    sinks: list[Sink] = []
    url = _text(settings.alert_webhook_url)
    if url:
        secret = _text(settings.alert_webhook_secret)
        sinks.append(WebhookSink(client, url, secret or None))
    token = _text(settings.telegram_bot_token)
    if token and settings.telegram_chat_id:
        sinks.append(
            TelegramSink(client, token, settings.telegram_chat_id, settings.telegram_api_url)
        )
    slack = _text(settings.slack_webhook_url)
    if slack:
        sinks.append(SlackSink(client, slack))
    return sinks


def _text(secret: SecretStr | None) -> str:
    """Return a secret's value; an unset one and one set empty (compose's `${X:-}`) are ''."""
    return "" if secret is None else secret.get_secret_value().strip()


def alerting_for(settings: Settings, probe: DeskProbe) -> Alerting:
    """Return the desk's alerts; `start` sets them going."""
    clock = LiveClock()  # alerts are about the service's real time, also over a replay
    client = httpx.AsyncClient(timeout=TIMEOUT_S)
    return Alerting(
        probe,
        Outbox(settings.spool_dir / OUTBOX_FILE),
        sinks_of(settings, client),
        clock,
        settings.alert_check_s,
        client,
    )
