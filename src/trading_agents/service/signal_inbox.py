"""Webhook signals accepted at once, kept on local disk, and decided on in order by a worker.

A sender (the ML engine) wants a quick answer; a decision through the graph and the journal
takes milliseconds. So a verified, valid, new signal is appended to an inbox file (flushed
and fsync'ed together with the others that arrived meanwhile: one fsync for a burst) before
the webhook answers `accepted`; a worker then decides on each in order. The decision carries
the signal's id; at a restart, inbox signals whose decision is not in the journal are
decided then, so an accepted signal is neither lost nor decided twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trading_agents.model.signals import Signal
from trading_agents.service.background import cancel
from trading_agents.service.errors import ServiceError
from trading_agents.service.signal_intake import SignalIntake

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One accepted signal: for whom, what it said, and its id."""

    agent: str
    account_id: str
    signal_id: str
    payload: Mapping[str, Any]
    source: str
    signal: Signal | None = None  # as validated when accepted; None when read back from disk


class SignalInbox:
    """Accept signals durably now; decide on them in order, in the background."""

    def __init__(self, folder: Path, intake: SignalIntake) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._file = folder / "signals.inbox"
        self._intake = intake
        self._queue: asyncio.Queue[InboxEntry] = asyncio.Queue()
        self._unwritten: list[tuple[str, asyncio.Future[None]]] = []
        self._flushing = False
        self._worker: asyncio.Task[None] | None = None
        self._accepting = 0  # accepts between their check and their place in the queue

    def start(self) -> None:
        """Decide on what an earlier run accepted and did not decide, then on what comes."""
        for entry in self._undecided():
            self._queue.put_nowait(entry)
        if self._worker is None:
            self._worker = asyncio.create_task(self._work(), name="signal-inbox")

    async def close(self) -> None:
        """Stop deciding; what waits stays in the file for the next start."""
        await cancel(self._worker)
        self._worker = None

    async def accept(
        self, agent: str, account_id: str, payload: Mapping[str, Any], source: str
    ) -> str | None:
        """Validate, take once and store a signal; return its id, or None if taken already.

        A signal without an id gets one from what it says, so that its decision can be found
        again and the same body delivered again (a replay) is the same signal, taken once.
        """
        taken = self._intake.take(agent, account_id, payload, source)
        if taken is None:
            return None
        signal_id = str(taken[0].signal_id)  # the sender's, or one made of the content
        payload = {**payload, "signal_id": signal_id}
        entry = InboxEntry(agent, account_id, signal_id, payload, source, taken[0])
        self._accepting += 1
        try:
            await self._write(json.dumps(_as_json(entry), separators=(",", ":")))
            self._queue.put_nowait(entry)
        finally:
            self._accepting -= 1
        return signal_id

    async def _write(self, line: str) -> None:
        """Append a line durably; lines arriving while a write is on go in the next one."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unwritten.append((line, done))
        if not self._flushing:
            self._flushing = True
            try:
                while self._unwritten:
                    batch, self._unwritten = self._unwritten, []
                    text = "".join(f"{line}\n" for line, _ in batch)
                    try:
                        await asyncio.to_thread(self._append, text)
                    except OSError as error:
                        for _, waiting in batch:
                            waiting.set_exception(error)
                    else:
                        for _, waiting in batch:
                            waiting.set_result(None)
            finally:
                self._flushing = False
        await done

    def _append(self, text: str) -> None:
        with self._file.open("a", encoding="utf-8") as inbox:
            inbox.write(text)
            inbox.flush()
            os.fsync(inbox.fileno())

    async def _work(self) -> None:
        while True:
            entry = await self._queue.get()
            try:
                # Read back after a restart, a signal is checked again: it may be too old now.
                signal = entry.signal or self._intake.validate(
                    entry.agent, entry.account_id, entry.payload, entry.source
                )
                await self._intake.decide(entry.agent, entry.account_id, signal, None)
            except ServiceError as error:
                log.warning(
                    "accepted signal %s for %s on %s not decided on: %s",
                    entry.signal_id,
                    entry.agent,
                    entry.account_id,
                    error,
                )
            except Exception:
                log.exception("deciding on signal %s failed", entry.signal_id)
            if self._queue.empty():
                self._compact()

    def _undecided(self) -> list[InboxEntry]:
        """Return the stored entries whose decision is not in their session's records."""
        if not self._file.exists():
            return []
        entries = []
        for line in self._file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entries.append(_from_json(json.loads(line)))
        desk = self._intake.desk
        decided: dict[tuple[str, str], set[str | None]] = {
            key: {record.signal_id for record in session.decisions.records}
            for key, session in desk.sessions.items()
        }
        for row in desk.owner_rows():  # an owner of a pooled book: the book decides for it
            book = desk.book_of(row.agent, row.account_id)
            decided[(row.agent, row.account_id)] = {r.signal_id for r in book.decisions.records}
        return [
            entry
            for entry in entries
            if (entry.agent, entry.account_id) in decided
            and entry.signal_id not in decided[(entry.agent, entry.account_id)]
        ]

    def _compact(self) -> None:
        """Empty the file once every accepted signal was decided on (or refused)."""
        if not self._unwritten and not self._flushing and not self._accepting:
            self._file.unlink(missing_ok=True)


def _as_json(entry: InboxEntry) -> dict[str, Any]:
    return {
        "agent": entry.agent,
        "account_id": entry.account_id,
        "signal_id": entry.signal_id,
        "payload": dict(entry.payload),
        "source": entry.source,
    }


def _from_json(data: Mapping[str, Any]) -> InboxEntry:
    return InboxEntry(
        str(data["agent"]),
        str(data["account_id"]),
        str(data["signal_id"]),
        dict(data["payload"]),
        str(data["source"]),
    )
