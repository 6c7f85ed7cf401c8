"""A signal's order fills at the latest price before the call returns; a stop closes at once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

BASE = "/accounts/acc-1/agents/atlas"


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")  # no candle comes while the test runs
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.post(f"{BASE}/start", json={"initial_equity": 10000})).is_success
            yield client


async def test_a_signal_is_filled_and_protected_when_the_call_returns(
    client: httpx.AsyncClient,
) -> None:
    signal = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}

    decision = (await client.post(f"{BASE}/signal", json=signal)).json()

    assert decision["action"] == "open"
    positions = (await client.get(f"{BASE}/positions")).json()
    assert positions["total_positions"] == 1
    held = positions["positions"][0]
    orders = {o["order_type"]: o for o in (await client.get(f"{BASE}/orders")).json()["items"]}
    # The entry is a marketable limit, immediate-or-cancel, capped beyond the market.
    assert (orders["limit"]["status"], orders["limit"]["time_in_force"]) == ("filled", "ioc")
    assert orders["stop_market"]["status"] == orders["take_profit_market"]["status"] == "accepted"
    # At the last close, one tick of slippage at most: not at a later candle's price.
    assert abs(held["entry_price"] - held["mark_price"]) <= 0.2


async def test_a_buy_signal_priced_45000_near_a_105000_market_is_denied_and_orders_nothing(
    client: httpx.AsyncClient,
) -> None:
    signal = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 45000}

    decision = (await client.post(f"{BASE}/signal", json=signal)).json()

    (check,) = decision["checks"]
    assert (check["role"], check["verdict"], check["code"]) == (
        "entry",
        "denied",
        "signal_price_off_market",
    )
    assert check["reason"].startswith("the signal's price 45000 is ")
    assert decision["orders"] == []
    assert (await client.get(f"{BASE}/orders")).json()["items"] == []
    assert (await client.get(f"{BASE}/positions")).json()["total_positions"] == 0


async def test_a_stop_closes_the_position_before_it_returns(client: httpx.AsyncClient) -> None:
    signal = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}
    await client.post(f"{BASE}/signal", json=signal)

    stopped = (await client.post(f"{BASE}/stop")).json()

    assert stopped["status"] == "stopped"
    assert (await client.get(f"{BASE}/positions")).json()["total_positions"] == 0
    orders = (await client.get(f"{BASE}/orders")).json()["items"]
    # The position closes first (its exits stand until it is flat), so they expire with it.
    assert [o["status"] for o in orders if o["reduce_only"]] == ["expired", "expired", "filled"]
    assert (await client.get(f"{BASE}/metrics")).json()["total_trades"] == 1
    # Closed at market by the stop command's forced decision: neither its stop nor its target.
    (trip,) = (await client.get(f"{BASE}/trades")).json()["items"]
    assert trip["exit_reason"] == "stop_command"


async def test_a_realized_loss_shows_in_the_drawdown_at_once_and_the_kill_switch_reads_it_too(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get(f"{BASE}/metrics")).json()
    signal = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}
    await client.post(f"{BASE}/signal", json=signal)
    await client.post(f"{BASE}/stop")  # closes at the same price: the fees are the loss

    after = (await client.get(f"{BASE}/metrics")).json()
    equity = (await client.get(f"{BASE}/equity")).json()

    assert equity["count"] == 0  # no equity mark came in between: no candle arrived
    assert before["current_drawdown"] == before["max_drawdown"] == 0
    assert after["net_profit"] < 0
    loss = -after["net_profit"]
    assert after["current_drawdown"] == pytest.approx(loss / 10000)
    assert after["max_drawdown"] == after["current_drawdown"]
    assert after["drawdown_limit"] == 0.05  # Atlas's kill switch, which watches the same figure
    assert (after["sharpe"], after["sortino"]) == (None, None)  # no day of returns yet
