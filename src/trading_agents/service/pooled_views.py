"""What the service answers about an account in a pooled book: its share of the book's figures.

Its value is its units at the unit value; its profit is that value less the money it put in
and took out; its positions and round trips are the book's, times its share of the units
(at the round trip's close, for a trip). Figures are rounded down to 8 decimals.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.core.clock import iso_utc, utc_day_start
from trading_agents.core.decimals import ZERO
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.portfolio.units import MONEY
from trading_agents.service.desk_base import DeskBase
from trading_agents.service.errors import Conflict, NotFound
from trading_agents.service.overview import DeskRow, desk_row
from trading_agents.service.pools import Owner, Pool
from trading_agents.service.queries import (
    MetricsView,
    PositionView,
    StatusView,
    TradeView,
    equity_curve_of,
    metrics_of,
    positions_of,
    status_of,
    trades_of,
)
from trading_agents.service.sessions import AgentSession, SessionStatus


def owner_status(owner: Owner) -> str:
    """Say where an account's stake is: running, stopping (a stop waits for cash), stopped."""
    if owner.stopped:
        return str(SessionStatus.STOPPED)
    if owner.stopping:
        return "stopping"
    return str(SessionStatus.RUNNING)


def _down(value: Decimal) -> Decimal:
    return value.quantize(MONEY, rounding=ROUND_DOWN)


def status_of_owner(owner: Owner, pool: Pool, book: AgentSession, market_data: str) -> StatusView:
    """Return an account's status in the book: its own state, the book's venue and state."""
    return StatusView(
        book.agent,
        owner.account_id,
        owner_status(owner),
        book.parts.venue.mode,
        market_data,
        book.symbols,
        book.profile.brain,
        str(book.parts.account.risk.state),
        owner.first_deposit,
        pool.value(owner.account_id),
        iso_utc(owner.first_ms),
    )


def metrics_of_owner(owner: Owner, pool: Pool, book: AgentSession) -> MetricsView:
    """Return an account's metrics: its share of each trip, its value and its profit."""
    trips = _shared_trips(owner, book)
    nets = [trip.net_pnl for trip in trips]
    wins = [net for net in nets if net > ZERO]
    losses = [net for net in nets if net <= ZERO]
    portfolio = book.parts.account.portfolio
    metrics = portfolio.metrics()
    value = pool.value(owner.account_id)
    brain = book.parts.brain
    total_trades = len(trips)
    return MetricsView(
        book.agent,
        owner.account_id,
        total_trades,
        len(wins),
        len(losses),
        Decimal(len(wins)) / total_trades if total_trades else ZERO,
        sum(wins, ZERO),
        -sum(losses, ZERO),
        value - owner.net_deposits,
        sum((trip.realized_pnl for trip in trips), ZERO),
        sum((trip.fees for trip in trips), ZERO),
        sum((trip.funding for trip in trips), ZERO),
        portfolio.current_drawdown,  # the unit value's, which is the book's
        portfolio.max_drawdown,
        book.parts.account.risk.limits.max_drawdown,
        metrics.sharpe,
        metrics.sortino,
        value,
        brain.counters if isinstance(brain, LlmBrain) else None,
    )


def positions_of_owner(
    owner: Owner, pool: Pool, book: AgentSession, marks: dict[str, Decimal]
) -> list[PositionView]:
    """Return the book's open positions, each times the account's share of the units now."""
    share = pool.share(owner.account_id)
    return [
        PositionView(
            view.symbol,
            view.side,
            _down(view.quantity * share),
            view.entry_price,
            view.mark_price,
            _down(view.unrealized_pnl * share),
            view.leverage,
            _down(view.margin * share),
            view.liquidation_price,
        )
        for view in positions_of(book, marks)
    ]


def trades_of_owner(owner: Owner, book: AgentSession, limit: int) -> list[TradeView]:
    """Return the account's share of the book's round trips it held units at, newest last."""
    return _shared_trips(owner, book)[-limit:]


def equity_of_owner(owner: Owner, limit: int) -> list[tuple[str, Decimal, Decimal]]:
    """Return the account's value at each of its entries, with its net deposits by then."""
    points = []
    deposited = ZERO
    for at, balance, flow, _ in owner.history:
        deposited += flow
        points.append((iso_utc(at), balance, deposited))
    return points[-limit:]


def _shared_trips(owner: Owner, book: AgentSession) -> list[TradeView]:
    shares = {trip.trade_id: trip.share for trip in owner.trips}
    views = []
    for view in trades_of(book, len(book.parts.account.portfolio.trades)):
        share = shares.get(view.trade_id)
        if share is None or share == ZERO:
            continue
        views.append(
            TradeView(
                view.trade_id,
                view.symbol,
                view.side,
                _down(view.quantity * share),
                view.entry_price,
                view.exit_price,
                view.opened_at,
                view.closed_at,
                _down(view.realized_pnl * share),
                _down(view.fees * share),
                _down(view.funding * share),
                _down(view.net_pnl * share),
                view.liquidated,
                view.exit_reason,
            )
        )
    return views


class PooledReads(DeskBase):
    """Answer about an agent on an account, its own session's or its stake in a pooled book."""

    def pooled(self, agent: str) -> bool:
        """Tell whether an agent keeps its investment accounts in one pooled book."""
        return self.profile(agent).accounts == "pooled"

    def book(self, agent: str) -> AgentSession:
        """Return the pooled book's own session; NotFound before anyone started it."""
        found = self.sessions.get((agent, POOL_ACCOUNT_ID))
        if found is None or agent not in self.pools:
            raise NotFound(f"{agent}'s pooled book has not been started by any account")
        return found

    def owner(self, agent: str, account_id: str) -> Owner:
        """Return an account's stake in an agent's pooled book, or raise NotFound."""
        pool = self.pools.get(agent)
        owner = None if pool is None else pool.owner(account_id)
        if owner is None:
            raise NotFound(f"{agent} has not been started on account {account_id!r}")
        return owner

    def _book_equity(self, book: AgentSession) -> Decimal:
        """Return the book's equity at the marks, with the transfers owed to or by it."""
        equity = book.parts.account.portfolio.ledger.equity(self.marks_for(book))
        pool = self.pools.get(book.agent)
        return equity if pool is None else equity + pool.owed

    # -- reads -----------------------------------------------------------------------------

    def owner_rows(self) -> list[DeskRow]:
        """Return a row per account in each pooled book, as the listings show accounts."""
        rows = []
        for agent, pool in sorted(self.pools.items()):
            book = self.sessions.get((agent, POOL_ACCOUNT_ID))
            if book is None:
                continue
            pool.mark(self._book_equity(book))
            shown = desk_row(book, self.marks_for(book))
            for owner in pool.owners.values():
                rows.append(self._owner_row(book, pool, owner, shown))
        return rows

    def _owner_row(self, book: AgentSession, pool: Pool, owner: Owner, shown: DeskRow) -> DeskRow:
        value = pool.value(owner.account_id)
        day_start = utc_day_start(self.clock.now_ms())
        warnings = list(shown.warnings)
        if owner.queued:
            warnings.append("withdrawal waiting for the book's free cash")
        return DeskRow(
            book.agent,
            owner.account_id,
            owner_status(owner),
            shown.mode,
            shown.brain,
            shown.trading_state,
            shown.symbols,
            owner.first_deposit,
            value,
            value - _balance_at(owner, day_start) - _flows_since(owner, day_start),
            value - owner.net_deposits,
            shown.current_drawdown,
            shown.drawdown_limit,
            shown.open_positions,
            shown.open_orders,
            None,
            tuple(warnings),
        )

    def _share(self, agent: str, account_id: str) -> tuple[Owner, Pool, AgentSession] | None:
        """Return an account's stake in a pooled book, the pool marked now, and the book."""
        if account_id == POOL_ACCOUNT_ID or not self.pooled(agent):
            return None  # a session of its own (the book's own is one)
        owner, book, pool = self.owner(agent, account_id), self.book(agent), self.pools[agent]
        pool.mark(self._book_equity(book))
        return owner, pool, book

    def book_of(self, agent: str, account_id: str, acting: bool = False) -> AgentSession:
        """Return the session that decides for an account: its own, or its pooled book."""
        stake = self._share(agent, account_id)
        if stake is None:
            return self.session(agent, account_id)
        status = owner_status(stake[0])
        if acting and status != str(SessionStatus.RUNNING):
            raise Conflict(f"{agent} is {status} on account {account_id!r}")
        return stake[2]

    def status_view(self, agent: str, account_id: str) -> StatusView:
        """Return the agent's status on the account."""
        stake = self._share(agent, account_id)
        if stake is not None:
            return status_of_owner(*stake, self.source.description)
        session = self.session(agent, account_id)
        return status_of(session, self.marks_for(session), self.source.description)

    def metrics_view(self, agent: str, account_id: str) -> MetricsView:
        """Return the agent's metrics on the account."""
        stake = self._share(agent, account_id)
        if stake is not None:
            return metrics_of_owner(*stake)
        session = self.session(agent, account_id)
        return metrics_of(session, self.marks_for(session))

    def positions_view(self, agent: str, account_id: str) -> list[PositionView]:
        """Return the account's open positions (in a pooled book: its share of the book's)."""
        stake = self._share(agent, account_id)
        if stake is not None:
            return positions_of_owner(*stake, self.marks_for(stake[2]))
        session = self.session(agent, account_id)
        return positions_of(session, self.marks_for(session))

    def trades_view(self, agent: str, account_id: str, limit: int) -> list[TradeView]:
        """Return the account's latest round trips (in a pooled book: its share of them)."""
        stake = self._share(agent, account_id)
        if stake is not None:
            return trades_of_owner(stake[0], stake[2], limit)
        return trades_of(self.session(agent, account_id), limit)

    def equity_view(
        self, agent: str, account_id: str, limit: int
    ) -> list[tuple[str, Decimal, Decimal]]:
        """Return the account's equity over time, with its net deposits by then."""
        stake = self._share(agent, account_id)
        if stake is not None:
            return equity_of_owner(stake[0], limit)
        return equity_curve_of(self.session(agent, account_id), limit)

    def listed_rows(self) -> list[DeskRow]:
        """Return a row per agent on an investment account: sessions and pooled stakes."""
        rows = [
            desk_row(session, self.marks_for(session))
            for session in self.sessions.values()
            if session.account_id != POOL_ACCOUNT_ID
        ]
        return rows + self.owner_rows()


def _balance_at(owner: Owner, ts_ms: int) -> Decimal:
    before = [balance for at, balance, _, _ in owner.history if at < ts_ms]
    return before[-1] if before else ZERO


def _flows_since(owner: Owner, ts_ms: int) -> Decimal:
    return sum((flow for at, _, flow, _ in owner.history if at >= ts_ms), ZERO)
