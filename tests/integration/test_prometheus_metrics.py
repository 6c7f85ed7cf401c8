"""`GET /metrics`: Prometheus's text format, and the same figures the API answers."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.asgi import served, until_answered
from trading_agents.signals.webhook import sign

ATLAS = "/accounts/acc-1/agents/atlas"
BUY = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}
SECRET = "webhook-secret-for-metrics"
OPEN = ("submitted", "accepted", "triggered", "partially_filled")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    answer = await client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def _of(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def _series(samples: Samples, name: str, label: str) -> dict[str, float]:
    """Return the account's series of one counter by one label, as {label value: count}."""
    found = {}
    for (sample, labels), value in samples.items():
        named = dict(labels)
        if sample == name and (named["agent"], named["account"]) == ("atlas", "acc-1"):
            found[named[label]] = value
    return found


def _account(**more: str) -> dict[str, str]:
    return {"agent": "atlas", "account": "acc-1", **more}


async def _webhook(client: httpx.AsyncClient, body: dict[str, Any], secret: str) -> int:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))  # epoch seconds, as the engine sends it
    headers = {
        "Content-Type": "application/json",
        "X-ML-Signature": sign(secret.encode(), raw, stamp),
        "X-ML-Timestamp": stamp,
    }
    return (await client.post("/webhooks/ml-signals", content=raw, headers=headers)).status_code


async def test_the_metrics_page_says_what_the_api_says_after_trading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with served(monkeypatch, WEBHOOK_SECRET=SECRET) as (client, _desk):
        await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
        await client.post(f"{ATLAS}/signal", json={**BUY, "price": 45000})  # denied: off market
        await client.post(f"{ATLAS}/signal", json=BUY)  # opens, with its stop and target
        await client.post(f"{ATLAS}/deposit", json={"amount": 500})

        def hold(signal_id: str) -> dict[str, Any]:
            signal = {**BUY, "action": "hold", "signal_id": signal_id}
            return {"agent_name": "atlas", "account_id": "acc-1", "signal": signal}

        assert await _webhook(client, hold("w-1"), SECRET) == 202
        assert await _webhook(client, hold("w-2"), "a wrong secret") == 401

        seen: list[dict[str, Any]] = []

        async def three_decided() -> bool:  # the webhook's signal is decided after its 202
            seen[:] = (await client.get(f"{ATLAS}/decisions")).json()["items"]
            return len(seen) == 3

        await until_answered(three_decided)
        samples = await _scrape(client)
        status = (await client.get(f"{ATLAS}/status")).json()
        metrics = (await client.get(f"{ATLAS}/metrics")).json()
        positions = (await client.get(f"{ATLAS}/positions")).json()
        orders = (await client.get(f"{ATLAS}/orders")).json()["items"]

    assert _of(samples, "trading_agents_equity_usdt", **_account()) == pytest.approx(
        status["equity"], abs=1e-6
    )
    assert _of(samples, "trading_agents_drawdown_ratio", **_account()) == pytest.approx(
        metrics["current_drawdown"],
        abs=1e-8,  # the API's 8 decimals
    )
    assert (
        _of(samples, "trading_agents_open_positions", **_account())
        == (positions["total_positions"])
    )
    open_orders = sum(1 for o in orders if o["status"] in OPEN)
    assert _of(samples, "trading_agents_open_orders", **_account()) == open_orders
    assert _of(samples, "trading_agents_trading_state", **_account(state="active")) == 1
    assert _series(samples, "trading_agents_decisions_total", "action") == Counter(
        d["action"] for d in seen
    )
    ended = Counter(o["status"] for o in orders if o["status"] not in OPEN)
    assert _series(samples, "trading_agents_orders_total", "status") == ended
    assert _of(samples, "trading_agents_fills_total", **_account()) == ended["filled"]
    denied = _of(
        samples, "trading_agents_risk_denials_total", **_account(code="signal_price_off_market")
    )
    assert denied == 1
    assert _of(samples, "trading_agents_webhook_signals_total", outcome="accepted", reason="") == 1
    refused = {"outcome": "refused", "reason": "signature"}
    assert _of(samples, "trading_agents_webhook_signals_total", **refused) == 1
    assert _of(samples, "trading_agents_signal_to_fill_seconds_count", agent="atlas") == 1
    assert _of(samples, "trading_agents_decision_latency_seconds_count", agent="atlas") == 3
    assert _of(samples, "trading_agents_journal_state", state="ok") == 1


async def test_a_stopped_agent_s_series_leave_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    async with served(monkeypatch) as (client, _desk):
        await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
        await client.post("/accounts/acc-2/agents/atlas/start", json={"initial_equity": 1000})
        await client.post(f"{ATLAS}/signal", json=BUY)
        before = await _scrape(client)
        await client.post(f"{ATLAS}/stop", json={})
        after = await _scrape(client)

    def accounts(samples: Samples) -> set[str]:
        return {dict(labels).get("account", "") for _, labels in samples} - {""}

    assert accounts(before) == {"acc-1", "acc-2"}
    assert accounts(after) == {"acc-2"}


async def test_with_an_api_key_the_metrics_need_it(monkeypatch: pytest.MonkeyPatch) -> None:
    async with served(monkeypatch, TRADING_AGENTS_API_KEY="metrics-key-123") as (client, _):
        refused = await client.get("/metrics")
        by_bearer = await _scrape(client, Authorization="Bearer metrics-key-123")

    assert refused.status_code == 401
    assert _of(by_bearer, "trading_agents_agents_running") == 0
