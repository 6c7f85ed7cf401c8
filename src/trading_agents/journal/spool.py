"""A durable local spool: batches the database could not take, kept on disk in their order.

Each batch is one JSON line, flushed and fsync'ed before `append` returns. Batches are written
to the database oldest first; the count written so far is kept beside the file (fsync'ed
too), so a crash in the middle of a drain replays at most the batch it was writing, which the
journal's keys make harmless.
"""

from __future__ import annotations

import os
from pathlib import Path

from trading_agents.journal.codec import Codec


class Spool:
    """Keep batches on disk until they are written, in their order."""

    def __init__(self, folder: Path, codec: Codec) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._file = folder / "journal.spool"
        self._position = folder / "journal.spool.pos"
        self._codec = codec
        self._lines = self._count_lines()  # batches in the file, written or not

    def _count_lines(self) -> int:
        if not self._file.exists():
            return 0
        with self._file.open(encoding="utf-8") as spool:
            return sum(1 for line in spool if line.strip())

    def append(self, batch: object) -> None:
        """Add a batch at the end, durably."""
        line = self._codec.dumps(batch) + "\n"
        with self._file.open("a", encoding="utf-8") as spool:
            spool.write(line)
            spool.flush()
            os.fsync(spool.fileno())
        self._lines += 1

    def pending(self) -> list[object]:
        """Return the batches not written yet, oldest first."""
        if not self._file.exists():
            return []
        lines = self._file.read_text(encoding="utf-8").splitlines()
        return [self._codec.loads(line) for line in lines[self._written() :] if line]

    def __len__(self) -> int:
        return self._lines - self._written()

    def mark_written(self, count: int) -> None:
        """Record that `count` more batches reached the database; empty the spool when all did."""
        written = self._written() + count
        if written >= self._lines:
            self._file.unlink(missing_ok=True)
            self._position.unlink(missing_ok=True)
            self._lines = 0
            return
        temporary = self._position.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as position:
            position.write(str(written))
            position.flush()
            os.fsync(position.fileno())
        temporary.replace(self._position)

    def _written(self) -> int:
        if not self._position.exists():
            return 0
        return int(self._position.read_text(encoding="utf-8").strip() or 0)
