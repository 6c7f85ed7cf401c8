"""What the service answers about an agent: status, metrics, positions, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading_agents.core.clock import to_datetime
from trading_agents.core.decimals import ZERO
from trading_agents.service.sessions import AgentSession


@dataclass(frozen=True, slots=True)
class StatusView:
    """An agent session's state."""

    agent: str
    account_id: str
    status: str
    mode: str
    market_data: str
    symbols: tuple[str, ...]
    brain: str
    trading_state: str
    initial_equity: Decimal
    equity: Decimal
    started_at: str


@dataclass(frozen=True, slots=True)
class MetricsView:
    """The figures the platform reads: profit, loss, win rate, trades, drawdown."""

    agent: str
    account_id: str
    total_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: Decimal
    total_profit: Decimal
    total_loss: Decimal
    net_profit: Decimal
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    current_drawdown: Decimal
    max_drawdown: Decimal
    equity: Decimal


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open position with its mark."""

    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    mark_price: Decimal | None
    unrealized_pnl: Decimal
    leverage: int
    margin: Decimal
    liquidation_price: Decimal | None


def _iso(ms: int) -> str:
    return to_datetime(ms).isoformat().replace("+00:00", "Z")


def equity_of(session: AgentSession, marks: dict[str, Decimal]) -> Decimal:
    """Return the account's equity at the latest marks."""
    return session.parts.account.portfolio.ledger.equity(marks)


def status_of(session: AgentSession, marks: dict[str, Decimal], market_data: str) -> StatusView:
    """Return the session's status view."""
    return StatusView(
        session.agent,
        session.account_id,
        str(session.status),
        "paper",
        market_data,
        session.symbols,
        session.profile.brain,
        str(session.parts.account.risk.state),
        session.initial_equity,
        equity_of(session, marks),
        _iso(session.started_ms),
    )


def metrics_of(session: AgentSession, marks: dict[str, Decimal]) -> MetricsView:
    """Return the session's metrics over its closed trades, and its equity now."""
    portfolio = session.parts.account.portfolio
    metrics = portfolio.metrics()
    return MetricsView(
        session.agent,
        session.account_id,
        metrics.total_trades,
        metrics.winning_trades,
        metrics.losing_trades,
        metrics.win_rate,
        metrics.total_profit,
        metrics.total_loss,
        metrics.net_profit,
        metrics.realized_pnl,
        metrics.fees,
        metrics.funding,
        portfolio.current_drawdown,
        portfolio.max_drawdown,
        equity_of(session, marks),
    )


def positions_of(session: AgentSession, marks: dict[str, Decimal]) -> list[PositionView]:
    """Return the session's open positions at the latest marks."""
    views = []
    for position in session.parts.account.portfolio.ledger.open_positions():
        mark = marks.get(position.symbol)
        unrealized = ZERO if mark is None else (mark - position.entry_price) * position.quantity
        views.append(
            PositionView(
                position.symbol,
                "long" if position.quantity > 0 else "short",
                abs(position.quantity),
                position.entry_price,
                mark,
                unrealized,
                position.leverage,
                position.margin,
                position.liquidation_price(),
            )
        )
    return views
