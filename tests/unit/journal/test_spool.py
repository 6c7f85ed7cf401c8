"""The spool keeps batches on disk in order, across processes, and forgets those written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from trading_agents.journal.spool import Spool
from trading_agents.journal.store import SPOOL_CODEC, JournalBatch


def _batch(n: int) -> JournalBatch:
    flow = {"session_id": 1, "flow_id": f"f-{n}", "kind": "deposit", "amount": Decimal(f"{n}.10")}
    return JournalBatch(cursor=(n, "replay"), cash_flows=[{**flow, "ts_ms": n}])


def test_batches_come_back_in_order_and_exact_from_a_new_spool(tmp_path: Path) -> None:
    spool = Spool(tmp_path, SPOOL_CODEC)
    for n in range(3):
        spool.append(_batch(n))

    again = Spool(tmp_path, SPOOL_CODEC)  # as the next process would open it

    assert len(again) == 3
    assert again.pending() == [_batch(0), _batch(1), _batch(2)]


def test_written_batches_are_not_replayed_and_an_emptied_spool_leaves_no_file(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path, SPOOL_CODEC)
    for n in range(3):
        spool.append(_batch(n))

    spool.mark_written(2)
    assert Spool(tmp_path, SPOOL_CODEC).pending() == [_batch(2)]
    spool.append(_batch(3))
    assert len(spool) == 2

    spool.mark_written(2)
    assert len(spool) == 0
    assert list(tmp_path.iterdir()) == []
