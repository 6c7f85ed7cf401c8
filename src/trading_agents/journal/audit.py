"""The audit trail: records chained by hash, so that an edit, a deletion or a reorder shows."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from trading_agents.journal.tables import audit_head, audit_log

GENESIS = "0" * 64  # the hash before the first record


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What one audit record says, before it is numbered and chained."""

    ts_ms: int
    kind: str  # decision, cash_flow, lifecycle, intent
    agent: str
    account_id: str
    body: Mapping[str, Any]  # JSON-ready
    # Made once, kept through a spool: a batch written twice appends its records once.
    entry_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """The first record that does not fit the chain, and why."""

    seq: int
    reason: str


def canonical(body: Mapping[str, Any]) -> str:
    """Return the one JSON text of a body: sorted keys, no spaces."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(row: Mapping[str, Any]) -> str:
    """Return the hash of a stored record: every column but the hash, the previous one included."""
    fields = {
        name: row[name]
        for name in ("seq", "entry_id", "ts_ms", "kind", "agent", "account_id", "prev_hash")
    }
    text = canonical(fields) + "\n" + str(row["body"])
    return hashlib.sha256(text.encode()).hexdigest()


def chain(entries: Sequence[AuditEntry], last_seq: int, last_hash: str) -> list[dict[str, Any]]:
    """Number and chain entries after the record (last_seq, last_hash); return their rows."""
    rows: list[dict[str, Any]] = []
    seq, prev = last_seq, last_hash
    for entry in entries:
        seq += 1
        row: dict[str, Any] = {
            "entry_id": entry.entry_id,
            "seq": seq,
            "ts_ms": entry.ts_ms,
            "kind": entry.kind,
            "agent": entry.agent,
            "account_id": entry.account_id,
            "body": canonical(entry.body),
            "prev_hash": prev,
        }
        row["hash"] = prev = record_hash(row)
        rows.append(row)
    return rows


async def chain_head(connection: AsyncConnection) -> tuple[int, str]:
    """Return the last record's number and hash, or (0, GENESIS) for an empty log."""
    last = (await connection.execute(select(audit_head.c.seq, audit_head.c.hash))).first()
    return (0, GENESIS) if last is None else (int(last.seq), str(last.hash))


class ChainChecker:
    """Check records one by one, in their order, against the chain they should form."""

    def __init__(self) -> None:
        self.count = 0
        self._expected_seq = 1
        self._prev = GENESIS

    def check(self, row: Mapping[str, Any]) -> AuditProblem | None:
        """Take the next record; return why it breaks the chain, or None."""
        self.count += 1
        seq = int(row["seq"])
        if seq != self._expected_seq:
            what = "missing" if seq > self._expected_seq else "out of order"
            return AuditProblem(seq, f"record {self._expected_seq} is {what} before record {seq}")
        if row["prev_hash"] != self._prev:
            return AuditProblem(seq, "it does not follow the record before it (prev_hash)")
        if record_hash(row) != row["hash"]:
            return AuditProblem(seq, "its content does not match its hash: it was edited")
        self._expected_seq, self._prev = seq + 1, str(row["hash"])
        return None

    def check_end(self, head: tuple[int, str]) -> AuditProblem | None:
        """Check that the log ends at the head written with the last batch: nothing cut off."""
        seq, hash_ = head
        if (self._expected_seq - 1, self._prev) != (seq, hash_):
            return AuditProblem(
                self._expected_seq,
                f"the log ends at record {self._expected_seq - 1}, but record {seq} was written",
            )
        return None


async def verify(connection: AsyncConnection) -> tuple[int, AuditProblem | None]:
    """Check the whole log; return how many records were read and the first problem."""
    checker = ChainChecker()
    result = await connection.stream(select(audit_log).order_by(audit_log.c.seq))
    async for row in result.mappings():
        problem = checker.check(dict(row))
        if problem is not None:
            await result.close()
            return checker.count, problem
    head = (await connection.execute(select(audit_head.c.seq, audit_head.c.hash))).first()
    expected = (0, GENESIS) if head is None else (int(head.seq), str(head.hash))
    return checker.count, checker.check_end(expected)
