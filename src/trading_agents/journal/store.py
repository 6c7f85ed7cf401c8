"""The journal's storage: one transaction per batch, read back whole after a restart."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from trading_agents.core.errors import ConfigurationError
from trading_agents.journal.tables import (
    agent_sessions,
    cash_flows,
    decisions,
    equity_marks,
    fills,
    market_cursor,
    metadata,
    orders,
    round_trips,
)

log = logging.getLogger(__name__)
Row = dict[str, Any]
CURSOR = "service"


@dataclass
class JournalBatch:
    """Everything one step or one command changed, written in one transaction."""

    cursor: tuple[int, str] | None = None  # the last close stepped, and the data's source
    sessions: list[Row] = field(default_factory=list)  # id, status, updated_ms, snapshot
    orders: list[Row] = field(default_factory=list)
    fills: list[Row] = field(default_factory=list)
    trips: list[Row] = field(default_factory=list)
    marks: list[Row] = field(default_factory=list)
    decisions: list[Row] = field(default_factory=list)
    cash_flows: list[Row] = field(default_factory=list)


@dataclass
class StoredSession:
    """An agent session as stored: its row, and its history oldest first."""

    row: Row
    orders: list[Row] = field(default_factory=list)
    trips: list[Row] = field(default_factory=list)
    marks: list[Row] = field(default_factory=list)
    decisions: list[Row] = field(default_factory=list)


@dataclass
class StoredDesk:
    """What the journal holds for a restart: the market cursor and the latest sessions."""

    last_close_ms: int | None
    source: str | None
    sessions: list[StoredSession]


class Journal:
    """Write batches atomically and read the desk back, on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str) -> Journal:
        """Connect to the database at `url` and create the journal's tables if missing."""
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise ConfigurationError(f"DATABASE_URL is not a database URL: {error}") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_async_engine(parsed)
        except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as error:
            raise ConfigurationError(
                f"DATABASE_URL {parsed.render_as_string(hide_password=True)} needs an async"
                f" driver this install has (sqlite+aiosqlite://...): {error}"
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        log.info("journal: %s", parsed.render_as_string(hide_password=True))
        return cls(engine)

    async def close(self) -> None:
        """Close the connections."""
        await self.engine.dispose()

    async def start_session(self, row: Row, cash_flow: Row) -> int:
        """Store a new session with its first deposit; return its id."""
        async with self.engine.begin() as connection:
            result = await connection.execute(insert(agent_sessions).values(**row))
            session_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
            if not isinstance(session_id, int):
                raise RuntimeError("the database returned no id for the new session")
            await connection.execute(insert(cash_flows).values(session_id=session_id, **cash_flow))
        return session_id

    async def save(self, batch: JournalBatch) -> None:
        """Write the batch in one transaction: all of it or, on any error, none of it."""
        async with self.engine.begin() as connection:
            if batch.sessions:
                # One executemany: a thousand accounts marked at once are one round trip.
                await connection.execute(
                    agent_sessions.update()
                    .where(agent_sessions.c.id == bindparam("session_id"))
                    .values(
                        status=bindparam("status"),
                        updated_ms=bindparam("updated_ms"),
                        snapshot=bindparam("snapshot"),
                    ),
                    [
                        {"session_id": row["id"], **{k: v for k, v in row.items() if k != "id"}}
                        for row in batch.sessions
                    ],
                )
            if batch.orders:
                await self._upsert(
                    connection,
                    orders,
                    batch.orders,
                    ("session_id", "client_order_id"),
                    ("status", "updated_ms", "body"),
                )
            # Fills and trips are keyed by their ids: a batch written again adds nothing.
            for table, rows in ((fills, batch.fills), (round_trips, batch.trips)):
                if rows:
                    await self._upsert(connection, table, rows, ("session_id", "trade_id"), ())
            for table, rows in (
                (equity_marks, batch.marks),
                (decisions, batch.decisions),
                (cash_flows, batch.cash_flows),
            ):
                if rows:
                    await connection.execute(insert(table), rows)
            if batch.cursor is not None:
                last_close_ms, source = batch.cursor
                await self._upsert(
                    connection,
                    market_cursor,
                    [{"name": CURSOR, "last_close_ms": last_close_ms, "source": source}],
                    ("name",),
                    ("last_close_ms", "source"),
                )

    @staticmethod
    async def _upsert(
        connection: AsyncConnection,
        table: Table,
        rows: Sequence[Row],
        keys: tuple[str, ...],
        updated: tuple[str, ...],
    ) -> None:
        dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(table)
        if updated:
            statement = statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: statement.excluded[name] for name in updated},
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(keys))
        await connection.execute(statement, list(rows))

    async def load(self, keep_decisions: int) -> StoredDesk:
        """Read the cursor and each (agent, account)'s latest session with its history."""
        async with self.engine.connect() as connection:
            cursor = (
                await connection.execute(
                    select(market_cursor).where(market_cursor.c.name == CURSOR)
                )
            ).first()
            latest = (
                select(func.max(agent_sessions.c.id))
                .group_by(agent_sessions.c.agent, agent_sessions.c.account_id)
                .scalar_subquery()
            )
            rows = (
                await connection.execute(
                    select(agent_sessions)
                    .where(agent_sessions.c.id.in_(latest))
                    .order_by(agent_sessions.c.id)
                )
            ).mappings()
            sessions = {row["id"]: StoredSession(dict(row)) for row in rows}
            ids = list(sessions)
            for table, name in (
                (orders, "orders"),
                (round_trips, "trips"),
                (equity_marks, "marks"),
            ):
                found = await connection.execute(
                    select(table).where(table.c.session_id.in_(ids)).order_by(table.c.id)
                )
                for row in found.mappings():
                    getattr(sessions[row["session_id"]], name).append(dict(row))
            for session_id, stored in sessions.items():
                recent = await connection.execute(
                    select(decisions)
                    .where(decisions.c.session_id == session_id)
                    .order_by(decisions.c.id.desc())
                    .limit(keep_decisions)
                )
                stored.decisions = [dict(row) for row in reversed(list(recent.mappings()))]
        return StoredDesk(
            None if cursor is None else int(cursor.last_close_ms),
            None if cursor is None else str(cursor.source),
            list(sessions.values()),
        )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Use the write-ahead log: a killed process loses no committed batch, readers don't wait."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
