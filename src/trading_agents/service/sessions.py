"""One agent trading one investment account inside the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from trading_agents.agents.ports import DecisionList
from trading_agents.agents.state import DecisionRecord
from trading_agents.config.profiles import AgentProfile
from trading_agents.engine.assembly import AccountParts
from trading_agents.journal.audit import AuditEntry
from trading_agents.market.view import LiveMarket


class SessionStatus(StrEnum):
    """Where an agent is in its life, as the platform's client reads it."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


# The legal moves, in one place: (from, use case) -> to.
TRANSITIONS: dict[tuple[SessionStatus, str], SessionStatus] = {
    (SessionStatus.RUNNING, "pause"): SessionStatus.PAUSED,
    (SessionStatus.PAUSED, "resume"): SessionStatus.RUNNING,
    (SessionStatus.RUNNING, "stop"): SessionStatus.STOPPED,
    (SessionStatus.PAUSED, "stop"): SessionStatus.STOPPED,
}


class JournaledDecisions(DecisionList):
    """Keep recent decision records, and those the journal has not written yet."""

    def __init__(self, keep: int) -> None:
        super().__init__(keep)
        self.unsaved: list[DecisionRecord] = []

    def record(self, record: DecisionRecord) -> None:
        """Keep one decision record until the journal has it."""
        super().record(record)
        self.unsaved.append(record)


class IntentSettlements(Protocol):
    """The intents of a session settled since the journal last wrote it."""

    session_id: int
    settled: dict[str, dict[str, Any]]

    def settle(self, client_order_id: str, state: str, detail: str) -> None:
        """Note how an intent ended."""
        ...


class CashFlow(NamedTuple):
    """Money moved in or out of a session's account, with the id that keeps it once-only."""

    flow_id: str
    kind: str  # deposit or withdrawal
    amount: Decimal
    ts_ms: int


@dataclass(eq=False)
class AgentSession:
    """An agent's account: its parts, its status and what it was started with."""

    profile: AgentProfile
    account_id: str
    symbols: tuple[str, ...]
    initial_equity: Decimal
    parts: AccountParts
    market: LiveMarket
    decisions: JournaledDecisions
    started_ms: int
    status: SessionStatus = SessionStatus.RUNNING
    journal_id: int = 0  # the session's row in the journal, once stored
    dirty: bool = False  # changed by a command since the journal last wrote it
    cash_flows: list[CashFlow] = field(default_factory=list)  # not yet written
    audit: list[AuditEntry] = field(default_factory=list)  # lifecycle records not yet written
    intents: IntentSettlements | None = None  # the order intents its gateway stores

    @property
    def agent(self) -> str:
        """Return the agent's name."""
        return self.profile.name

    def saved(self) -> None:
        """Forget what the journal has just written."""
        changes = self.parts.account.changes
        if changes is not None:
            changes.take()
        self.decisions.unsaved.clear()
        self.cash_flows.clear()
        self.audit.clear()
        if self.intents is not None:
            self.intents.settled.clear()
        self.dirty = False

    def allows(self, use_case: str) -> bool:
        """Tell whether the lifecycle use case may be applied now."""
        return (self.status, use_case) in TRANSITIONS

    def move(self, use_case: str) -> SessionStatus:
        """Apply a lifecycle use case, or raise ValueError naming the current status."""
        target = TRANSITIONS.get((self.status, use_case))
        if target is None:
            raise ValueError(f"{self.agent} on account {self.account_id} is {self.status}")
        self.status = target
        self.dirty = True
        self.parts.account.runner.paused = target is not SessionStatus.RUNNING
        return target
