"""With TRADING_AGENTS_API_KEY set, every call that changes something needs the key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

KEY = "s3cret-key-for-tests"


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("TRADING_AGENTS_API_KEY", KEY)
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_a_change_without_the_key_is_401_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.post("/agents/atlas/start", json={"initial_equity": 100})
    wrong = await client.post(
        "/agents/atlas/start", json={"initial_equity": 100}, headers={"X-API-Key": "guess"}
    )

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert KEY not in missing.text + wrong.text
    assert (await client.get("/health")).json()["agents_running"] == 0


async def test_the_key_opens_changes_as_a_header_or_a_bearer_token(
    client: httpx.AsyncClient,
) -> None:
    header = await client.post(
        "/agents/atlas/start", json={"initial_equity": 100}, headers={"X-API-Key": KEY}
    )
    bearer = await client.post("/agents/atlas/pause", headers={"Authorization": f"Bearer {KEY}"})

    assert header.is_success
    assert bearer.json()["status"] == "paused"
    assert (await client.get("/agents/atlas/status")).is_success  # reading needs no key


def test_the_service_will_not_listen_openly_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_AGENTS_HOST", "0.0.0.0")
    monkeypatch.delenv("TRADING_AGENTS_API_KEY", raising=False)

    with pytest.raises(ValueError, match="without TRADING_AGENTS_API_KEY"):
        Settings().check_bind()
    monkeypatch.setenv("TRADING_AGENTS_ALLOW_OPEN_BIND", "true")
    Settings().check_bind()
