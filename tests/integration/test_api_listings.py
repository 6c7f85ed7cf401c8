"""The platform's daily sync finds every account and agent type through two listings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.asgi import served


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    async with served(monkeypatch) as (client, _desk):
        yield client


async def _ok(call: Any) -> Any:
    answer = await call
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _open(client: httpx.AsyncClient, account: str, agent: str, equity: int) -> None:
    path = f"/accounts/{account}/agents/{agent}/start"
    await _ok(client.post(path, json={"initial_equity": equity}))


async def test_accounts_list_each_account_with_its_agents_a_page_at_a_time(
    client: httpx.AsyncClient,
) -> None:
    await _open(client, "acc-2", "atlas", 2000)
    await _open(client, "acc-1", "atlas", 1000)
    await _open(client, "acc-1", "nova", 500)
    await _open(client, "acc-3", "orion", 3000)
    await _ok(client.post("/accounts/acc-3/agents/orion/stop", json={}))

    first = await _ok(client.get("/accounts", params={"limit": 2}))
    second = await _ok(client.get("/accounts", params={"limit": 2, "after": first["next_after"]}))

    assert (first["total"], first["count"], first["next_after"]) == (3, 2, "acc-2")
    assert (second["count"], second["next_after"]) == (1, None)
    acc_1, acc_2 = first["items"]
    assert acc_1["account_id"] == "acc-1"
    assert [(a["agent"], a["status"], a["equity"]) for a in acc_1["agents"]] == [
        ("atlas", "running", 1000.0),
        ("nova", "running", 500.0),
    ]
    assert (acc_1["equity"], acc_1["pnl_today"]) == (1500.0, 0.0)
    assert (acc_2["account_id"], acc_2["equity"]) == ("acc-2", 2000.0)
    (acc_3,) = second["items"]
    # A stopped agent stays listed, its history readable, but its money went back.
    assert [(a["agent"], a["status"]) for a in acc_3["agents"]] == [("orion", "stopped")]
    assert acc_3["equity"] == 0.0


async def test_agents_list_every_type_with_the_accounts_it_serves(
    client: httpx.AsyncClient,
) -> None:
    await _open(client, "acc-1", "atlas", 1000)
    await _open(client, "acc-2", "atlas", 2000)
    await _open(client, "acc-3", "nova", 500)
    await _ok(client.post("/accounts/acc-2/agents/atlas/pause", json={}))
    await _ok(client.post("/accounts/acc-3/agents/nova/stop", json={}))

    listed = await _ok(client.get("/agents"))

    by_name = {item["agent"]: item for item in listed["items"]}
    assert sorted(by_name) == ["atlas", "nova", "orion"]
    atlas, nova, orion = by_name["atlas"], by_name["nova"], by_name["orion"]
    assert (atlas["accounts_running"], atlas["accounts_paused"], atlas["equity"]) == (1, 1, 3000.0)
    assert (nova["accounts_stopped"], nova["equity"]) == (1, 0.0)
    assert (orion["accounts_running"], orion["equity"]) == (0, 0.0)
    assert atlas["style"]


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 501}, {"limit": "many"}, {"after": "not an id!"}],
)
async def test_a_bad_page_is_refused_with_a_message(
    client: httpx.AsyncClient, query: dict[str, object]
) -> None:
    answer = await client.get("/accounts", params=query)

    assert answer.status_code == 422
    assert answer.json()["detail"]


async def test_the_listings_need_the_key_when_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "k-0123456789abcdef"
    async with served(monkeypatch, TRADING_AGENTS_API_KEY=key) as (client, _):
        refused = [(await client.get(path)).status_code for path in ("/accounts", "/agents")]
        given = [
            (await client.get(path, headers={"X-API-Key": key})).status_code
            for path in ("/accounts", "/agents")
        ]

    assert refused == [401, 401]
    assert given == [200, 200]
