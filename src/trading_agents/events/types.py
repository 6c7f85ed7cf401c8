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


PoolEntryKind: TypeAlias = Literal[
    "deposit",
    "withdrawal",
    "profit",
    "loss",
    "queued",
    "queued_all",
    "unqueued",
    "awaiting_in",
    "awaiting_out",
    "received",
    "sent",
]


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """A pooled book's record of one investment account: units issued or redeemed, value posted.

    `deposit` and `withdrawal` issue and redeem units at `unit_value`; `profit` and `loss`
    post the change of the account's value (units times unit value) since its last entry, at
    a round trip's close or before its own money moves; `queued` and `queued_all` note a
    withdrawal (of `amount`, or of everything: a stop) waiting for the book's free cash, and
    `unqueued` its end. At an exchange, where the platform moves the money by transfers,
    `awaiting_in` and `awaiting_out` note a deposit's or a withdrawal's transfer still to
    come, and `received` and `sent` the transfer (`reference`: the venue's id) that came.
    `balance` is the account's value after the entry, as the platform's ledger shows it;
    `share` its part of the book's units then.
    """

    entry_id: str
    account_id: str
    kind: PoolEntryKind
    amount: Decimal  # USDT, not signed
    units: Decimal  # issued (above zero) or redeemed (below); zero for the others
    unit_value: Decimal
    balance: Decimal
    share: Decimal
    reference: str  # the round trip of a profit or loss; the queued request of a withdrawal


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
    | PoolEntry
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
