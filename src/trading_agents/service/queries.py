"""What the service answers about an agent: status, metrics, positions, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.agents.brains.llm_parts import LlmCounters
from trading_agents.core.clock import iso_utc
from trading_agents.core.decimals import ZERO
from trading_agents.model.enums import OrderType
from trading_agents.risk.verdicts import Denied
from trading_agents.service.exchanges import tool_calls_of
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
    current_drawdown: Decimal  # the kill switch's own reading, updated at every fill and mark
    max_drawdown: Decimal
    drawdown_limit: Decimal  # where the kill switch trips
    sharpe: float | None  # on daily returns of the equity marks, as backtests report it
    sortino: float | None
    equity: Decimal
    llm: LlmCounters | None  # calls made and skipped, tokens, dollars; None for the rule brain


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


def equity_of(session: AgentSession, marks: dict[str, Decimal]) -> Decimal:
    """Return the account's equity at the latest marks."""
    return session.parts.account.portfolio.ledger.equity(marks)


def status_of(session: AgentSession, marks: dict[str, Decimal], market_data: str) -> StatusView:
    """Return the session's status view."""
    return StatusView(
        session.agent,
        session.account_id,
        str(session.status),
        _mode(session),
        market_data,
        session.symbols,
        session.profile.brain,
        str(session.parts.account.risk.state),
        session.initial_equity,
        equity_of(session, marks),
        iso_utc(session.started_ms),
    )


def _mode(session: AgentSession) -> str:
    """Say where the session trades: paper, or Binance on demo or live money."""
    return session.parts.venue.mode


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
        session.parts.account.risk.limits.max_drawdown,
        metrics.sharpe,
        metrics.sortino,
        equity_of(session, marks),
        session.parts.brain.counters if isinstance(session.parts.brain, LlmBrain) else None,
    )


def positions_of(session: AgentSession, marks: dict[str, Decimal]) -> list[PositionView]:
    """Return the session's open positions at the latest marks."""
    views = []
    for position in session.parts.account.portfolio.ledger.open_positions():
        mark = marks.get(position.symbol)
        unrealized = ZERO if mark is None else position.unrealized_pnl(mark)
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


@dataclass(frozen=True, slots=True)
class OrderView:
    """One order the agent sent, and where it is in its life."""

    client_order_id: str
    symbol: str
    side: str
    order_type: str
    time_in_force: str | None  # of a limit order: "gtc" rests, "ioc" trades at once or expires
    quantity: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    reduce_only: bool
    status: str
    filled_quantity: Decimal
    created_at: str


@dataclass(frozen=True, slots=True)
class TradeView:
    """One round trip: opened from flat and back to flat."""

    trade_id: str
    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    opened_at: str
    closed_at: str
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    net_pnl: Decimal
    liquidated: bool
    exit_reason: str  # an ExitReason: signal, stop_loss, take_profit, risk, stop_command, ...


@dataclass(frozen=True, slots=True)
class DecisionView:
    """One decision with its reasoning, the risk verdicts and what the venue said."""

    sequence: int
    at: str
    trigger: str
    symbol: str
    action: str
    reasoning: str
    confidence: Decimal | None
    verdicts: tuple[str, ...]
    orders: tuple[str, ...]
    signal_id: str | None
    brain: str
    tokens: int | None  # input and output, for an LLM decision
    cost_usd: Decimal | None
    tool_calls: tuple[dict[str, str], ...] = ()  # an LLM decision's calls: name, JSON arguments


def orders_of(session: AgentSession, limit: int) -> list[OrderView]:
    """Return the session's latest orders, newest last."""
    orders = session.parts.account.orders.orders()[-limit:]
    return [
        OrderView(
            o.client_order_id,
            o.intent.symbol,
            str(o.intent.side),
            str(o.intent.order_type),
            str(o.intent.time_in_force) if o.intent.order_type is OrderType.LIMIT else None,
            o.intent.quantity,
            o.intent.price,
            o.intent.trigger_price,
            o.intent.reduce_only,
            str(o.status),
            o.filled_quantity,
            iso_utc(o.created_ms),
        )
        for o in orders
    ]


def trades_of(session: AgentSession, limit: int) -> list[TradeView]:
    """Return the session's latest round trips, newest last."""
    trips = list(session.parts.account.portfolio.trades)[-limit:]
    return [
        TradeView(
            t.trade_id,
            t.symbol,
            str(t.side).lower(),
            t.quantity,
            t.entry_price,
            t.exit_price,
            iso_utc(t.opened_ms),
            iso_utc(t.closed_ms),
            t.realized_pnl,
            t.fees,
            t.funding,
            t.net_pnl,
            t.liquidated,
            str(t.exit_reason),
        )
        for t in trips
    ]


def equity_curve_of(session: AgentSession, limit: int) -> list[tuple[str, Decimal, Decimal]]:
    """Return the latest equity marks as (time, equity, net deposits by then), oldest first."""
    points = list(session.parts.account.portfolio.equity_curve)[-limit:]
    return [(iso_utc(point.ts_ms), point.equity, point.net_deposits) for point in points]


def decisions_of(session: AgentSession, limit: int) -> list[DecisionView]:
    """Return the session's latest decisions, newest last."""
    views = []
    for record in session.decisions.records[-limit:]:
        usage = record.decision.usage
        verdicts = tuple(
            f"{check.role}: denied ({check.verdict.code}) {check.verdict.reason}"
            if isinstance(check.verdict, Denied)
            else f"{check.role}: approved"
            for check in record.checks
        )
        orders = tuple(
            f"{o.role} {o.client_order_id}: {o.status}" + (f" ({o.error})" if o.error else "")
            for o in record.orders
        )
        views.append(
            DecisionView(
                record.sequence,
                iso_utc(record.ts_ms),
                str(record.trigger),
                record.symbol,
                str(record.decision.action),
                record.decision.reasoning,
                record.decision.confidence,
                verdicts,
                orders,
                record.signal_id,
                record.brain,
                None if usage is None else usage.input_tokens + usage.output_tokens,
                None if usage is None else usage.cost_usd,
                tool_calls_of(record.decision.exchange),
            )
        )
    return views
