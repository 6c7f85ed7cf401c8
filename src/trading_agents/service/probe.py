"""What the desk's observers (the metrics page, the alert rules) read of it, in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from trading_agents.service.desk import TradingDesk
from trading_agents.service.sessions import AgentSession


@dataclass(frozen=True, slots=True)
class DeskProbe:
    """Where the desk's state is read from when an observer asks, given by the composition root."""

    sessions: Callable[[], Iterable[AgentSession]]
    marks: Callable[[AgentSession], Mapping[str, Decimal]]  # a session's latest marks
    journal_state: Callable[[], str]  # ok, degraded: ..., failing: ...
    journal_spooled: Callable[[], int]  # batches waiting on disk for the database
    market_state: Callable[[], str]  # starting, streaming, late: ..., ended, failed
    market_age_s: Callable[[], Mapping[str, float]]  # by symbol: seconds since its last candle
    ml_engine_state: Callable[[], str]  # off ..., starting, ok, degraded: ...
    # Each account whose venue stopped itself (a ban, a clock it cannot sign with), and why.
    venue_alerts: Callable[[], Mapping[tuple[str, str], str]]
    now_ms: Callable[[], int]  # the desk's clock: an LLM budget's days are the desk's days


def desk_probe(desk: TradingDesk, ml_engine_state: Callable[[], str]) -> DeskProbe:
    """Return where a desk is read from; the ML engine's state comes from its poller."""
    return DeskProbe(
        sessions=lambda: desk.sessions.values(),
        marks=desk.marks_for,
        journal_state=lambda: desk.keeper.state,
        journal_spooled=lambda: desk.journal.journal.spooled,
        market_state=lambda: desk.market_state,
        market_age_s=desk.market_age_s,
        ml_engine_state=ml_engine_state,
        venue_alerts=lambda: desk.binance.alerts,
        now_ms=desk.clock.now_ms,
    )
