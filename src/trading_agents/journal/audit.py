"""The audit trail: records chained by keyed hash, so that an edit, a deletion or a reorder shows.

Each record's hash is an HMAC-SHA256 under the audit key (`AUDIT_KEY` or `AUDIT_KEY_FILE`), so
whoever can write the database but lacks the key cannot edit a record and chain the rest
again. Records written before keys (plain SHA-256) stay as they are: the keyed mark says
where keyed records begin, and the head's own HMAC pins the last record, so an edit of an
old record breaks the chain into the keyed ones and cannot be hidden either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from trading_agents.journal.tables import audit_head, audit_log

GENESIS = "0" * 64  # the hash before the first record
HEAD = "service"  # the audit_head row of the last record written
HEAD_MAC = "head-mac"  # its HMAC: (seq, hash) of the head under the key
KEYED = "keyed-from"  # the first record chained with the key, and that number's HMAC


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


def record_hash(row: Mapping[str, Any], key: bytes | None) -> str:
    """Return a record's hash: every column but the hash, the previous one included.

    An HMAC-SHA256 under `key`; None only for a record written before keys (plain SHA-256).
    """
    fields = {
        name: row[name]
        for name in ("seq", "entry_id", "ts_ms", "kind", "agent", "account_id", "prev_hash")
    }
    text = (canonical(fields) + "\n" + str(row["body"])).encode()
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def mark(key: bytes, what: str) -> str:
    """Return the HMAC of a head or keyed-mark statement under the key."""
    return hmac.new(key, what.encode(), hashlib.sha256).hexdigest()


def head_rows(key: bytes, seq: int, hash_: str) -> list[dict[str, Any]]:
    """Return the audit_head rows of a head: the head itself and its HMAC."""
    return [
        {"name": HEAD, "seq": seq, "hash": hash_},
        {"name": HEAD_MAC, "seq": seq, "hash": mark(key, f"head:{seq}:{hash_}")},
    ]


def keyed_row(key: bytes, first_seq: int) -> dict[str, Any]:
    """Return the keyed mark: records from `first_seq` on are chained with the key."""
    return {"name": KEYED, "seq": first_seq, "hash": mark(key, f"keyed-from:{first_seq}")}


def chain(
    entries: Sequence[AuditEntry], last_seq: int, last_hash: str, key: bytes
) -> list[dict[str, Any]]:
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
        row["hash"] = prev = record_hash(row, key)
        rows.append(row)
    return rows


async def heads(connection: AsyncConnection) -> dict[str, tuple[int, str]]:
    """Return the audit_head rows by name: the head, its HMAC and the keyed mark."""
    found = await connection.execute(select(audit_head.c.name, audit_head.c.seq, audit_head.c.hash))
    return {str(row.name): (int(row.seq), str(row.hash)) for row in found}


def head_of(rows: Mapping[str, tuple[int, str]]) -> tuple[int, str]:
    """Return the last record's number and hash, or (0, GENESIS) for an empty log."""
    return rows.get(HEAD, (0, GENESIS))


class ChainChecker:
    """Check records one by one, in their order, against the chain they should form."""

    def __init__(self, key: bytes, keyed_from: int) -> None:
        self.count = 0
        self._key = key
        self._keyed_from = keyed_from
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
        key = self._key if seq >= self._keyed_from else None
        if not hmac.compare_digest(record_hash(row, key), str(row["hash"])):
            return AuditProblem(
                seq,
                "its content does not match its hash: it was edited (or the key is not"
                " the one it was written with)",
            )
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


def check_marks(key: bytes, rows: Mapping[str, tuple[int, str]]) -> AuditProblem | None:
    """Check the keyed mark and the head's HMAC: only the key's holder can have written them."""
    keyed = rows.get(KEYED)
    head = head_of(rows)
    if keyed is None:
        if head[0] == 0 and HEAD_MAC not in rows:
            return None  # a log no keyed service ever opened, with nothing in it
        return AuditProblem(
            head[0], "the log has no keyed mark: it was written without a key, or stripped of it"
        )
    if not hmac.compare_digest(keyed[1], mark(key, f"keyed-from:{keyed[0]}")):
        return AuditProblem(keyed[0], "the keyed mark does not verify under this key")
    mac = rows.get(HEAD_MAC)
    if mac is None or mac[0] != head[0]:
        return AuditProblem(head[0], "the head's HMAC is missing or names another record")
    if not hmac.compare_digest(mac[1], mark(key, f"head:{head[0]}:{head[1]}")):
        return AuditProblem(head[0], "the head does not verify under this key: it was rewritten")
    return None


async def verify(connection: AsyncConnection, key: bytes) -> tuple[int, AuditProblem | None]:
    """Check the whole log under the key; return the records read and the first problem."""
    rows = await heads(connection)
    marks = check_marks(key, rows)
    keyed = rows.get(KEYED, (1, ""))[0]
    checker = ChainChecker(key, keyed)
    result = await connection.stream(select(audit_log).order_by(audit_log.c.seq))
    async for row in result.mappings():
        problem = checker.check(dict(row))
        if problem is not None:
            await result.close()
            return checker.count, problem
    return checker.count, marks or checker.check_end(head_of(rows))
