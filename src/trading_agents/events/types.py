"""What an account's event stream carries: one event type per thing that happened."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from trading_agents.agents.state import DecisionRecord
from trading_agents.model.orders import Order
from trading_agents.model.reports import ExecutionReport
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.trades import RoundTrip
from trading_agents.risk.state import TradingState


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """An order of the account moved: its state now, with the venue's id for it."""

    order: Order
    venue_order_id: str


@dataclass(frozen=True, slots=True)
class TripClosed:
    """A position went back to flat: the round trip it made."""

    trip: RoundTrip


@dataclass(frozen=True, slots=True)
class EquityMarked:
    """The account's equity at the marks, on the kernel's cadence."""

    point: EquityPoint


@dataclass(frozen=True, slots=True)
class DecisionMade:
    """A decision with its reasoning, risk verdicts and the venue's answers."""

    record: DecisionRecord


@dataclass(frozen=True, slots=True)
class IntentStored:
    """An order's intent was stored durably; the order goes to the venue next."""

    client_order_id: str
    symbol: str


IntentState: TypeAlias = str  # sent, refused, or lost


@dataclass(frozen=True, slots=True)
class IntentSettled:
    """How a stored intent ended: sent, refused, or lost in a crash."""

    client_order_id: str
    state: IntentState
    detail: str


@dataclass(frozen=True, slots=True)
class CashFlowBooked:
    """Money moved in or out of the account by a use case, under an id that keeps it once."""

    flow_id: str
    kind: Literal["deposit", "withdrawal"]
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RiskStateChanged:
    """The trading state moved (kill switch, circuit breaker, daily loss, an outage)."""

    state: TradingState
    previous: TradingState


@dataclass(frozen=True, slots=True)
class LifecycleChanged:
    """A use case moved the agent: started, paused, resumed or stopped."""

    use_case: str
    status: str


Safety: TypeAlias = Literal["kill_switch", "circuit_breaker"]


@dataclass(frozen=True, slots=True)
class RiskReset:
    """A person reset a tripped safety (the kill switch, the circuit breaker), saying why."""

    what: Safety
    reason: str


@dataclass(frozen=True, slots=True)
class Repaired:
    """Reconciliation with the venue repaired the books, and says how."""

    description: str


EventPayload: TypeAlias = (
    ExecutionReport
    | OrderChanged
    | TripClosed
    | EquityMarked
    | DecisionMade
    | IntentStored
    | IntentSettled
    | CashFlowBooked
    | RiskStateChanged
    | LifecycleChanged
    | RiskReset
    | Repaired
)


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """One thing that happened on one agent's account, numbered in the account's order."""

    seq: int  # 1, 2, 3, ... per (agent, account), across restarts
    ts_ms: int  # by the clock, when it was published
    agent: str
    account_id: str
    payload: EventPayload

    @property
    def kind(self) -> str:
        """Return the payload's type name, as subscribers filter on it."""
        return type(self.payload).__name__
