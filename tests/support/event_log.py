"""An account stream a test reads back: the execution reports published on it."""

from __future__ import annotations

from trading_agents.core.clock import LiveClock
from trading_agents.events.stream import AccountStream
from trading_agents.model.reports import (
    BalanceAdjustment,
    ExecutionReport,
    FillReport,
    FundingReport,
    OrderUpdate,
)

_REPORTS = (OrderUpdate, FillReport, FundingReport, BalanceAdjustment)


class ReportLog:
    """Hold an account's stream and show the execution reports its account published."""

    def __init__(self, agent: str = "atlas", account_id: str = "acct") -> None:
        self.stream = AccountStream(agent, account_id, LiveClock())

    @property
    def reports(self) -> list[ExecutionReport]:
        """Return the reports published so far, oldest first."""
        return [e.payload for e in self.stream.pending if isinstance(e.payload, _REPORTS)]
