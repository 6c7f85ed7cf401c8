"""A captured signal sent again is not acted on again, whatever its format and across a restart.

The seed's webhook format signs the body alone (no `X-ML-Timestamp`) and its signal carries
no id: such a body is the same signal each time it arrives, known by its content.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_ml_engine import signed
from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

SECRET = "webhook-secret-for-tests"
ATLAS = "/accounts/acc-1/agents/atlas"
# The seed's sample: the signal as the ML engine sends it, no id and no time of its own.
SEED_SIGNAL = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800.0}


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRADING_AGENTS_SPOOL_DIR", str(tmp_path / "spool"))


def _app() -> Any:
    return create_app(Settings(), build_desk)


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def _decisions(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await client.get(f"{ATLAS}/decisions")).json()["items"])


async def _settled(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Wait for the inbox to decide on what it took, then return the decisions."""
    await asyncio.sleep(0.3)
    deadline = time.monotonic() + 10
    while not (found := await _decisions(client)):
        assert time.monotonic() < deadline, "no decision came"
        await asyncio.sleep(0.05)
    return found


async def test_a_replayed_seed_format_webhook_is_acted_on_once_even_after_a_restart(
    service_env: None,
) -> None:
    body, headers = signed(SECRET, {"account_id": "acc-1", "signal": SEED_SIGNAL})
    assert "X-ML-Timestamp" not in headers

    app = _app()
    async with app.router.lifespan_context(app), _client(app) as client:
        assert (await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})).is_success
        answers = [
            await client.post("/webhooks/ml-signals", content=body, headers=headers)
            for _ in range(3)
        ]
        decided = await _settled(client)
        positions = (await client.get(f"{ATLAS}/positions")).json()["total_positions"]

    assert [a.json()["status"] for a in answers] == ["accepted", "duplicate", "duplicate"]
    assert len(decided) == 1
    assert positions == 1

    app = _app()
    async with app.router.lifespan_context(app), _client(app) as client:
        again = await client.post("/webhooks/ml-signals", content=body, headers=headers)
        await asyncio.sleep(0.3)
        assert again.json()["status"] == "duplicate"
        assert len(await _decisions(client)) == 1


async def test_the_same_api_signal_without_an_id_decides_once(service_env: None) -> None:
    app = _app()
    async with app.router.lifespan_context(app), _client(app) as client:
        assert (await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})).is_success
        first = await client.post(f"{ATLAS}/signal", json=SEED_SIGNAL)
        again = await client.post(f"{ATLAS}/signal", json=SEED_SIGNAL)

        assert first.status_code == 200, first.text
        assert again.status_code == 409
        assert "taken already" in again.json()["detail"]
        assert len(await _decisions(client)) == 1


async def test_a_replay_spelling_its_numbers_otherwise_is_the_same_signal(
    service_env: None,
) -> None:
    app = _app()
    async with app.router.lifespan_context(app), _client(app) as client:
        assert (await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})).is_success
        first = await client.post(
            f"{ATLAS}/signal",
            content='{"symbol":"BTCUSDT","action":"buy","confidence":0.85,"price":105800}',
            headers={"content-type": "application/json"},
        )
        respelled = await client.post(
            f"{ATLAS}/signal",
            content='{"price":105800.0,"confidence":0.850,"action":"buy","symbol":"BTCUSDT"}',
            headers={"content-type": "application/json"},
        )

    assert first.status_code == 200, first.text
    assert respelled.status_code == 409
