"""The alert rules: conditions read off the desk, and events of the account streams.

A condition (a tripped kill switch, a journal outage, stale market data) alerts when it
starts to hold, once; a journal outage's end alerts too. An event (a liquidation, a repair by
reconciliation) alerts as it is published.
"""

from __future__ import annotations

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.events.types import AccountEvent, Repaired
from trading_agents.model.reports import FillReport
from trading_agents.service.probe import DeskProbe
from trading_agents.service.sessions import SessionStatus

Condition = tuple[str, str]  # (rule, subject)


def subject_of(agent: str, account_id: str) -> str:
    """Name an agent on an account, as alerts say it."""
    return f"{agent}@{account_id}"


def conditions(facts: DeskProbe) -> dict[Condition, str]:
    """Return every alerting condition that holds now, with what it says."""
    held: dict[Condition, str] = {}
    now_ms = facts.now_ms()
    for session in facts.sessions():
        # Read every second over every session, between the desk's calls: nothing is built
        # for a session unless one of its conditions holds.
        risk = session.parts.account.risk
        brain = session.parts.brain
        llm = brain if isinstance(brain, LlmBrain) else None
        spent = llm is not None and llm.budget_spent(now_ms)
        if not (risk.kill_switch_tripped or risk.circuit_breaker_open or spent):
            continue
        if session.status is SessionStatus.STOPPED:
            continue
        subject = subject_of(session.agent, session.account_id)
        if risk.kill_switch_tripped:
            held[("kill_switch", subject)] = (
                f"drawdown {risk.drawdown:.2%} reached the limit of"
                f" {risk.limits.max_drawdown:.2%}: only reducing orders pass until a person"
                " resets it"
            )
        if risk.circuit_breaker_open:
            held[("circuit_breaker", subject)] = (
                "consecutive execution failures opened the circuit breaker: only reducing"
                " orders pass until a person resets it"
            )
        if spent and llm is not None:
            held[("llm_budget_spent", subject)] = (
                f"the daily LLM budget of {llm.daily_budget_usd} USD is spent: the agent"
                " holds until the UTC day ends"
            )
    journal = facts.journal_state()
    if journal != "ok":
        held[("journal_outage", "journal")] = journal
    market = facts.market_state()
    if market.startswith(("late", "failed")):
        held[("market_data_stale", "market data")] = market
    engine = facts.ml_engine_state()
    if engine.startswith("degraded"):
        held[("ml_engine_unreachable", "ML engine")] = engine
    for (agent, account_id), why in facts.venue_alerts().items():
        held[("venue_degraded", subject_of(agent, account_id))] = why
    return held


def alerting_event(event: AccountEvent) -> bool:
    """Tell whether an event is one the rules read: the subscription takes only those."""
    payload = event.payload
    return isinstance(payload, Repaired) or (
        isinstance(payload, FillReport) and payload.is_liquidation
    )


def from_event(event: AccountEvent) -> tuple[Condition, str] | None:
    """Return the alert an event raises, if it raises one."""
    payload = event.payload
    subject = subject_of(event.agent, event.account_id)
    if isinstance(payload, FillReport) and payload.is_liquidation:
        return (
            ("liquidation", f"{subject} {payload.symbol}"),
            f"{payload.symbol}: {payload.quantity} liquidated at {payload.price}, clearance fee"
            f" {payload.fee} USDT",
        )
    if isinstance(payload, Repaired):
        return ("reconciliation_repair", subject), payload.description
    return None
