"""`trading-agents audit verify` passes an untouched log and names the first tampered record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Executable, select, text, update

from trading_agents.config.settings import Settings
from trading_agents.journal.store import Journal
from trading_agents.journal.tables import audit_log
from trading_agents.model.signals import SignalAction
from trading_agents.service.build import build_desk

CLI = str(Path(sys.executable).parent / "trading-agents")


def _verify(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
async def audited(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a little of everything through the service so the log has each kind of record."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")
    desk = await build_desk(Settings())
    try:
        await desk.start("atlas", "acc-1", Decimal(10_000))
        await desk.signal("atlas", "acc-1", "BTCUSDT", *_buy())
        await desk.deposit("atlas", "acc-1", Decimal(500))
        await desk.pause("atlas", "acc-1")
        await desk.stop("atlas", "acc-1", keep_positions=False)
    finally:
        await desk.close()
    return database_url


def _buy() -> tuple[SignalAction, Decimal, Decimal]:
    return SignalAction.BUY, Decimal("0.85"), Decimal(105_000)


async def _execute(database_url: str, *statements: Executable) -> None:
    journal = await Journal.open(database_url)
    try:
        async with journal.engine.begin() as connection:
            for statement in statements:
                await connection.execute(statement)
    finally:
        await journal.close()


async def _records(database_url: str) -> list[dict[str, object]]:
    journal = await Journal.open(database_url)
    try:
        async with journal.engine.connect() as connection:
            found = await connection.execute(select(audit_log).order_by(audit_log.c.seq))
            return [dict(row) for row in found.mappings()]
    finally:
        await journal.close()


async def test_an_untouched_log_verifies_and_holds_every_kind_of_record(audited: str) -> None:
    result = _verify(audited)

    assert result.returncode == 0, result.stderr
    records = await _records(audited)
    assert f"audit log intact: {len(records)} records" in result.stdout
    kinds = {record["kind"] for record in records}
    assert kinds == {"lifecycle", "cash_flow", "decision"}
    opened = next(r for r in records if r["kind"] == "decision")
    body = json.loads(str(opened["body"]))
    assert body["brain"] == "rules"
    assert body["latency_ms"] > 0
    assert "approved" in json.dumps(body["record"]).lower()


async def test_one_edited_field_is_found_and_named(audited: str) -> None:
    records = await _records(audited)
    victim = next(r for r in records if '"amount":"500"' in str(r["body"]))
    forged = str(victim["body"]).replace('"500"', '"5000"')
    assert forged != victim["body"]

    await _execute(
        audited, update(audit_log).where(audit_log.c.seq == victim["seq"]).values(body=forged)
    )
    result = _verify(audited)

    assert result.returncode == 1
    assert f"audit log broken at record {victim['seq']}: its content does not match" in (
        result.stderr
    )


async def test_a_deleted_record_is_found(audited: str) -> None:
    await _execute(audited, text("DELETE FROM audit_log WHERE seq = 3"))

    result = _verify(audited)

    assert result.returncode == 1
    assert "audit log broken at record 4: record 3 is missing" in result.stderr


async def test_the_last_record_cut_off_is_found(audited: str) -> None:
    last = (await _records(audited))[-1]["seq"]
    await _execute(audited, text(f"DELETE FROM audit_log WHERE seq = {last}"))

    result = _verify(audited)

    assert result.returncode == 1
    assert f"but record {last} was written" in result.stderr


async def test_two_records_swapped_are_found(audited: str) -> None:
    await _execute(
        audited,
        text("UPDATE audit_log SET seq = -2 WHERE seq = 2"),
        text("UPDATE audit_log SET seq = 2 WHERE seq = 3"),
        text("UPDATE audit_log SET seq = 3 WHERE seq = -2"),
    )

    result = _verify(audited)

    assert result.returncode == 1
    assert "audit log broken at record 2: it does not follow" in result.stderr
