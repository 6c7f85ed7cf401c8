"""One agent trading one investment account inside the service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from trading_agents.config.profiles import AgentProfile
from trading_agents.engine.assembly import AccountParts
from trading_agents.events.sinks import PublishedDecisions
from trading_agents.events.stream import AccountStream
from trading_agents.events.types import IntentState
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
# Asking again for what is already so is a repeat, answered with the state as it is: a
# backend that retries a pause, resume or stop it never heard back from must be safe.
REPEATS: dict[str, SessionStatus] = {
    "pause": SessionStatus.PAUSED,
    "resume": SessionStatus.RUNNING,
    "stop": SessionStatus.STOPPED,
}


class IntentSettlements(Protocol):
    """The intent log of a session, which the journal gives its row id once stored."""

    session_id: int

    def settle(self, client_order_id: str, state: IntentState, detail: str) -> None:
        """Note how an intent ended."""
        ...


@dataclass(eq=False)
class AgentSession:
    """An agent's account: its parts, its status and what it was started with."""

    profile: AgentProfile
    account_id: str
    symbols: tuple[str, ...]
    initial_equity: Decimal
    parts: AccountParts
    market: LiveMarket
    decisions: PublishedDecisions
    started_ms: int
    stream: AccountStream
    status: SessionStatus = SessionStatus.RUNNING
    journal_id: int = 0  # the session's row in the journal, once stored
    dirty: bool = False  # changed by a command since the journal last wrote it
    intents: IntentSettlements | None = None  # the order intents its gateway stores

    @property
    def agent(self) -> str:
        """Return the agent's name."""
        return self.profile.name

    def journaled(self, through_seq: int) -> None:
        """Forget what the journal has just written: its events up to `through_seq`."""
        self.stream.journaled(through_seq)
        self.dirty = False

    def repeats(self, use_case: str) -> bool:
        """Tell whether the use case asks for the status the session already has."""
        return REPEATS.get(use_case) is self.status

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
