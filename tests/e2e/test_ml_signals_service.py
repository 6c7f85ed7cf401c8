"""The service process with the ML engine: it polls and trades; a signed webhook opens a trade."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.fake_ml_engine import FakeMlEngine, signal, signed
from tests.support.service import Service, running_service

SECRET = "e2e-webhook-secret"


@pytest.fixture(scope="module")
def engine() -> Iterator[FakeMlEngine]:
    with FakeMlEngine() as running:
        yield running


@pytest.fixture(scope="module")
def service(engine: FakeMlEngine) -> Iterator[Service]:
    env = {
        "ML_ENGINE_URL": engine.url,
        "ML_POLL_INTERVAL": "0.2",
        "WEBHOOK_SECRET": SECRET,
        "REPLAY_SPEED": "0.01",  # the market holds still while the test reads
    }
    with running_service(env) as running:
        yield running


def test_the_service_polls_the_engine_and_trades_on_its_signals(
    service: Service, engine: FakeMlEngine
) -> None:
    service.post("/accounts/polled/agents/nova/start", {"initial_equity": 10000})
    engine.signals["BTCUSDT"] = signal("BTCUSDT", "sell")

    positions = service.wait_for(
        "/accounts/polled/agents/nova/positions", lambda p: p["total_positions"] == 1
    )

    assert positions["positions"][0]["side"] == "short"
    assert service.get("/health")["ml_engine"] == "ok"
    assert "BTCUSDT" in engine.requests_to("/api/v1/signals/batch")[-1].body


def test_a_signed_webhook_opens_a_position_and_a_body_changed_after_signing_does_not(
    service: Service, engine: FakeMlEngine
) -> None:
    engine.signals.clear()  # only what is pushed here may reach this agent
    service.post("/accounts/pushed/agents/atlas/start", {"initial_equity": 10000})
    payload = {"account_id": "pushed", "signal": signal("ETHUSDT", signal_id="w-1")}
    body, headers = signed(SECRET, payload, timestamp=int(time.time()))
    forged = body.replace(b'"buy"', b'"sell"')

    refused = service.client.post("/webhooks/ml-signals", content=forged, headers=headers)
    assert refused.status_code == 401
    assert service.get("/accounts/pushed/agents/atlas/decisions")["count"] == 0

    taken = service.client.post("/webhooks/ml-signals", content=body, headers=headers)
    assert taken.status_code == 202, taken.text
    positions = service.wait_for(
        "/accounts/pushed/agents/atlas/positions", lambda p: p["total_positions"] == 1
    )
    assert [(p["symbol"], p["side"]) for p in positions["positions"]] == [("ETHUSDT", "long")]
