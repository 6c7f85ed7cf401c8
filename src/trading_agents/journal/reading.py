"""Read the desk back from the journal: the market cursor and each account's latest session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from trading_agents.journal.tables import (
    agent_sessions,
    decisions,
    equity_marks,
    fills,
    market_cursor,
    order_intents,
    orders,
    pool_entries,
    round_trips,
)
from trading_agents.model.enums import OrderStatus

Row = dict[str, Any]
CURSOR = "service"


@dataclass
class StoredSession:
    """An agent session as stored: its row, and its history oldest first."""

    row: Row
    orders: list[Row] = field(default_factory=list)
    trips: list[Row] = field(default_factory=list)
    marks: list[Row] = field(default_factory=list)
    decisions: list[Row] = field(default_factory=list)
    pending_intents: list[str] = field(default_factory=list)  # client order ids
    # What a real venue needs to pick up where a run stopped, for its open orders and pending
    # intents only: the intents as stored (with their exits), and the trades already booked.
    intent_bodies: dict[str, str] = field(default_factory=dict)  # by client order id
    booked_trades: list[tuple[str, str]] = field(default_factory=list)  # (symbol, trade id)
    pool_entries: list[Row] = field(default_factory=list)  # a pooled book's, oldest first


@dataclass
class StoredDesk:
    """What the journal holds for a restart: the market cursor and the latest sessions."""

    last_close_ms: int | None
    source: str | None
    sessions: list[StoredSession]


async def read_desk(connection: AsyncConnection, keep_decisions: int) -> StoredDesk:
    """Read the cursor and each (agent, account)'s latest session with its history."""
    cursor = (
        await connection.execute(select(market_cursor).where(market_cursor.c.name == CURSOR))
    ).first()
    latest = (
        select(func.max(agent_sessions.c.id))
        .group_by(agent_sessions.c.agent, agent_sessions.c.account_id)
        .scalar_subquery()
    )
    return StoredDesk(
        None if cursor is None else int(cursor.last_close_ms),
        None if cursor is None else str(cursor.source),
        await read_sessions(connection, latest, keep_decisions),
    )


async def read_sessions(
    connection: AsyncConnection, ids: Any, keep_decisions: int
) -> list[StoredSession]:
    """Read the sessions whose ids `ids` gives (a list or a subquery) with their history."""
    rows = (
        await connection.execute(
            select(agent_sessions).where(agent_sessions.c.id.in_(ids)).order_by(agent_sessions.c.id)
        )
    ).mappings()
    sessions = {row["id"]: StoredSession(dict(row)) for row in rows}
    ids = list(sessions)
    for table, name in (
        (orders, "orders"),
        (round_trips, "trips"),
        (equity_marks, "marks"),
        (pool_entries, "pool_entries"),
    ):
        found = await connection.execute(
            select(table).where(table.c.session_id.in_(ids)).order_by(table.c.id)
        )
        for row in found.mappings():
            getattr(sessions[row["session_id"]], name).append(dict(row))
    pending = await connection.execute(
        select(order_intents.c.session_id, order_intents.c.client_order_id)
        .where(order_intents.c.session_id.in_(ids), order_intents.c.state == "pending")
        .order_by(order_intents.c.id)
    )
    for session_id, cid in pending:
        sessions[session_id].pending_intents.append(str(cid))
    for session_id, stored in sessions.items():
        await _read_unfinished(connection, session_id, stored)
    for session_id, stored in sessions.items():
        recent = await connection.execute(
            select(decisions)
            .where(decisions.c.session_id == session_id)
            .order_by(decisions.c.id.desc())
            .limit(keep_decisions)
        )
        stored.decisions = [dict(row) for row in reversed(list(recent.mappings()))]
    return list(sessions.values())


async def _read_unfinished(
    connection: AsyncConnection, session_id: int, stored: StoredSession
) -> None:
    """Read the intents and booked trades of the orders a session left open or pending."""
    unfinished = set(stored.pending_intents) | {
        str(order["client_order_id"])
        for order in stored.orders
        if OrderStatus(order["status"]).is_open
    }
    if not unfinished:
        return
    cids = sorted(unfinished)
    bodies = await connection.execute(
        select(order_intents.c.client_order_id, order_intents.c.body).where(
            order_intents.c.session_id == session_id,
            order_intents.c.client_order_id.in_(cids),
        )
    )
    stored.intent_bodies = {str(cid): str(body) for cid, body in bodies if body}
    trades = await connection.execute(
        select(fills.c.symbol, fills.c.trade_id).where(
            fills.c.session_id == session_id, fills.c.client_order_id.in_(cids)
        )
    )
    stored.booked_trades = [(str(symbol), str(trade)) for symbol, trade in trades]
