"""An agent's deposits and withdrawals on an account, read back from the journal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.asgi import served

BASE = "/accounts/acc-1/agents/atlas"


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    async with served(monkeypatch) as (client, _):
        yield client


async def test_the_start_deposits_and_withdrawals_are_listed_across_a_stop_and_a_start(
    client: httpx.AsyncClient,
) -> None:
    await client.post(f"{BASE}/start", json={"initial_equity": 10000})
    await client.post(f"{BASE}/deposit", json={"amount": 2500})
    await client.post(f"{BASE}/withdraw", json={"amount": 1000})
    await client.post(f"{BASE}/stop")
    await client.post(f"{BASE}/start", json={"initial_equity": 11500})

    flows = (await client.get(f"{BASE}/cash-flows")).json()

    assert [(f["kind"], f["amount"]) for f in flows[:3]] == [
        ("deposit", 10000),
        ("deposit", 2500),
        ("withdrawal", 1000),
    ]
    assert len({f["flow_id"] for f in flows}) == len(flows)


async def test_an_agent_never_started_on_the_account_has_no_list(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/accounts/nobody/agents/atlas/cash-flows")

    assert answer.status_code == 404
