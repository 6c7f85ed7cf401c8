"""Kill the service with SIGKILL mid-run; started again, every agent is where it was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.service import Service, journal_folder, running_service

RUNNING = {"MARKET_DATA": "replay", "REPLAY_SPEED": "20"}
# A candle every 100 s: after a restart, nothing moves while the test reads.
STILL = {"MARKET_DATA": "replay", "REPLAY_SPEED": "0.01"}
ACCOUNTS = ("acc-1", "acc-2")


def _state(service: Service) -> dict[str, Any]:
    """Read everything an agent account shows, for each account."""
    state: dict[str, Any] = {"health_running": service.get("/health")["agents_running"]}
    for account in ACCOUNTS:
        base = f"/accounts/{account}/agents/atlas"
        state[account] = {
            part: service.get(f"{base}/{part}")
            for part in ("status", "positions", "metrics", "orders", "trades", "equity")
        }
        state[account]["decisions"] = service.get(f"{base}/decisions?limit=1000")
    return state


def _ids(answer: dict[str, Any], key: str) -> list[Any]:
    return [item[key] for item in answer["items"]]


def test_after_a_sigkill_every_agent_is_back_with_its_positions_and_equity() -> None:
    with journal_folder() as journal:
        with running_service({**RUNNING, **journal}) as service:
            for account in ACCOUNTS:
                service.post(f"/accounts/{account}/agents/atlas/start", {"initial_equity": 10000})
            price = service.get("/accounts/acc-1/agents/atlas/positions")
            decision = service.post(
                "/accounts/acc-1/agents/atlas/signal",
                {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800},
            )
            assert decision["action"] == "open", (decision, price)
            service.wait_for(
                "/accounts/acc-1/agents/atlas/positions", lambda p: p["total_positions"] == 1
            )
            service.post("/accounts/acc-2/agents/atlas/deposit", {"amount": 2500})
            service.post("/accounts/acc-2/agents/atlas/pause")
            before = _state(service)
            service.kill()  # in the middle of the run: candles keep coming every 50 ms

        with running_service({**STILL, **journal}) as service:
            after = _state(service)
            service.kill()  # now with nothing moving: the state must come back exactly

        with running_service({**STILL, **journal}) as service:
            again = _state(service)

    # What was stored before the first kill is all there, and time only moved on.
    assert after["health_running"] == before["health_running"] == 1
    for account in ACCOUNTS:
        was, now = before[account], after[account]
        assert now["status"]["status"] == was["status"]["status"]
        for part, key in (("orders", "client_order_id"), ("decisions", "sequence")):
            assert _ids(now[part], key)[: len(_ids(was[part], key))] == _ids(was[part], key)
        assert now["metrics"]["total_trades"] >= was["metrics"]["total_trades"]
    assert after["acc-2"]["status"]["status"] == "paused"
    assert after["acc-2"]["metrics"]["equity"] == 12500.0  # paused, flat: deposit and all
    assert after["acc-1"]["status"]["initial_equity"] == 10000.0
    opened = before["acc-1"]["positions"]["positions"][0]
    if after["acc-1"]["metrics"]["total_trades"] == 0:  # the stop was not hit meanwhile
        held = after["acc-1"]["positions"]["positions"][0]
        assert {k: held[k] for k in ("symbol", "side", "quantity", "entry_price")} == {
            k: opened[k] for k in ("symbol", "side", "quantity", "entry_price")
        }

    # Killed with nothing moving, it comes back exactly: positions, equity, books, history.
    assert again == after
    metrics = again["acc-1"]["metrics"]
    profit, loss = Decimal(str(metrics["total_profit"])), Decimal(str(metrics["total_loss"]))
    assert profit - loss == Decimal(str(metrics["net_profit"]))
