"""Idempotency-Key: a retried start, deposit or signal gets its first answer, restarts too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

ATLAS = "/accounts/acc-1/agents/atlas"


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRADING_AGENTS_SPOOL_DIR", str(tmp_path / "spool"))


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _once(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_retried_deposit_is_answered_again_not_done_again_across_a_restart(
    service_env: None,
) -> None:
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), _client(app) as client:
        start = {"initial_equity": 1000}
        first_start = await client.post(f"{ATLAS}/start", json=start, headers=_once("s-1"))
        retried_start = await client.post(f"{ATLAS}/start", json=start, headers=_once("s-1"))
        deposit = await client.post(f"{ATLAS}/deposit", json={"amount": 250}, headers=_once("d-1"))
        retried = await client.post(f"{ATLAS}/deposit", json={"amount": 250}, headers=_once("d-1"))

    assert first_start.status_code == retried_start.status_code == 200
    assert retried_start.headers["idempotent-replayed"] == "true"
    assert retried.content == deposit.content
    assert retried.headers["idempotent-replayed"] == "true"

    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), _client(app) as client:
        after_restart = await client.post(
            f"{ATLAS}/deposit", json={"amount": 250}, headers=_once("d-1")
        )
        equity = (await client.get(f"{ATLAS}/status")).json()["equity"]

    assert after_restart.content == deposit.content
    assert equity == 1250  # one deposit, however often it was sent


async def test_a_key_used_for_another_request_is_refused_and_changes_nothing(
    service_env: None,
) -> None:
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app), _client(app) as client:
        await client.post(f"{ATLAS}/start", json={"initial_equity": 1000})
        first = await client.post(f"{ATLAS}/deposit", json={"amount": 5}, headers=_once("k"))
        other = await client.post(f"{ATLAS}/deposit", json={"amount": 7}, headers=_once("k"))
        bad = await client.post(f"{ATLAS}/deposit", json={"amount": 7}, headers=_once("a b"))
        equity = (await client.get(f"{ATLAS}/status")).json()["equity"]

    assert first.status_code == 200
    assert other.status_code == 409
    assert "another request" in other.json()["detail"]
    assert bad.status_code == 422
    assert equity == 1005
