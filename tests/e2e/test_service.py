"""The service end to end, as the platform's backend drives it: a real process on loopback."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.service import Service, running_service


@pytest.fixture(scope="module")
def service() -> Any:
    with running_service() as running:
        yield running


def _current_price(service: Service, agent: str, symbol: str) -> float:
    positions = service.get(f"/agents/{agent}/positions")
    marks = [p["mark_price"] for p in positions["positions"] if p["symbol"] == symbol]
    return marks[0] if marks else 105_000.0


def test_the_platforms_scenario_start_signal_position_pause_resume_stop(service: Service) -> None:
    health = service.get("/health")
    assert health["status"] == "ok"
    assert "replay of BTCUSDT, ETHUSDT" in health["market_data"]
    before = health["agents_running"]

    started = service.post("/agents/atlas/start", {"agent_name": "atlas", "initial_equity": 10000})
    assert started["status"] == "running"
    assert service.get("/agents/atlas/status")["status"] == "running"
    assert service.get("/health")["agents_running"] == before + 1

    decision = service.post(
        "/agents/atlas/signal",
        {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85,
         "price": _current_price(service, "atlas", "BTCUSDT")},
    )  # fmt: skip
    assert decision["action"] == "open", decision
    assert decision["checks"][0]["verdict"] == "approved"
    positions = service.wait_for("/agents/atlas/positions", lambda p: p["total_positions"] > 0)
    assert positions["positions"][0]["side"] == "long"

    assert service.post("/agents/atlas/pause")["status"] == "paused"
    assert service.get("/health")["agents_running"] == before
    assert service.get("/agents/atlas/positions")["total_positions"] == 1  # stops stay in force
    assert service.post("/agents/atlas/resume")["status"] == "running"

    assert service.post("/agents/atlas/stop")["status"] == "stopped"
    service.wait_for("/agents/atlas/positions", lambda p: p["total_positions"] == 0)
    metrics = service.get("/agents/atlas/metrics")
    assert metrics["total_trades"] == 1
    profit, loss = Decimal(str(metrics["total_profit"])), Decimal(str(metrics["total_loss"]))
    realized = Decimal(str(metrics["realized_pnl"]))
    fees, funding = Decimal(str(metrics["fees"])), Decimal(str(metrics["funding"]))
    assert profit - loss == Decimal(str(metrics["net_profit"])) == realized - fees + funding
    assert service.get("/health")["agents_running"] == before

    trades = service.get("/agents/atlas/trades")
    assert trades["count"] == 1
    assert trades["items"][0]["side"] == "long"
    orders = service.get("/agents/atlas/orders")["items"]
    assert {o["client_order_id"] for o in orders} >= {decision["orders"][0]["client_order_id"]}
    decisions = service.get("/agents/atlas/decisions")["items"]
    assert any(d["trigger"] == "signal" and "confidence 0.85" in d["reasoning"] for d in decisions)
    assert any("stopped" in d["reasoning"] for d in decisions)


def test_two_accounts_on_atlas_keep_their_ledgers_apart(service: Service) -> None:
    for account in ("acc-a", "acc-b"):
        service.post(f"/accounts/{account}/agents/atlas/start", {"initial_equity": 5000})

    service.post(
        "/accounts/acc-a/agents/atlas/signal",
        {"symbol": "ETHUSDT", "action": "sell", "confidence": 0.9, "price": 2600},
    )
    service.wait_for("/accounts/acc-a/agents/atlas/positions", lambda p: p["total_positions"] > 0)

    assert service.get("/accounts/acc-b/agents/atlas/positions")["total_positions"] == 0
    a = service.get("/accounts/acc-a/agents/atlas/status")
    b = service.get("/accounts/acc-b/agents/atlas/status")
    assert (a["account_id"], b["account_id"]) == ("acc-a", "acc-b")
    assert b["equity"] == 5000.0
    assert service.get("/agents/atlas/status")["account_id"] == "default"
