"""Every endpoint refuses bad input with a 4xx and a message, and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

AGENT_ROUTES = ["status", "metrics", "positions"]
ACTIONS = ["pause", "resume", "stop"]


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "1")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def _state(client: httpx.AsyncClient) -> Any:
    return (await client.get("/health")).json()["agents_running"], (
        await client.get("/agents/atlas/status")
    ).json()


async def test_an_unknown_agent_is_404_everywhere(client: httpx.AsyncClient) -> None:
    for route in AGENT_ROUTES:
        response = await client.get(f"/agents/zeus/{route}")
        assert response.status_code == 404
        assert "unknown agent 'zeus'" in response.json()["detail"]
    for action in [*ACTIONS, "start", "signal"]:
        body = {"initial_equity": 100} if action == "start" else None
        if action == "signal":
            body = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": 1}
        response = await client.post(f"/agents/zeus/{action}", json=body)
        assert response.status_code == 404, (action, response.text)


async def test_an_agent_not_started_on_an_account_is_404(client: httpx.AsyncClient) -> None:
    for route in AGENT_ROUTES:
        response = await client.get(f"/accounts/nobody/agents/atlas/{route}")
        assert response.status_code == 404
        assert "has not been started on account 'nobody'" in response.json()["detail"]
    for action in ACTIONS:
        assert (await client.post(f"/accounts/nobody/agents/atlas/{action}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "initial_equity"),
        ({"initial_equity": 0}, "initial_equity"),
        ({"initial_equity": -5}, "initial_equity"),
        ({"initial_equity": "lots"}, "initial_equity"),
        ({"initial_equity": 100, "account_id": "has space"}, "account_id"),
        ({"initial_equity": 100, "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_start_body_is_422_with_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/agents/atlas/start", json=body)

    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert (await client.get("/health")).json()["agents_running"] == 0


async def test_a_mismatched_agent_name_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/agents/atlas/start", json={"agent_name": "nova", "initial_equity": 100}
    )

    assert response.status_code == 422
    assert "does not match" in response.json()["detail"]
    assert (await client.get("/agents/atlas/status")).status_code == 404


async def test_lifecycle_conflicts_are_409_and_change_nothing(client: httpx.AsyncClient) -> None:
    assert (await client.post("/agents/atlas/start", json={"initial_equity": 1000})).is_success
    before = await _state(client)

    again = await client.post("/agents/atlas/start", json={"initial_equity": 1000})

    assert again.status_code == 409
    assert "already running" in again.json()["detail"]
    assert await _state(client) == before
    assert (await client.post("/agents/atlas/stop")).is_success
    for refused in ("pause", "resume"):
        response = await client.post(f"/agents/atlas/{refused}")
        assert response.status_code == 409
        assert "is stopped" in response.json()["detail"]


async def test_a_repeated_pause_resume_or_stop_answers_the_state_as_it_is(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/agents/atlas/start", json={"initial_equity": 1000})).is_success
    for use_case, status in [("resume", "running"), ("pause", "paused"), ("stop", "stopped")]:
        first = await client.post(f"/agents/atlas/{use_case}")
        before = await _state(client)
        again = await client.post(f"/agents/atlas/{use_case}")

        assert (first.status_code, again.status_code) == (200, 200), again.text
        assert again.json()["status"] == status
        assert await _state(client) == before


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"symbol": "BTCUSDT", "action": "moon", "confidence": 0.9, "price": 1}, 422, "action"),
        ({"symbol": "BTCUSDT", "action": "buy", "confidence": 1.2, "price": 1}, 422, "confidence"),
        ({"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": 0}, 422, "price"),
        ({"symbol": "btc", "action": "buy", "confidence": 0.9, "price": 1}, 422, "symbol"),
        ({"symbol": "DOGEUSDT", "action": "buy", "confidence": 0.9, "price": 1}, 422, "trades"),
        ({"action": "buy", "confidence": 0.9, "price": 1}, 422, "symbol"),
    ],
)
async def test_a_bad_signal_is_refused_and_decides_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, needle: str
) -> None:
    assert (await client.post("/agents/atlas/start", json={"initial_equity": 1000})).is_success

    response = await client.post("/agents/atlas/signal", json=body)

    assert response.status_code == status
    assert needle in str(response.json()["detail"])
    assert (await client.get("/agents/atlas/positions")).json()["total_positions"] == 0


async def test_a_signal_to_a_paused_agent_is_409(client: httpx.AsyncClient) -> None:
    await client.post("/agents/atlas/start", json={"initial_equity": 1000})
    await client.post("/agents/atlas/pause")

    response = await client.post(
        "/agents/atlas/signal",
        json={"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": 1},
    )

    assert response.status_code == 409
    assert "paused" in response.json()["detail"]


async def test_the_openapi_document_lists_the_contract(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    for path in ("/health", "/agents/{agent}/start", "/agents/{agent}/signal",
                 "/accounts/{account_id}/agents/{agent}/positions"):  # fmt: skip
        assert path in paths


async def test_snapshots_of_an_account_never_started_are_404_and_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/accounts/nobody/snapshots")

    assert response.status_code == 404
    assert "no agent has been started on account 'nobody'" in response.json()["detail"]


async def test_snapshots_on_demand_write_the_accounts_day(client: httpx.AsyncClient) -> None:
    await client.post("/accounts/acc-9/agents/atlas/start", json={"initial_equity": 1000})

    first = (await client.post("/accounts/acc-9/snapshots")).json()
    again = (await client.post("/accounts/acc-9/snapshots")).json()

    assert first == again
    assert first["count"] == 1
    [day] = first["items"]
    assert (day["period_type"], day["closing_balance"], day["total_trades"]) == ("daily", 1000.0, 0)
