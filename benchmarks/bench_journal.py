"""Measure journal writes per second on SQLite and on PostgreSQL.

One write is one batch in one transaction, shaped like a kernel step in which one account
traded: its state (a 3 KB snapshot), an order's latest state, a fill, a decision with its
audit record (chained to the one before), an equity mark and the market cursor; that is
seven rows. SQLite is the embedded default (a file in a temporary folder, WAL mode); the
PostgreSQL server is the local one on 127.0.0.1:5432 (a database made for the run and
dropped after). The figure is batches per second over BENCH_WRITES writes, one after the
other, as the desk makes them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import asyncpg

from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.keys import audit_key
from trading_agents.journal.store import Journal, JournalBatch

WRITES = int(os.environ.get("BENCH_WRITES", "2000"))
POSTGRES_ADMIN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _batch(session_id: int, n: int) -> JournalBatch:
    cid = f"ta-{n:08d}"
    return JournalBatch(
        cursor=(1_748_908_800_000 + n * 60_000, "replay"),
        sessions=[{"id": session_id, "status": "running", "updated_ms": n, "snapshot": "x" * 3000}],
        orders=[
            {
                "session_id": session_id,
                "client_order_id": cid,
                "venue_order_id": str(n),
                "symbol": "BTCUSDT",
                "status": "filled",
                "updated_ms": n,
                "body": "o" * 600,
            }
        ],
        fills=[
            {
                "session_id": session_id,
                "trade_id": f"t-{n}",
                "client_order_id": cid,
                "symbol": "BTCUSDT",
                "side": "buy",
                "quantity": Decimal("0.012"),
                "price": Decimal("104772.7"),
                "fee": Decimal("0.62863620"),
                "realized_pnl": Decimal(0),
                "is_liquidation": False,
                "ts_ms": n,
            }
        ],
        decisions=[
            {
                "session_id": session_id,
                "sequence": n,
                "ts_ms": n,
                "symbol": "BTCUSDT",
                "action": "open",
                "trigger": "signal",
                "body": "d" * 1500,
            }
        ],
        marks=[
            {
                "session_id": session_id,
                "ts_ms": n,
                "equity": Decimal("10000.5"),
                "net_deposits": Decimal(10_000),
            }
        ],
        audit=[AuditEntry(n, "decision", "atlas", "acc-1", {"record": "r" * 1500})],
    )


async def _measure(url: str) -> float:
    journal = await Journal.open(url, audit_key(None, None, create=True))
    try:
        row = {
            "agent": "atlas",
            "account_id": "acc-1",
            "status": "running",
            "symbols": "BTCUSDT",
            "initial_equity": Decimal(10_000),
            "started_ms": 0,
            "updated_ms": 0,
            "profile": "{}",
            "snapshot": "{}",
        }
        session_id = await journal.start_session(row, lambda _: JournalBatch())
        for n in range(50):  # warm the connection pool and the statement caches
            await journal.save(_batch(session_id, -1 - n))
        started = time.perf_counter()
        for n in range(WRITES):
            await journal.save(_batch(session_id, n))
        return WRITES / (time.perf_counter() - started)
    finally:
        await journal.close()


async def measure() -> list[dict[str, object]]:
    """Time the writes on each database."""
    folder = tempfile.mkdtemp(prefix="bench-journal-writes-")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        sqlite = await _measure(f"sqlite+aiosqlite:///{Path(folder) / 'journal.db'}")
        postgres = await _measure(f"{base}/{name}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        admin = await asyncpg.connect(POSTGRES_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return [
        {
            "benchmark": f"journal_writes_{name} (7-row batches)",
            "figure": round(rate),
            "unit": "batches/s",
        }
        for name, rate in (("sqlite", sqlite), ("postgresql", postgres))
    ]


if __name__ == "__main__":
    for figure in asyncio.run(measure()):
        print(json.dumps(figure))
