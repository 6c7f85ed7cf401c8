"""Turn what a session did into the journal's rows, the platform's postings and audit records."""

from __future__ import annotations

import json
from typing import Any

from trading_agents.agents.state import DecisionRecord
from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.codec import Codec
from trading_agents.journal.platform import Posting, trade_description
from trading_agents.journal.reading import Row
from trading_agents.journal.store import JournalBatch
from trading_agents.model.enums import PositionSide
from trading_agents.model.orders import Order
from trading_agents.model.reports import FillReport
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.trades import RoundTrip
from trading_agents.service.sessions import AgentSession, CashFlow


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


def add_trip(batch: JournalBatch, session: AgentSession, trip: RoundTrip, codec: Codec) -> None:
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
    batch.postings.append(((sid, trip.trade_id), posting))


def add_cash_flow(batch: JournalBatch, session: AgentSession, flow: CashFlow) -> None:
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
    batch.postings.append(((sid, flow.flow_id), posting))
    body = {"flow_id": flow.flow_id, "kind": flow.kind, "amount": str(flow.amount)}
    batch.audit.append(AuditEntry(flow.ts_ms, "cash_flow", session.agent, session.account_id, body))


def mark_row(session_id: int, point: EquityPoint) -> Row:
    """Return an equity mark as its row."""
    return {
        "session_id": session_id,
        "ts_ms": point.ts_ms,
        "equity": point.equity,
        "net_deposits": point.net_deposits,
    }


def add_decision(
    batch: JournalBatch, session: AgentSession, record: DecisionRecord, codec: Codec
) -> None:
    """Add a decision's row and its audit record: inputs, verdicts, orders, venue answers."""
    batch.decisions.append(
        {
            "session_id": session.journal_id,
            "sequence": record.sequence,
            "ts_ms": record.ts_ms,
            "symbol": record.symbol,
            "action": str(record.decision.action),
            "trigger": str(record.trigger),
            "body": codec.dumps(record),
        }
    )
    body: dict[str, Any] = {
        "record": codec.encode(record),
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
