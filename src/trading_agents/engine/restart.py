"""What an account needs to go on after a restart, and how it takes it back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.agents.brains.llm_parts import LlmCounters
from trading_agents.agents.runner import RunnerSnapshot
from trading_agents.engine.account import AgentAccount
from trading_agents.engine.assembly import SimAccountParts
from trading_agents.model.orders import Order
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.portfolio import PortfolioSnapshot
from trading_agents.portfolio.trades import RoundTrip
from trading_agents.risk.state import RiskSnapshot
from trading_agents.venues.sim.exchange import ExchangeSnapshot
from trading_agents.venues.sim.venue import SimVenue

if TYPE_CHECKING:  # ccxt is imported only where it is used
    from trading_agents.venues.binance.venue import BinanceVenue


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
    account: AgentAccount, venue: SimVenue | BinanceVenue, brain: object = None
) -> AccountSnapshot:
    """Return the account's state; book the venue's reports first."""
    counters = brain.counters if isinstance(brain, LlmBrain) else None
    return AccountSnapshot(
        venue.exchange.snapshot() if isinstance(venue, SimVenue) else None,
        account.portfolio.snapshot(),
        account.risk.snapshot(),
        account.runner.snapshot(),
        tuple(sorted(account.unprotected)),
        counters,
        None if isinstance(venue, SimVenue) else venue.funding_since_ms,
        None if isinstance(venue, SimVenue) else venue.config.account,
        None if isinstance(venue, SimVenue) else venue.wallet_since_ms,
        0 if account.stream is None else account.stream.seq,
    )


def restore_account(
    account: AgentAccount,
    venue: SimVenue | BinanceVenue,
    snapshot: AccountSnapshot,
    history: AccountHistory,
    brain: object = None,
) -> None:
    """Put a freshly assembled account back in the state the snapshot and history hold.

    A real venue gets its orders back separately (`BinanceVenue.resume`), with the trades
    already booked: only the journal knows those.
    """
    venue.take_reports()
    if isinstance(venue, SimVenue):
        if snapshot.exchange is None:
            raise ValueError("a simulated account's snapshot holds no simulated exchange")
        venue.exchange.restore(snapshot.exchange, history.orders, history.venue_ids)
    else:
        stored = snapshot.venue_account
        if stored is not None and stored != venue.config.account:
            raise ValueError(
                f"it traded the Binance {stored}, but the keys configured now open the"
                f" {venue.config.account}: restore it with the keys it traded with"
            )
        if snapshot.funding_since_ms is not None:
            venue.funding_since_ms = snapshot.funding_since_ms
        if snapshot.wallet_since_ms is not None:
            venue.wallet_since_ms = snapshot.wallet_since_ms
    account.portfolio.restore(snapshot.portfolio, history.trips, history.marks)
    account.risk.restore(snapshot.risk)
    account.runner.restore(snapshot.runner)
    account.unprotected = set(snapshot.unprotected)
    if account.stream is not None:
        account.stream.seq = snapshot.event_seq
        account.stream.journaled(snapshot.event_seq)
    if isinstance(brain, LlmBrain) and snapshot.brain is not None:
        brain.counters = snapshot.brain


def continue_account(previous: SimAccountParts, parts: SimAccountParts) -> None:
    """Put a stopped account's venue, books, risk state and runner into freshly assembled parts.

    A new start on an account goes on from where its last session stopped: the same wallet,
    positions, open orders, round trips, equity marks and kill switch.
    """
    exchange = previous.venue.exchange
    orders = exchange.orders()
    history = AccountHistory(
        orders,
        {order.client_order_id: exchange.venue_order_id(order.client_order_id) for order in orders},
        list(previous.account.portfolio.trades),
        list(previous.account.portfolio.equity_curve),
    )
    snapshot = snapshot_account(previous.account, previous.venue, previous.brain)
    restore_account(parts.account, parts.venue, snapshot, history, parts.brain)
