"""The reports a venue has published and nobody has taken yet: taken in batches, or streamed."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from trading_agents.model.reports import ExecutionReport

if TYPE_CHECKING:
    import asyncio


class PublishedReports:
    """Keep a venue's execution reports until the books take them (both venues share it)."""

    def __init__(self) -> None:
        # A plain buffer rather than an asyncio.Queue: a backtest takes its reports in batches
        # after every candle, and a queue's per-item bookkeeping would cost more than the fills.
        self._pending: deque[ExecutionReport] = deque()
        # Made by the first wait: a backtest never waits, and importing asyncio for it alone
        # would cost its start-up about 20 ms.
        self._arrived: asyncio.Event | None = None

    def _publish_all(self, reports: Iterable[ExecutionReport]) -> None:
        self._pending.extend(reports)
        if self._arrived is not None:
            self._arrived.set()

    def take_reports(self) -> list[ExecutionReport]:
        """Return and forget the reports published since the last call, oldest first."""
        if not self._pending:
            return []
        reports = list(self._pending)
        self._pending.clear()
        return reports

    async def reported(self) -> None:
        """Wait until a published report waits to be taken."""
        while not self._pending:
            if self._arrived is None:
                import asyncio  # only a waiting reader needs it

                self._arrived = asyncio.Event()
            self._arrived.clear()
            await self._arrived.wait()

    async def reports(self) -> AsyncIterator[ExecutionReport]:
        """Yield execution reports as they are published."""
        while True:
            await self.reported()
            yield self._pending.popleft()
