"""The desk at a glance: one row per agent on an account, with totals, for the dashboard."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.core.decimals import ZERO
from trading_agents.risk.state import TradingState
from trading_agents.service.sessions import AgentSession, SessionStatus

_ACTIVE = TradingState.ACTIVE


@dataclass(frozen=True, slots=True)
class DeskRow:
    """One agent on one account, as the desk's table shows it."""

    agent: str
    account_id: str
    status: str
    mode: str
    brain: str
    trading_state: str
    symbols: tuple[str, ...]
    initial_equity: Decimal
    equity: Decimal
    pnl_today: Decimal  # equity against the day's start, its cash flows taken out
    pnl_total: Decimal  # equity less the money put in and taken out: every gain and cost so far
    current_drawdown: Decimal
    drawdown_limit: Decimal
    open_positions: int
    open_orders: int
    llm_cost_usd: Decimal | None
    warnings: tuple[str, ...]  # what a person should look at: halted, reducing, paused


@dataclass(frozen=True, slots=True)
class DeskTotals:
    """The desk's sums over every agent that runs or holds money."""

    agents: int
    running: int
    equity: Decimal
    pnl_today: Decimal
    pnl_total: Decimal
    open_positions: int
    warnings: int


def desk_row(session: AgentSession, marks: dict[str, Decimal]) -> DeskRow:
    """Return a session's row at the latest marks."""
    account = session.parts.account
    portfolio, risk = account.portfolio, account.risk
    ledger = portfolio.ledger
    equity = ledger.equity(marks)
    started = risk.day_start_equity
    brain = session.parts.brain
    state = risk.state
    warnings: list[str] = []
    if state is not _ACTIVE:
        warnings.append(f"trading {state}")
    if session.status is SessionStatus.PAUSED:
        warnings.append("paused")
    return DeskRow(
        session.agent,
        session.account_id,
        str(session.status),
        session.parts.venue.mode,
        session.profile.brain,
        str(state),
        session.symbols,
        session.initial_equity,
        equity,
        ZERO if started is None else equity - started,
        equity - (ledger.deposits - ledger.withdrawals),
        portfolio.current_drawdown,
        risk.limits.max_drawdown,
        len(ledger.open_positions()),
        sum(1 for order in account.orders.orders() if order.status.is_open),
        brain.counters.cost_usd if isinstance(brain, LlmBrain) else None,
        tuple(warnings),
    )


def llm_state(sessions: Iterable[AgentSession]) -> str:
    """Say how the LLM endpoints answer the agents that use them: off, ok, or degraded."""
    brains = [
        s.parts.brain
        for s in sessions
        if isinstance(s.parts.brain, LlmBrain) and s.status is not SessionStatus.STOPPED
    ]
    if not brains:
        return "off (no running agent uses the LLM brain)"
    cooling = sum(1 for brain in brains if brain.circuit.is_open)
    if cooling:
        return (
            f"degraded: {cooling} of {len(brains)} LLM agents' endpoints failed in a row and"
            " cool off (they hold meanwhile)"
        )
    return "ok"


def desk_totals(rows: Iterable[DeskRow]) -> DeskTotals:
    """Return the sums of the rows."""
    listed = list(rows)
    return DeskTotals(
        len(listed),
        sum(1 for row in listed if row.status == "running"),
        sum((row.equity for row in listed), ZERO),
        sum((row.pnl_today for row in listed), ZERO),
        sum((row.pnl_total for row in listed), ZERO),
        sum(row.open_positions for row in listed),
        sum(len(row.warnings) for row in listed),
    )
