"""Alerts reach a person: each rule fires once, every sink gets it, none is lost on the way."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.asgi import served, until
from tests.support.databases import fresh_database
from tests.support.fake_alert_sinks import CHAT_ID, FakeAlertSinks, alerts_when
from tests.support.fake_ml_engine import FakeMlEngine
from tests.support.tcp_proxy import TcpProxy

ATLAS = "/accounts/acc-1/agents/atlas"
BUY = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}
HOUSE_ATLAS = Path(__file__).parents[2] / "src/trading_agents/config/data/agents/atlas.yaml"


@pytest.fixture
def twitchy_atlas(tmp_path: Path) -> dict[str, str]:
    """Return settings where Atlas's kill switch trips at 0.01 %: the first trade's fee."""
    folder = tmp_path / "agents"
    folder.mkdir()
    text = HOUSE_ATLAS.read_text().replace("max_drawdown: 0.05", "max_drawdown: 0.0001")
    (folder / "atlas.yaml").write_text(text)
    return {
        "TRADING_AGENTS_PROFILES_DIR": str(folder),
        "TRADING_AGENTS_SPOOL_DIR": str(tmp_path / "spool"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}",
        "ALERT_CHECK_INTERVAL": "0.05",
    }


async def _alerts(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await client.get("/alerts")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["alerts"])


def _states(alerts: list[dict[str, Any]]) -> set[str]:
    return {d["state"] for a in alerts for d in a["deliveries"]}


async def _trip_the_kill_switch(client: httpx.AsyncClient) -> None:
    await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
    await client.post(f"{ATLAS}/signal", json=BUY)
    status = (await client.get(f"{ATLAS}/status")).json()
    assert status["trading_state"] == "halted", status


async def test_a_tripped_kill_switch_reaches_every_sink_once_in_its_own_format(
    monkeypatch: pytest.MonkeyPatch, sinks: FakeAlertSinks, twitchy_atlas: dict[str, str]
) -> None:
    async with served(monkeypatch, **twitchy_atlas, **sinks.env()) as (client, _desk):
        await _trip_the_kill_switch(client)
        await until(lambda: len(sinks.received()) == 3)
        listed = await alerts_when(client, lambda found: _states(found) == {"sent"})
        await client.post(f"{ATLAS}/signal", json={**BUY, "price": 105801})  # still halted
        counted = (await client.get("/desk")).json()["alerts"]

    assert counted == {"last_24h": 1, "critical_24h": 1, "undelivered": 0}
    (alert,) = listed
    assert (alert["rule"], alert["severity"], alert["subject"]) == (
        "kill_switch",
        "critical",
        "atlas@acc-1",
    )
    assert {d["sink"]: d["state"] for d in alert["deliveries"]} == {
        "webhook": "sent",
        "telegram": "sent",
        "slack": "sent",
    }
    (hook,) = sinks.received("webhook")
    raw = json.dumps(hook.body, separators=(",", ":"), sort_keys=True).encode()
    signature = hmac.new(sinks.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
    assert hook.headers["X-Alert-Signature"] == signature
    assert hook.body["rule"] == "kill_switch"
    (telegram,) = sinks.received("telegram")
    assert telegram.body["chat_id"] == CHAT_ID
    assert telegram.body["text"].startswith("[CRITICAL] Kill switch tripped: atlas@acc-1")
    (slack,) = sinks.received("slack")
    assert slack.body["text"] == telegram.body["text"]


async def test_an_alert_waits_out_a_sink_outage_and_is_delivered_when_it_returns(
    monkeypatch: pytest.MonkeyPatch, sinks: FakeAlertSinks, twitchy_atlas: dict[str, str]
) -> None:
    sinks.down = True
    async with served(monkeypatch, **twitchy_atlas, **sinks.env()) as (client, _desk):
        await _trip_the_kill_switch(client)
        await until(lambda: sinks.refused >= 3)
        (waiting,) = await alerts_when(
            client, lambda found: all(d["last_error"] for a in found for d in a["deliveries"])
        )
        sinks.down = False
        await until(lambda: len(sinks.received()) == 3, timeout_s=20)
        (delivered,) = await alerts_when(client, lambda found: _states(found) == {"sent"})

    assert {d["state"] for d in waiting["deliveries"]} == {"pending"}
    assert all("503" in d["last_error"] for d in waiting["deliveries"])
    assert {d["state"] for d in delivered["deliveries"]} == {"sent"}
    assert all(d["attempts"] >= 2 for d in delivered["deliveries"])


async def test_an_alert_raised_before_a_restart_is_delivered_after_it(
    monkeypatch: pytest.MonkeyPatch, sinks: FakeAlertSinks, twitchy_atlas: dict[str, str]
) -> None:
    sinks.down = True
    async with served(monkeypatch, **twitchy_atlas, **sinks.env()) as (client, _desk):
        await _trip_the_kill_switch(client)
        await until(lambda: sinks.refused >= 3)
    sinks.down = False

    async with served(monkeypatch, **twitchy_atlas, **sinks.env()) as (client, _desk):
        await until(lambda: len(sinks.received()) == 3, timeout_s=20)
        listed = await _alerts(client)

    assert [alert["rule"] for alert in listed] == ["kill_switch"]  # not raised again
    assert [r.body["rule"] for r in sinks.received("webhook")] == ["kill_switch"]


async def test_an_unreachable_ml_engine_alerts_once(
    monkeypatch: pytest.MonkeyPatch, sinks: FakeAlertSinks, tmp_path: Path
) -> None:
    with FakeMlEngine() as engine:
        engine.status = 503
        env = {
            **sinks.env(),
            "ML_ENGINE_URL": engine.url,
            "ML_POLL_INTERVAL": "0.05",
            "ALERT_CHECK_INTERVAL": "0.05",
            "TRADING_AGENTS_SPOOL_DIR": str(tmp_path / "spool"),
        }
        async with served(monkeypatch, **env) as (client, _desk):
            await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})

            await alerts_when(client)
            await until(lambda: len(sinks.received("webhook")) == 1)
            await asyncio.sleep(0.5)  # ten more failed polls: the outage goes on, no new alert
            listed = await _alerts(client)

    assert [(a["rule"], a["severity"]) for a in listed] == [("ml_engine_unreachable", "warning")]
    assert "503" in listed[0]["detail"], listed[0]["detail"]


async def test_a_journal_outage_alerts_and_so_does_its_end(
    monkeypatch: pytest.MonkeyPatch, sinks: FakeAlertSinks, tmp_path: Path
) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        with TcpProxy(("127.0.0.1", 5432)) as proxy:
            env = {
                **sinks.env(),
                "DATABASE_URL": url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"),
                "TRADING_AGENTS_SPOOL_DIR": str(tmp_path / "spool"),
                "ALERT_CHECK_INTERVAL": "0.05",
            }
            async with served(monkeypatch, **env) as (client, desk):
                await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
                proxy.cut()
                await client.post(f"{ATLAS}/deposit", json={"amount": 100})  # spooled
                await until(lambda: desk.keeper.state != "ok")
                await until(lambda: len(sinks.received("webhook")) == 1)
                proxy.restore()
                await until(lambda: len(sinks.received("webhook")) == 2, timeout_s=30)
                listed = await _alerts(client)

    assert [(a["rule"], a["severity"]) for a in reversed(listed)] == [
        ("journal_outage", "critical"),
        ("journal_recovered", "info"),
    ]
    assert len(sinks.received("slack")) == len(sinks.received("telegram")) == 2
