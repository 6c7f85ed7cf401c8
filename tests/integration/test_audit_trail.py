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

from tests.support.audit_keys import service_audit_key
from trading_agents.config.settings import Settings
from trading_agents.journal import audit
from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.store import Journal
from trading_agents.journal.tables import audit_head, audit_log
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
    return SignalAction.BUY, Decimal("0.85"), Decimal(105_800)


async def _execute(database_url: str, *statements: Executable) -> None:
    journal = await Journal.open(database_url, service_audit_key())
    try:
        async with journal.engine.begin() as connection:
            for statement in statements:
                await connection.execute(statement)
    finally:
        await journal.close()


async def _records(database_url: str) -> list[dict[str, object]]:
    journal = await Journal.open(database_url, service_audit_key())
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


def _verify_with(database_url: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "AUDIT_KEY": key}
    return subprocess.run(
        [CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )


async def _rechain(database_url: str, seq: int, key: bytes | None) -> None:
    """Edit record `seq`, then chain it and every later record again, head included, as a
    forger with database access would; `key` is the forger's (None: plain SHA-256)."""
    records = await _records(database_url)
    statements: list[Executable] = []
    prev = next(r for r in records if r["seq"] == seq - 1)["hash"] if seq > 1 else audit.GENESIS
    for record in records:
        if int(str(record["seq"])) < seq:
            continue
        row = dict(record)
        if row["seq"] == seq:
            row["body"] = str(row["body"]).replace('"500"', '"5000"')
        row["prev_hash"] = prev
        row["hash"] = prev = audit.record_hash(row, key)
        statements.append(
            update(audit_log)
            .where(audit_log.c.seq == row["seq"])
            .values(body=row["body"], prev_hash=row["prev_hash"], hash=row["hash"])
        )
    statements.append(update(audit_head).where(audit_head.c.name == audit.HEAD).values(hash=prev))
    await _execute(database_url, *statements)


@pytest.mark.parametrize("forger_key", [None, b"a-key-that-is-not-the-services"])
async def test_an_edit_chained_again_without_the_key_is_found(
    audited: str, forger_key: bytes | None
) -> None:
    victim = next(r for r in await _records(audited) if '"amount":"500"' in str(r["body"]))
    await _rechain(audited, int(str(victim["seq"])), forger_key)

    result = _verify(audited)

    assert result.returncode == 1
    assert f"audit log broken at record {victim['seq']}" in result.stderr


async def test_verify_needs_the_key_the_log_was_written_with(audited: str) -> None:
    result = _verify_with(audited, "another-key-of-enough-length")

    assert result.returncode == 2  # a usage error, as a bad DATABASE_URL is
    assert "the audit key is not the one this journal was written with" in result.stderr


async def test_a_log_wiped_of_its_records_and_head_is_found(audited: str) -> None:
    await _execute(
        audited,
        text("DELETE FROM audit_log"),
        audit_head.delete().where(audit_head.c.name.in_([audit.HEAD, audit.HEAD_MAC])),
    )

    result = _verify(audited)

    assert result.returncode == 1
    assert "head's HMAC is missing" in result.stderr


async def test_a_log_written_before_keys_is_migrated_and_then_guarded(database_url: str) -> None:
    legacy = [
        AuditEntry(n, "lifecycle", "atlas", "acc-1", {"use_case": "start", "n": n}, f"e{n}")
        for n in range(1, 4)
    ]
    rows, prev = [], audit.GENESIS
    for seq, entry in enumerate(legacy, start=1):  # as the version before keys chained them
        row = {
            "entry_id": entry.entry_id, "seq": seq, "ts_ms": entry.ts_ms, "kind": entry.kind,
            "agent": entry.agent, "account_id": entry.account_id,
            "body": audit.canonical(entry.body), "prev_hash": prev,
        }  # fmt: skip
        row["hash"] = prev = audit.record_hash(row, None)
        rows.append(row)
    journal = await Journal.open(database_url, service_audit_key())  # brings the schema
    await journal.close()
    await _execute(
        database_url,
        audit_head.delete(),  # as before keys: no keyed mark, no head HMAC
        audit_log.insert().values(rows),
        audit_head.insert().values(name=audit.HEAD, seq=3, hash=prev),
    )

    journal = await Journal.open(database_url, service_audit_key())  # the migration: keyed
    await journal.close()
    intact = _verify(database_url)
    await _execute(
        database_url,
        update(audit_log).where(audit_log.c.seq == 3).values(body='{"n":3,"use_case":"stop"}'),
    )
    forged = dict((await _records(database_url))[2])
    forged_hash = audit.record_hash(forged, None)
    await _execute(
        database_url,
        update(audit_log).where(audit_log.c.seq == 3).values(hash=forged_hash),
        update(audit_head).where(audit_head.c.name == audit.HEAD).values(hash=forged_hash),
    )
    broken = _verify(database_url)

    assert intact.returncode == 0, intact.stderr
    assert "audit log intact: 3 records" in intact.stdout
    assert broken.returncode == 1
    assert "the head does not verify under this key" in broken.stderr
