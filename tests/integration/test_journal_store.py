"""The journal's store: a batch lands whole or not at all, twice is once, money stays exact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.support.audit_keys import service_audit_key
from trading_agents.core.errors import ConfigurationError
from trading_agents.journal.store import Journal, JournalBatch
from trading_agents.journal.tables import cash_flows, decisions, fills


def _session_row(**changes: Any) -> dict[str, Any]:
    row = {
        "agent": "atlas",
        "account_id": "acc-1",
        "status": "running",
        "symbols": "BTCUSDT",
        "initial_equity": Decimal("1000"),
        "started_ms": 1,
        "updated_ms": 1,
        "profile": "{}",
        "snapshot": "{}",
    }
    return {**row, **changes}


def _fill(session_id: int, trade_id: str, price: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "trade_id": trade_id,
        "client_order_id": "ta-1",
        "symbol": "BTCUSDT",
        "side": "buy",
        "quantity": Decimal("0.012"),
        "price": Decimal(price),
        "fee": Decimal("0.62863620"),
        "realized_pnl": Decimal("0"),
        "is_liquidation": False,
        "ts_ms": 2,
    }


def _order(session_id: int, status: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "client_order_id": "ta-1",
        "venue_order_id": "1",
        "symbol": "BTCUSDT",
        "status": status,
        "updated_ms": 2,
        "body": f'"{status}"',
    }


def _decision(session_id: int, sequence: int, body: str | None) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "sequence": sequence,
        "ts_ms": sequence,
        "symbol": "BTCUSDT",
        "action": "hold",
        "trigger": "candle",
        "body": body,
    }


@pytest.fixture
async def journal(database_url: str) -> Any:
    opened = await Journal.open(database_url, service_audit_key())
    yield opened
    await opened.close()


def _deposit(amount: str = "1000", flow_id: str = "start") -> Any:
    def batch(session_id: int) -> JournalBatch:
        row = {"session_id": session_id, "flow_id": flow_id, "kind": "deposit"}
        return JournalBatch(cash_flows=[{**row, "amount": Decimal(amount), "ts_ms": 1}])

    return batch


async def _count(journal: Journal, table: Any) -> int:
    async with journal.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_batch_written_twice_stores_each_fill_once_and_the_latest_order(
    journal: Journal,
) -> None:
    sid = await journal.start_session(_session_row(), _deposit())
    await journal.save(
        JournalBatch(orders=[_order(sid, "accepted")], fills=[_fill(sid, "t-1", "104772.7")])
    )

    await journal.save(
        JournalBatch(orders=[_order(sid, "filled")], fills=[_fill(sid, "t-1", "104772.7")])
    )

    stored = await journal.load(keep_decisions=10)
    assert await _count(journal, fills) == 1
    assert [o["status"] for o in stored.sessions[0].orders] == ["filled"]


async def test_a_failing_batch_writes_nothing(journal: Journal) -> None:
    sid = await journal.start_session(_session_row(), _deposit())
    broken = {
        "session_id": sid,
        "sequence": 1,
        "ts_ms": 1,
        "symbol": "BTCUSDT",
        "action": "hold",
        "trigger": "signal",
        "body": None,
    }

    flows = _deposit("5", "f-2")(sid).cash_flows

    with pytest.raises(IntegrityError):
        await journal.save(JournalBatch(
            cursor=(60_000, "replay"), fills=[_fill(sid, "t-1", "1")], cash_flows=flows,
            decisions=[broken],
        ))  # fmt: skip

    stored = await journal.load(keep_decisions=10)
    assert stored.last_close_ms is None
    assert (await _count(journal, fills), await _count(journal, decisions)) == (0, 0)
    assert await _count(journal, cash_flows) == 1  # the first deposit only


async def test_money_is_stored_exactly_and_floats_are_refused(journal: Journal) -> None:
    exact = "0.123456789012345678901234567"
    sid = await journal.start_session(_session_row(initial_equity=Decimal(exact)), _deposit(exact))

    stored = await journal.load(keep_decisions=10)
    assert stored.sessions[0].row["initial_equity"] == Decimal(exact)
    with pytest.raises(Exception, match="must be a Decimal"):
        await journal.save(JournalBatch(fills=[{**_fill(sid, "t-2", "1"), "price": 104772.7}]))


async def test_load_returns_each_accounts_latest_session_and_its_recent_decisions(
    journal: Journal,
) -> None:
    deposit = _deposit()
    old = await journal.start_session(_session_row(status="stopped"), deposit)
    new = await journal.start_session(_session_row(), deposit)
    other = await journal.start_session(_session_row(account_id="acc-2"), deposit)
    await journal.save(JournalBatch(decisions=[_decision(new, n, str(n)) for n in range(1, 6)]))

    stored = await journal.load(keep_decisions=3)

    assert [s.row["id"] for s in stored.sessions] == [new, other] != [old]
    assert [d["sequence"] for d in stored.sessions[0].decisions] == [3, 4, 5]


async def test_a_url_without_an_installed_driver_is_a_clear_configuration_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError, match="async driver"):
        await Journal.open("mysql+aiomysql://user:secret@localhost/db", service_audit_key())
    with pytest.raises(ConfigurationError, match="not a database URL"):
        await Journal.open("not a url", service_audit_key())
