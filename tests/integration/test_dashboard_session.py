"""With an API key set, the dashboard signs in once: a cookie session, and CSRF on changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.asgi import served

KEY = "k-0123456789abcdef"
BASE = "/accounts/acc-1/agents/atlas"


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    async with served(monkeypatch, TRADING_AGENTS_API_KEY=KEY) as (client, _):
        started = await client.post(
            f"{BASE}/start", json={"initial_equity": 10000}, headers={"X-API-Key": KEY}
        )
        assert started.is_success
        yield client


async def test_a_page_signs_in_once_and_acts_with_its_csrf_token(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/session")).json() == {
        "key_required": True,
        "signed_in": False,
        "csrf_token": None,
    }
    assert (await client.get("/desk")).status_code == 401

    signed = await client.post("/session/sign-in", json={"api_key": KEY})

    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    csrf = signed.json()["csrf_token"]
    assert (await client.get("/desk")).status_code == 200
    paused = await client.post(f"{BASE}/pause", headers={"X-CSRF-Token": csrf})
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"


async def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/session/sign-in", json={"api_key": KEY})

    forged = await client.post(f"{BASE}/pause")  # the cookie alone, as another site's form
    wrong = await client.post(f"{BASE}/pause", headers={"X-CSRF-Token": "guess"})

    assert (forged.status_code, wrong.status_code) == (403, 403)
    assert (await client.get(f"{BASE}/status")).json()["status"] == "running"


async def test_a_wrong_key_opens_no_session_and_signing_out_ends_it(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/session/sign-in", json={"api_key": "nope"})).status_code == 401
    assert (await client.get("/desk")).status_code == 401

    await client.post("/session/sign-in", json={"api_key": KEY})
    await client.post("/session/sign-out")

    assert (await client.get("/desk")).status_code == 401
    assert (await client.get("/session")).json()["signed_in"] is False
