"""Turn an account's events into the journal's rows, the platform's postings and audit records.

The journal is the first consumer of every account's event stream: `add_events` maps each
event, in order, to what the journal keeps of it; events the journal keeps nothing of (an
order update, a funding payment, a risk-state change) pass. Each row has its key, so a batch
written twice adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from trading_agents.agents.state import DecisionRecord
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.events.types import (
    AccountEvent,
    CashFlowBooked,
    DecisionMade,
    EquityMarked,
    IntentSettled,
    LifecycleChanged,
    OrderChanged,
    PoolEntry,
    RiskReset,
    TripClosed,
)
from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.codec import Codec
from trading_agents.journal.platform import POSTED_SIGN, Posting, trade_description
from trading_agents.journal.reading import Row
from trading_agents.journal.store import JournalBatch
from trading_agents.model.enums import PositionSide
from trading_agents.model.orders import Order
from trading_agents.model.reports import BalanceAdjustment, FillReport
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.trades import RoundTrip


class SessionRef(Protocol):
    """Whose events they are: the session's row in the journal, its agent and account."""

    @property
    def journal_id(self) -> int: ...

    @property
    def agent(self) -> str: ...

    @property
    def account_id(self) -> str: ...


class CashFlow(NamedTuple):
    """Money moved in or out of an account, with the id that keeps it once-only."""

    flow_id: str
    kind: str  # deposit or withdrawal
    amount: Decimal
    ts_ms: int


def add_events(
    batch: JournalBatch,
    session: SessionRef,
    events: Sequence[AccountEvent],
    codec: Codec,
    now_ms: int,
) -> None:
    """Add what the journal keeps of each event, in the stream's order."""
    sid = session.journal_id
    # An order's latest state once, however often it moved; an intent's last word likewise.
    orders: dict[str, Row] = {}
    intents: dict[str, Row] = {}
    for event in events:
        match event.payload:
            case FillReport() as fill:
                batch.fills.append(fill_row(sid, fill))
            case BalanceAdjustment(kind="transfer") as moved:
                # Money moved at the exchange: the platform sees it as a deposit or withdrawal.
                kind = "deposit" if moved.amount > 0 else "withdrawal"
                flow = CashFlow(moved.adjustment_id, kind, abs(moved.amount), moved.ts_ms)
                add_cash_flow(batch, session, flow)
            case OrderChanged(order=order, venue_order_id=venue_id):
                orders.pop(order.client_order_id, None)
                orders[order.client_order_id] = order_row(sid, order, venue_id, now_ms, codec)
            case TripClosed(trip=trip):
                add_trip(batch, session, trip, codec)
            case EquityMarked(point=point):
                batch.marks.append(mark_row(sid, point))
            case DecisionMade(record=record):
                add_decision(batch, session, record, codec)
            case CashFlowBooked(flow_id=flow_id, kind=kind, amount=amount):
                add_cash_flow(batch, session, CashFlow(flow_id, kind, amount, event.ts_ms))
            case IntentSettled() as settled:
                intents[settled.client_order_id] = intent_row(sid, settled, event.ts_ms)
            case LifecycleChanged(use_case=use_case, status=status):
                body = {"use_case": use_case, "status": status}
                batch.audit.append(
                    AuditEntry(event.ts_ms, "lifecycle", session.agent, session.account_id, body)
                )
            case PoolEntry() as entry:
                add_pool_entry(batch, session, entry, event.ts_ms)
            case RiskReset(what=what, reason=reason):
                body = {"what": what, "reason": reason}
                batch.audit.append(
                    AuditEntry(event.ts_ms, "risk_reset", session.agent, session.account_id, body)
                )
            case _:
                pass  # news for the other consumers: the journal keeps no row of it
    batch.orders += orders.values()
    batch.intents += intents.values()


def intent_row(session_id: int, settled: IntentSettled, ts_ms: int) -> Row:
    """Return how an intent ended, as the update of its row."""
    return {
        "session_id": session_id,
        "client_order_id": settled.client_order_id,
        "symbol": "",
        "state": settled.state,
        "created_ms": ts_ms,
        "settled_ms": ts_ms,
        "detail": settled.detail,
        "body": "",
    }


def order_row(session_id: int, order: Order, venue_id: str, now_ms: int, codec: Codec) -> Row:
    """Return an order's latest state as its row."""
    return {
        "session_id": session_id,
        "client_order_id": order.client_order_id,
        "venue_order_id": venue_id,
        "symbol": order.intent.symbol,
        "status": str(order.status),
        "updated_ms": now_ms,
        "body": codec.dumps(order),
    }


def fill_row(session_id: int, fill: FillReport) -> Row:
    """Return a fill as its row, keyed by its trade id."""
    return {
        "session_id": session_id,
        "trade_id": fill.trade_id,
        "client_order_id": fill.client_order_id,
        "symbol": fill.symbol,
        "side": str(fill.side),
        "quantity": fill.quantity,
        "price": fill.price,
        "fee": fill.fee,
        "realized_pnl": fill.realized_pnl,
        "is_liquidation": fill.is_liquidation,
        "ts_ms": fill.ts_ms,
    }


def add_trip(batch: JournalBatch, session: SessionRef, trip: RoundTrip, codec: Codec) -> None:
    """Add a closed round trip, and its posting to the platform's account transactions."""
    sid = session.journal_id
    batch.trips.append(
        {
            "session_id": sid,
            "trade_id": trip.trade_id,
            "symbol": trip.symbol,
            "side": str(trip.side),
            "opened_ms": trip.opened_ms,
            "closed_ms": trip.closed_ms,
            "net_pnl": trip.net_pnl,
            "body": codec.dumps(trip),
        }
    )
    description = trade_description(
        trip.side is PositionSide.LONG,
        trip.symbol,
        trip.quantity,
        trip.entry_price,
        trip.exit_price,
    )
    posting = Posting(
        session.account_id,
        trip.closed_ms,
        trip.net_pnl,
        "profit" if trip.net_pnl > 0 else "loss",
        description,
        "agent_trade",
        trip.trade_id,
    )
    if session.account_id != POOL_ACCOUNT_ID:  # a pooled book posts per owner (PoolEntry)
        batch.postings.append(((sid, trip.trade_id), posting))


def add_cash_flow(batch: JournalBatch, session: SessionRef, flow: CashFlow) -> None:
    """Add a deposit or withdrawal, its posting and its audit record."""
    sid = session.journal_id
    batch.cash_flows.append(
        {
            "session_id": sid,
            "flow_id": flow.flow_id,
            "kind": flow.kind,
            "amount": flow.amount,
            "ts_ms": flow.ts_ms,
        }
    )
    change = flow.amount if flow.kind == "deposit" else -flow.amount
    posting = Posting(
        session.account_id,
        flow.ts_ms,
        change,
        flow.kind,
        f"{flow.kind} of {flow.amount} USDT for {session.agent}",
        f"agent_{flow.kind}",
        flow.flow_id,
    )
    if session.account_id != POOL_ACCOUNT_ID:
        batch.postings.append(((sid, flow.flow_id), posting))
    body = {"flow_id": flow.flow_id, "kind": flow.kind, "amount": str(flow.amount)}
    batch.audit.append(AuditEntry(flow.ts_ms, "cash_flow", session.agent, session.account_id, body))


def add_pool_entry(batch: JournalBatch, session: SessionRef, entry: PoolEntry, ts_ms: int) -> None:
    """Add a pooled book's entry for one owner, and its posting to that owner's ledger."""
    sid = session.journal_id
    batch.pool_entries.append(
        {
            "session_id": sid,
            "entry_id": entry.entry_id,
            "account_id": entry.account_id,
            "kind": entry.kind,
            "amount": entry.amount,
            "units": entry.units,
            "unit_value": entry.unit_value,
            "balance": entry.balance,
            "share": entry.share,
            "reference": entry.reference,
            "ts_ms": ts_ms,
        }
    )
    sign = POSTED_SIGN.get(entry.kind, 0)
    if sign == 0 or entry.amount == 0:
        return  # a queued request, or a round trip that left the account's value as it was
    trade = entry.kind in ("profit", "loss")
    what = f"value of its share of {session.agent}'s book" if trade else entry.kind
    posting = Posting(
        entry.account_id,
        ts_ms,
        sign * entry.amount,
        entry.kind,
        f"{what}: {entry.amount} USDT ({entry.units} units at {entry.unit_value})"
        if not trade
        else f"{what} after {entry.reference}: {sign * entry.amount} USDT",
        "agent_trade" if trade else f"agent_{entry.kind}",
        entry.entry_id,
    )
    batch.postings.append(((sid, entry.entry_id), posting))
    if not trade:
        body = {"entry_id": entry.entry_id, "kind": entry.kind, "amount": str(entry.amount)}
        batch.audit.append(AuditEntry(ts_ms, "pool_entry", session.agent, entry.account_id, body))


def mark_row(session_id: int, point: EquityPoint) -> Row:
    """Return an equity mark as its row."""
    return {
        "session_id": session_id,
        "ts_ms": point.ts_ms,
        "equity": point.equity,
        "net_deposits": point.net_deposits,
    }


def add_decision(
    batch: JournalBatch, session: SessionRef, record: DecisionRecord, codec: Codec
) -> None:
    """Add a decision's row and its audit record: inputs, verdicts, orders, venue answers."""
    encoded = codec.encode(record)  # once for both: the row's body and the audit record
    batch.decisions.append(
        {
            "session_id": session.journal_id,
            "sequence": record.sequence,
            "ts_ms": record.ts_ms,
            "symbol": record.symbol,
            "action": str(record.decision.action),
            "trigger": str(record.trigger),
            "body": codec.text(encoded),
        }
    )
    body: dict[str, Any] = {
        "record": encoded,
        "brain": record.brain,
        "latency_ms": record.latency_ms,
        "tokens": _tokens(record),
    }
    if record.decision.exchange is not None:
        # The whole exchange with the model: messages, tool calls and answers, usage.
        body["llm_exchange"] = json.loads(record.decision.exchange)
    batch.audit.append(AuditEntry(record.ts_ms, "decision", record.agent, record.account_id, body))


def _tokens(record: DecisionRecord) -> dict[str, Any] | None:
    """Return an LLM decision's calls, tokens and cost; None for the rule brain."""
    usage = record.decision.usage
    if usage is None:
        return None
    return {
        "model": usage.model,
        "calls": usage.calls,
        "input": usage.input_tokens,
        "output": usage.output_tokens,
        "cost_usd": str(usage.cost_usd),
    }
