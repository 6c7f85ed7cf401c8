"""Signals from the ML engine: the signed webhook, and polling through outages and recovery."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.fake_ml_engine import FakeMlEngine, signal, signed
from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

SECRET = "webhook-secret-for-tests"
ATLAS = "/accounts/acc-1/agents/atlas"


@pytest.fixture
def engine() -> Iterator[FakeMlEngine]:
    with FakeMlEngine() as running:
        yield running


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")  # no candle comes while a test runs
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)


async def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def client(service_env: None) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        assert (await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})).is_success
        yield client


async def _decisions(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await client.get(f"{ATLAS}/decisions")).json()["items"])


async def _decided(client: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    """Wait until the agent took `count` decisions (webhook signals are decided just after)."""
    deadline = time.monotonic() + 10
    while len(found := await _decisions(client)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} decisions, not {count}")
        await asyncio.sleep(0.02)
    return found


async def _webhook(client: httpx.AsyncClient, payload: Any, **kwargs: Any) -> httpx.Response:
    body, headers = signed(SECRET, payload, **kwargs)
    return await client.post("/webhooks/ml-signals", content=body, headers=headers)


async def test_a_signed_webhook_signal_opens_a_position_and_links_the_decision(
    client: httpx.AsyncClient,
) -> None:
    payload = {"account_id": "acc-1", "signal": signal("BTCUSDT", signal_id="ml-1")}

    answer = await _webhook(client, payload, timestamp=int(time.time()))

    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "accepted", "signal_id": "ml-1"}
    [decision] = await _decided(client, 1)
    assert (decision["trigger"], decision["signal_id"], decision["action"]) == (
        "signal", "ml-1", "open"
    )  # fmt: skip
    assert (await client.get(f"{ATLAS}/positions")).json()["total_positions"] == 1


async def test_a_bad_or_missing_signature_is_401_and_decides_nothing(
    client: httpx.AsyncClient,
) -> None:
    payload = {"account_id": "acc-1", "signal": signal("BTCUSDT")}
    body, headers = signed(SECRET, payload)
    tampered = body.replace(b'"buy"', b'"sell"')
    replayed_at = int(time.time()) - 3600
    old_body, old_headers = signed(SECRET, payload, timestamp=replayed_at)

    answers = [
        await client.post("/webhooks/ml-signals", content=tampered, headers=headers),
        await client.post(
            "/webhooks/ml-signals", content=body, headers={"content-type": "application/json"}
        ),
        await client.post(
            "/webhooks/ml-signals", content=body, headers={**headers, "X-ML-Signature": "ab" * 32}
        ),
        await client.post("/webhooks/ml-signals", content=old_body, headers=old_headers),
    ]

    assert [a.status_code for a in answers] == [401, 401, 401, 401]
    assert "does not match" in answers[0].json()["detail"]
    assert "missing" in answers[1].json()["detail"]
    assert "window" in answers[3].json()["detail"]
    await asyncio.sleep(0.2)
    assert await _decisions(client) == []


async def test_the_same_signal_delivered_twice_leads_to_one_decision(
    client: httpx.AsyncClient,
) -> None:
    payload = {
        "agent_name": "atlas",
        "account_id": "acc-1",
        "signal": signal("BTCUSDT", signal_id="x"),
    }

    first = await _webhook(client, payload)
    second = await _webhook(client, payload)
    direct = await client.post(
        f"{ATLAS}/signal", json={**signal("BTCUSDT", signal_id="x"), "timestamp": None}
    )

    assert (first.status_code, second.status_code) == (202, 200)
    assert (first.json()["status"], second.json()["status"]) == ("accepted", "duplicate")
    assert direct.status_code == 409
    assert len(await _decided(client, 1)) == 1
    await asyncio.sleep(0.2)
    assert len(await _decisions(client)) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"symbol": "SOLUSDT"}, "atlas does not trade SOLUSDT"),
        ({"action": "short"}, "action must be buy, sell or hold"),
        ({"confidence": 1.5}, "confidence must be within 0..1"),
        ({"price": -1}, "price must be above zero"),
        ({"timestamp": time.time() - 3600}, "signals older than 300 s are refused"),
    ],
)
async def test_each_rule_gives_422_with_its_reason_and_no_decision(
    client: httpx.AsyncClient, change: dict[str, Any], reason: str
) -> None:
    webhook = await _webhook(
        client, {"account_id": "acc-1", "signal": {**signal("BTCUSDT"), **change}}
    )

    assert webhook.status_code == 422
    assert reason in webhook.json()["detail"]
    assert await _decisions(client) == []


async def test_a_direct_signal_too_old_is_refused_like_any_other_way_in(
    client: httpx.AsyncClient,
) -> None:
    old = {**signal("BTCUSDT"), "timestamp": time.time() - 3600}

    answer = await client.post(f"{ATLAS}/signal", json=old)

    assert answer.status_code == 422
    assert "older than 300 s" in answer.json()["detail"]
    assert await _decisions(client) == []


async def test_a_signal_below_the_minimum_is_recorded_and_ignored(
    client: httpx.AsyncClient,
) -> None:
    weak = await _webhook(
        client, {"account_id": "acc-1", "signal": signal("BTCUSDT", confidence=0.4)}
    )

    assert weak.status_code == 202
    [decision] = await _decided(client, 1)
    assert decision["action"] == "hold"
    assert "0.4" in decision["reasoning"]
    assert (await client.get(f"{ATLAS}/positions")).json()["total_positions"] == 0


async def test_a_webhook_without_a_secret_configured_is_refused(
    service_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBHOOK_SECRET")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        answer = await _webhook(client, {"agent_name": "atlas", "signal": signal("BTCUSDT")})
    assert answer.status_code == 503
    assert "WEBHOOK_SECRET" in answer.json()["detail"]


async def _wait_for(check: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.05)


async def test_polling_trades_on_the_engines_signals_and_rides_out_an_outage(
    service_env: None, engine: FakeMlEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_ENGINE_URL", engine.url)
    monkeypatch.setenv("ML_POLL_INTERVAL", "0.05")
    monkeypatch.setenv("ML_ENGINE_TIMEOUT", "0.3")
    engine.status = 503  # down from the start
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})

        async def degraded() -> bool:
            health = (await client.get("/health")).json()
            return bool(health["status"] == "degraded" and "degraded" in health["ml_engine"])

        await _wait_for(degraded)
        assert (await client.get(f"{ATLAS}/status")).json()["status"] == "running"

        engine.signals["BTCUSDT"] = signal("BTCUSDT")  # no id: the poll's fingerprint keys it
        engine.account_signals["acc-1"] = [signal("ETHUSDT", "sell", signal_id="acc-sig")]
        engine.status = None  # back

        async def both_open() -> bool:
            return bool((await client.get(f"{ATLAS}/positions")).json()["total_positions"] == 2)

        await _wait_for(both_open)
        polls = len(engine.requests_to("/api/v1/signals/batch"))
        await _wait_for(lambda: _more_polls(engine, polls + 5))
        health = (await client.get("/health")).json()
        assert (health["status"], health["ml_engine"]) == ("ok", "ok")
        decided = [d for d in await _decisions(client) if d["trigger"] == "signal"]
        assert len(decided) == 2  # each signal once, however many polls returned it
        assert engine.requests_to("/api/v1/signals/batch")[-1].body == ["BTCUSDT", "ETHUSDT"]
        assert engine.requests_to("/api/v1/signals/account/acc-1")


async def _more_polls(engine: FakeMlEngine, count: int) -> bool:
    return len(engine.requests_to("/api/v1/signals/batch")) >= count


async def test_a_slow_engine_times_out_and_opens_its_circuit(
    service_env: None, engine: FakeMlEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_ENGINE_URL", engine.url)
    monkeypatch.setenv("ML_POLL_INTERVAL", "0.05")
    monkeypatch.setenv("ML_ENGINE_TIMEOUT", "0.1")
    engine.delay_s = 0.5
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})

        async def circuit_open() -> bool:
            return "circuit is open" in (await client.get("/health")).json()["ml_engine"]

        await _wait_for(circuit_open)
        asked = len(engine.requests)
        await asyncio.sleep(0.5)
        assert len(engine.requests) == asked  # open: the engine is left alone meanwhile


async def test_an_accepted_signal_left_undecided_by_a_crash_is_decided_at_the_next_start(
    service_env: None,
) -> None:
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
        await _webhook(
            client, {"account_id": "acc-1", "signal": signal("ETHUSDT", signal_id="done")}
        )
        await _decided(client, 1)
    # As if the process died between storing these and deciding on them: the inbox keeps them.
    inbox = Settings().spool_dir / "signals.inbox"
    lines = [
        {"agent": "atlas", "account_id": "acc-1", "signal_id": signal_id, "source": "ml_webhook",
         "payload": signal("BTCUSDT", confidence=confidence, signal_id=signal_id)}
        for signal_id, confidence in (("done", 0.9), ("pending", 0.4))
    ]  # fmt: skip
    inbox.write_text("".join(json.dumps(line) + "\n" for line in lines))

    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        decided = await _decided(client, 2)
        await asyncio.sleep(0.2)
        assert [d["signal_id"] for d in await _decisions(client)] == ["done", "pending"]
    assert [d["action"] for d in decided] == ["open", "hold"]
    assert not inbox.exists()  # all decided: the inbox is emptied


async def test_the_engines_latest_signal_is_asked_on_demand(
    service_env: None, engine: FakeMlEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_ENGINE_URL", engine.url)
    monkeypatch.setenv("ML_POLL_INTERVAL", "60")
    monkeypatch.setenv("ML_ENGINE_TIMEOUT", "0.3")
    engine.signals["BTCUSDT"] = signal("BTCUSDT", "sell", signal_id="latest-1")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), await _client(app) as client:
        found = (await client.get("/ml-engine/signals/BTCUSDT")).json()
        none = (await client.get("/ml-engine/signals/ETHUSDT")).json()
        bad = await client.get("/ml-engine/signals/not-a-symbol")
        engine.status = 503
        down = await client.get("/ml-engine/signals/BTCUSDT")

    assert (found["signal"]["signal_id"], found["signal"]["action"]) == ("latest-1", "sell")
    assert none == {"symbol": "ETHUSDT", "signal": None}
    assert bad.status_code == 422
    assert down.status_code == 503
    assert engine.requests_to("/api/v1/signals/latest/BTCUSDT")


async def test_without_an_engine_the_latest_signal_is_503(client: httpx.AsyncClient) -> None:
    answer = await client.get("/ml-engine/signals/BTCUSDT")

    assert answer.status_code == 503
    assert "ML_ENGINE_URL" in answer.json()["detail"]
