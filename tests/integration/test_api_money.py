"""Deposits and withdrawals move equity through the ledger, and are neither gains nor losses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("MARKET_DATA", "replay")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (
                await client.post(
                    "/accounts/acc-1/agents/atlas/start", json={"initial_equity": 1000}
                )
            ).is_success
            yield client


async def test_a_deposit_and_a_withdrawal_move_equity_but_not_profit(
    client: httpx.AsyncClient,
) -> None:
    deposited = await client.post("/accounts/acc-1/agents/atlas/deposit", json={"amount": 500})
    withdrawn = await client.post("/accounts/acc-1/agents/atlas/withdraw", json={"amount": 200})

    assert deposited.json()["equity"] == 1500.0
    assert withdrawn.json()["equity"] == 1300.0
    metrics = (await client.get("/accounts/acc-1/agents/atlas/metrics")).json()
    assert (metrics["net_profit"], metrics["current_drawdown"]) == (0.0, 0.0)
    assert metrics["equity"] == 1300.0


async def test_a_withdrawal_beyond_the_free_money_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/accounts/acc-1/agents/atlas/withdraw", json={"amount": 1000.01})

    assert response.status_code == 422
    assert "exceeds" in response.json()["detail"]
    assert (await client.get("/accounts/acc-1/agents/atlas/status")).json()["equity"] == 1000.0


@pytest.mark.parametrize("amount", [0, -1, "much", 1e12, "0.000000001"])
async def test_a_bad_amount_is_422_and_moves_nothing(
    client: httpx.AsyncClient, amount: object
) -> None:
    for move in ("deposit", "withdraw"):
        response = await client.post(
            f"/accounts/acc-1/agents/atlas/{move}", json={"amount": amount}
        )
        assert response.status_code == 422
        assert "amount" in str(response.json()["detail"])
    assert (await client.get("/accounts/acc-1/agents/atlas/status")).json()["equity"] == 1000.0


async def test_money_for_an_unknown_account_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/accounts/acc-2/agents/atlas/deposit", json={"amount": 5})

    assert response.status_code == 404


async def test_the_read_endpoints_answer_empty_lists_before_any_trade(
    client: httpx.AsyncClient,
) -> None:
    for path in ("orders", "trades", "equity", "decisions"):
        answer = (await client.get(f"/accounts/acc-1/agents/atlas/{path}")).json()
        assert (answer["account_id"], answer["count"]) == ("acc-1", len(answer["items"]))
    bad = await client.get("/accounts/acc-1/agents/atlas/trades", params={"limit": 0})
    assert bad.status_code == 422
