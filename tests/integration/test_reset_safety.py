"""A tripped kill switch is reset by a person, with a reason the audit trail keeps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.support.asgi import served
from trading_agents.journal.tables import audit_log
from trading_agents.service.desk import TradingDesk

HOUSE_ATLAS = Path(__file__).parents[2] / "src/trading_agents/config/data/agents/atlas.yaml"
BASE = "/accounts/acc-1/agents/atlas"
BUY = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": 105800}


@pytest.fixture
async def service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, TradingDesk]]:
    """Serve Atlas with a kill switch at 0.01 % of drawdown: one trade's fee trips it."""
    profiles = tmp_path / "agents"
    profiles.mkdir()
    text = HOUSE_ATLAS.read_text().replace("max_drawdown: 0.05", "max_drawdown: 0.0001")
    (profiles / "atlas.yaml").write_text(text)
    async with served(monkeypatch, TRADING_AGENTS_PROFILES_DIR=str(profiles)) as (client, desk):
        assert (await client.post(f"{BASE}/start", json={"initial_equity": 10000})).is_success
        yield client, desk


async def test_a_tripped_kill_switch_is_reset_with_a_reason_and_audited(
    service: tuple[httpx.AsyncClient, TradingDesk],
) -> None:
    client, desk = service
    await client.post(f"{BASE}/signal", json=BUY)  # the entry's fee is the drawdown
    halted = (await client.get(f"{BASE}/status")).json()
    assert halted["trading_state"] == "halted"

    answer = await client.post(
        f"{BASE}/reset", json={"what": "kill_switch", "reason": "fee-only drawdown, checked"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["trading_state"] == "active"
    async with desk.journal.journal.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log))).mappings().all()
    resets = [json.loads(row["body"]) for row in rows if row["kind"] == "risk_reset"]
    assert resets == [{"what": "kill_switch", "reason": "fee-only drawdown, checked"}]


async def test_a_safety_that_is_not_tripped_is_not_reset(
    service: tuple[httpx.AsyncClient, TradingDesk],
) -> None:
    client, _ = service

    answer = await client.post(
        f"{BASE}/reset", json={"what": "circuit_breaker", "reason": "just in case"}
    )

    assert answer.status_code == 409
    assert answer.json()["detail"] == "atlas on acc-1: the circuit breaker is not open"


@pytest.mark.parametrize(
    "body",
    [
        {"what": "kill_switch"},
        {"what": "kill_switch", "reason": "  "},
        {"what": "everything", "reason": "because"},
        {"what": "kill_switch", "reason": "line\nbreak"},
    ],
)
async def test_a_reset_without_a_readable_reason_or_target_is_refused(
    service: tuple[httpx.AsyncClient, TradingDesk], body: dict[str, str]
) -> None:
    client, _ = service

    answer = await client.post(f"{BASE}/reset", json=body)

    assert answer.status_code == 422
    assert (await client.get(f"{BASE}/status")).json()["trading_state"] == "active"
