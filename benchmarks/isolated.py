"""Run the service for a latency benchmark: on a core of its own, journaling to memory.

On this class of machine two things move a service's latencies more than a change of its code
does: the load generator's own work (building, signing and timing requests) competing with
the service for the same cores, and the virtual disk's fsync, which takes a millisecond one
minute and a second the next. So the service runs pinned to the last core, the generator on
the others, and the journal and the signal inbox live on a memory-backed folder (/dev/shm)
where there is one. Their writes, commits and fsyncs all still happen: what is left out is
the disk's own wait, which the journal's benchmark (`bench_journal.py`) measures.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.service import Service, running_service

MEMORY = Path("/dev/shm")


@contextmanager
def isolated_service(env: Mapping[str, str]) -> Iterator[Service]:
    """Start the service pinned to the last core, its journal and inbox in memory."""
    folder = Path(tempfile.mkdtemp(prefix="bench-", dir=MEMORY if MEMORY.is_dir() else None))
    journal = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'journal.db'}",
        "TRADING_AGENTS_SPOOL_DIR": str(folder / "spool"),
    }
    cores = sorted(os.sched_getaffinity(0))
    try:
        if len(cores) > 1:
            os.sched_setaffinity(0, {cores[-1]})  # the service's process and threads inherit it
        with running_service({**env, **journal}) as service:
            if len(cores) > 1:
                os.sched_setaffinity(0, set(cores[:-1]))
            yield service
    finally:
        os.sched_setaffinity(0, set(cores))
        shutil.rmtree(folder, ignore_errors=True)
