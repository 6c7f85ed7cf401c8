"""One position closed at a person's request: through the risk engine, as the agent's decision."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.asgi import served

BASE = "/accounts/acc-1/agents/atlas"
BUY = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": 105800}


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    async with served(monkeypatch) as (client, _):
        assert (await client.post(f"{BASE}/start", json={"initial_equity": 10000})).is_success
        assert (await client.post(f"{BASE}/signal", json=BUY)).json()["action"] == "open"
        yield client


async def test_a_position_is_closed_at_market_and_the_agent_says_who_asked(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(f"{BASE}/positions/BTCUSDT/close")

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "running"
    assert (await client.get(f"{BASE}/positions")).json()["total_positions"] == 0
    last = (await client.get(f"{BASE}/decisions")).json()["items"][-1]
    assert (last["action"], last["reasoning"]) == ("close", "a person asked to close this position")
    assert (await client.get(f"{BASE}/metrics")).json()["total_trades"] == 1
    (trip,) = (await client.get(f"{BASE}/trades")).json()["items"]
    assert trip["exit_reason"] == "manual"


async def test_a_symbol_not_held_is_409_and_a_malformed_one_422(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.post(f"{BASE}/positions/ETHUSDT/close")
    malformed = await client.post(f"{BASE}/positions/btc%20usdt/close")

    assert missing.status_code == 409
    assert missing.json()["detail"] == "atlas on account 'acc-1' holds no ETHUSDT position"
    assert malformed.status_code == 422
    assert (await client.get(f"{BASE}/positions")).json()["total_positions"] == 1


async def test_a_stopped_agents_kept_position_waits_for_its_next_start(
    client: httpx.AsyncClient,
) -> None:
    await client.post(f"{BASE}/stop", json={"keep_positions": True})

    answer = await client.post(f"{BASE}/positions/BTCUSDT/close")

    assert answer.status_code == 409
    assert "start it again" in answer.json()["detail"]
