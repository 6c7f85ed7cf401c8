"""What an account needs to go on after a restart, and how it takes it back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.agents.brains.llm_parts import LlmCounters
from trading_agents.agents.runner import RunnerSnapshot
from trading_agents.engine.account import AgentAccount
from trading_agents.engine.assembly import AccountParts
from trading_agents.model.orders import Order
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.portfolio import PortfolioSnapshot
from trading_agents.portfolio.trades import RoundTrip
from trading_agents.risk.state import RiskSnapshot
from trading_agents.venues.port import AccountVenue, VenueState

if TYPE_CHECKING:  # the simulated exchange's state is the venue's own business
    from trading_agents.venues.sim.exchange import ExchangeSnapshot


class AccountSnapshot(NamedTuple):
    """An account's state but its history: venue, books, risk engine and runner."""

    exchange: ExchangeSnapshot | None  # the simulated venue's; a real exchange keeps its own
    portfolio: PortfolioSnapshot
    risk: RiskSnapshot
    runner: RunnerSnapshot
    unprotected: tuple[str, ...]  # symbols whose stop the venue refused, to close next
    brain: LlmCounters | None = None  # an LLM brain's use so far (the rule brain keeps none)
    funding_since_ms: int | None = None  # a real venue's funding booked up to here
    venue_account: str | None = None  # the exchange account a real venue traded
    wallet_since_ms: int | None = None  # a real venue's wallet checked up to here
    event_seq: int = 0  # the account's last event number: its stream numbers on from it


class AccountHistory(NamedTuple):
    """An account's history as stored row by row: orders, round trips and equity marks."""

    orders: Sequence[Order]  # oldest first
    venue_ids: Mapping[str, str]  # by client order id
    trips: Sequence[RoundTrip]
    marks: Sequence[EquityPoint]


def snapshot_account(
    account: AgentAccount, venue: AccountVenue, brain: object = None
) -> AccountSnapshot:
    """Return the account's state: the venue's, the books', the risk engine's, the runner's."""
    counters = brain.counters if isinstance(brain, LlmBrain) else None
    state = venue.state()
    return AccountSnapshot(
        state.exchange,
        account.portfolio.snapshot(),
        account.risk.snapshot(),
        account.runner.snapshot(),
        tuple(sorted(account.unprotected)),
        counters,
        state.funding_since_ms,
        state.account,
        state.wallet_since_ms,
        0 if account.stream is None else account.stream.seq,
    )


def restore_account(
    account: AgentAccount,
    venue: AccountVenue,
    snapshot: AccountSnapshot,
    history: AccountHistory,
    brain: object = None,
) -> None:
    """Put a freshly assembled account back in the state the snapshot and history hold.

    A real venue gets its open orders back separately (`AccountVenue.resume`), with the
    trades already booked: only the journal knows those.
    """
    venue.take_reports()
    state = VenueState(
        snapshot.exchange,
        snapshot.funding_since_ms,
        snapshot.venue_account,
        snapshot.wallet_since_ms,
    )
    venue.restore_state(state, history.orders, history.venue_ids)
    account.orders.restore(history.orders, history.venue_ids)
    account.portfolio.restore(snapshot.portfolio, history.trips, history.marks)
    account.risk.restore(snapshot.risk)
    account.runner.restore(snapshot.runner)
    account.unprotected = set(snapshot.unprotected)
    if account.stream is not None:
        account.stream.seq = snapshot.event_seq
        account.stream.journaled(snapshot.event_seq)
    if isinstance(brain, LlmBrain) and snapshot.brain is not None:
        brain.counters = snapshot.brain


def continue_account(previous: AccountParts, parts: AccountParts) -> None:
    """Put a stopped account's venue, books, risk state and runner into freshly assembled parts.

    A new start on an account goes on from where its last session stopped: the same wallet,
    positions, open orders, round trips, equity marks and kill switch.
    """
    orders = previous.account.orders
    history = AccountHistory(
        orders.orders(),
        orders.venue_ids(),
        list(previous.account.portfolio.trades),
        list(previous.account.portfolio.equity_curve),
    )
    snapshot = snapshot_account(previous.account, previous.venue, previous.brain)
    restore_account(parts.account, parts.venue, snapshot, history, parts.brain)
    parts.account.runner.paused = False  # the stopped runner's pause ends with the start
