"""The desk's side of the journal: write what changed, and ride out a database outage.

While the database cannot be reached the journal spools every batch on local disk, and the
keeper puts every agent in REDUCING (no new entries; closes and protective stops still go
out), retries when the journal's backoff says to (`Journal.retry_in_s`: the one outage
policy), and lifts the restriction once the spool is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from trading_agents.core.clock import Clock
from trading_agents.service.background import cancel
from trading_agents.service.journaling import SessionJournal
from trading_agents.service.sessions import AgentSession

log = logging.getLogger(__name__)
MIN_WAIT_S = 0.5  # between attempts even when the journal's backoff says now
OUTAGE_REASON = (
    "the journal's database cannot be reached: no new entries until it is back (open"
    " positions keep their stops, and closing orders still go out)"
)


class JournalKeeper:
    """Write the desk's changes; while the database is away, keep the agents reducing."""

    def __init__(
        self,
        journal: SessionJournal,
        clock: Clock,
        sessions: Callable[[], Iterable[AgentSession]],
    ) -> None:
        self.journal = journal
        self._clock = clock
        self._sessions = sessions
        self.error = ""  # the last write that failed for another reason than an outage
        self._reducing = False
        self._recovery: asyncio.Task[None] | None = None
        self.on_recovered: Callable[[], Awaitable[object]] | None = None  # after an outage

    @property
    def state(self) -> str:
        """Say how the journal is: ok, spooling through an outage, or failing."""
        store = self.journal.journal
        if store.degraded:
            return f"degraded: {store.spooled} batches spooled on disk; {store.degraded}"
        if self.error:
            return f"failing: {self.error}"
        return "ok"

    async def save(self, sessions: Iterable[AgentSession], cursor: tuple[int, str] | None) -> None:
        """Write what changed (to the spool during an outage); log and show any other failure."""
        try:
            await self.journal.save(sessions, self._clock.now_ms(), cursor)
        except Exception as error:
            self.failed(error)
        else:
            self.error = ""
        self._follow()

    def failed(self, error: Exception) -> None:
        """Remember a failed write for `/health`; log it the first time."""
        if not self.error:
            log.exception("the journal could not be written; retrying with the next change")
        # The first line only: the rest of a database error repeats the statement's values.
        first_line = (str(error).splitlines() or [""])[0][:200]
        self.error = f"{type(error).__name__}: {first_line}"

    def _follow(self) -> None:
        """Put the agents in REDUCING while the journal spools, and take them out after."""
        down = bool(self.journal.journal.degraded)
        if down and not self._reducing:
            for session in self._sessions():
                session.parts.account.risk.set_reducing(OUTAGE_REASON)
            self._reducing = True
            if self._recovery is None:
                self._recovery = asyncio.create_task(self._recover(), name="journal-recovery")
        elif not down and self._reducing:
            for session in self._sessions():
                session.parts.account.risk.clear_reducing()
            self._reducing = False
            log.info("journal: back; the agents may open positions again")

    async def _recover(self) -> None:
        """Retry the spool until the database takes it, then lift the restriction."""
        try:
            store = self.journal.journal
            while store.degraded:
                # A spool that fails for another reason than an outage does not move the
                # backoff on: the floor keeps this loop from spinning on it.
                await asyncio.sleep(max(store.retry_in_s(), MIN_WAIT_S))
                with contextlib.suppress(Exception):
                    await store.drain()
            self._follow()
            if self.on_recovered is not None:
                await self.on_recovered()
        finally:
            self._recovery = None

    async def close(self) -> None:
        """Stop retrying; what waits in the spool is written at the next start."""
        await cancel(self._recovery)
