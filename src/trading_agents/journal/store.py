"""The journal's storage: one transaction per batch, read back whole after a restart."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Executable, Table, bindparam, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from trading_agents.core.errors import ConfigurationError, RetryableError
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.journal import audit, platform, schema
from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.codec import Codec
from trading_agents.journal.platform import Posting
from trading_agents.journal.reading import (
    CURSOR,
    Row,
    StoredDesk,
    StoredSession,
    read_desk,
    read_sessions,
)
from trading_agents.journal.spool import Spool
from trading_agents.journal.tables import (
    PLATFORM_SCHEMA,
    agent_sessions,
    audit_head,
    audit_log,
    cash_flows,
    decisions,
    equity_marks,
    fills,
    market_cursor,
    order_intents,
    orders,
    pool_entries,
    round_trips,
)

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 5.0
RETRY_FIRST_S = 0.5  # after an outage, the first retry; doubled up to RETRY_MAX_S
RETRY_MAX_S = 10.0
T = TypeVar("T")


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
    intents: list[Row] = field(default_factory=list)  # new or settled order intents
    pool_entries: list[Row] = field(default_factory=list)  # a pooled book's, per account
    # Platform rows, each posted only with the trip or cash flow it comes from, keyed
    # (session_id, trade_id or flow_id): written again, the batch posts nothing twice.
    postings: list[tuple[tuple[int, str], Posting]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


SPOOL_CODEC = Codec((JournalBatch, AuditEntry, Posting))


class JournalUnavailable(RetryableError):
    """The journal's database cannot be reached: what needs it now must wait."""


def unreachable(error: BaseException) -> bool:
    """Tell whether an error means the database cannot be reached (as opposed to a bug)."""
    if isinstance(error, OSError | TimeoutError):
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return False


class Journal:
    """Write batches atomically and read the desk back, on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine, audit_key: bytes, spool: Spool | None = None) -> None:
        self.engine = engine
        self._audit_key = audit_key  # the audit records' HMAC key
        # One writer at a time: the audit chain and the platform's balances go on from the
        # last row, so two transactions must not both start from it.
        self._writing = asyncio.Lock()
        self._spool = spool
        self.degraded = ""  # why batches go to the spool instead of the database
        self._retry_at = 0.0  # monotonic seconds: no attempt on the database before this
        self._backoff_s = RETRY_FIRST_S
        self._audit_head: tuple[int, str] | None = None  # as of the last commit
        self._keyed = False  # whether the log carries its keyed mark, as of the last read
        self._pending_head: tuple[int, str] | None = None  # what the open transaction makes it

    @classmethod
    async def open(
        cls,
        url: str,
        audit_key: bytes,
        upgrade: bool = True,
        platform_tables: str = "create",
        spool_dir: Path | None = None,
    ) -> Journal:
        """Connect to the database at `url`; bring its schema to head, or check it is there.

        `platform_tables` is "create" when our migration makes the platform's tables, and
        "existing" when the platform owns them and we write into them as they are. With a
        `spool_dir`, batches the database cannot take wait there; what an earlier run left
        in it is written before anything is read.
        """
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise ConfigurationError(f"DATABASE_URL is not a database URL: {error}") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has no schemas: the platform's tables live beside ours there.
        translate = {PLATFORM_SCHEMA: None} if parsed.get_backend_name() == "sqlite" else {}
        try:
            engine = create_async_engine(
                parsed,
                execution_options={"schema_translate_map": translate},
                # A server that does not answer must not hold a step for a minute.
                connect_args={"timeout": CONNECT_TIMEOUT_S}
                if parsed.drivername.endswith("asyncpg")
                else {},
            )
        except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as error:
            raise ConfigurationError(
                f"DATABASE_URL {parsed.render_as_string(hide_password=True)} needs an async"
                f" driver this install has (sqlite+aiosqlite://...): {error}"
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        where = parsed.render_as_string(hide_password=True)
        try:
            if upgrade:
                revision = await schema.upgrade(engine, platform_tables)
            else:
                await schema.require_head(engine)
                revision = schema.head_revision()
        except (OSError, DBAPIError) as error:
            await engine.dispose()
            raise ConfigurationError(
                f"the journal's database {where} cannot be reached: {error}"
            ) from None
        except BaseException:
            await engine.dispose()
            raise
        log.info("journal: %s at revision %s", where, revision)
        journal = cls(
            engine, audit_key, None if spool_dir is None else Spool(spool_dir, SPOOL_CODEC)
        )
        try:
            await journal._transaction(journal._key_the_log if upgrade else journal._check_the_key)
        except ConfigurationError:
            await engine.dispose()
            raise
        if journal.spooled and not await journal.drain():
            await engine.dispose()
            raise ConfigurationError(
                f"{journal.spooled} journal batches wait in {spool_dir} from an outage, and"
                f" {where} still cannot take them: {journal.degraded}"
            )
        return journal

    async def close(self) -> None:
        """Close the connections."""
        await self.engine.dispose()

    async def verify_audit(self) -> tuple[int, audit.AuditProblem | None]:
        """Check the audit chain under the key; return the records read and the first problem."""
        async with self.engine.connect() as connection:
            return await audit.verify(connection, self._audit_key)

    async def _check_the_key(self, connection: AsyncConnection) -> None:
        """Refuse a key the journal's keyed mark was not made with (no migration here)."""
        rows = await audit.heads(connection)
        keyed = rows.get(audit.KEYED)
        if keyed is not None and keyed[1] != audit.mark(self._audit_key, f"keyed-from:{keyed[0]}"):
            raise ConfigurationError(
                "the audit key is not the one this journal was written with: set AUDIT_KEY or"
                " AUDIT_KEY_FILE to that key"
            )

    async def _key_the_log(self, connection: AsyncConnection) -> None:
        """Migrate a log written before keys: records from the next one on are keyed.

        The mark and the head's HMAC pin what is there, so the old records cannot be edited
        unseen either. A log keyed already is left alone.
        """
        rows = await audit.heads(connection)
        if audit.KEYED in rows:
            keyed = rows[audit.KEYED]
            if keyed[1] != audit.mark(self._audit_key, f"keyed-from:{keyed[0]}"):
                raise ConfigurationError(
                    "the audit key is not the one this journal was written with: set AUDIT_KEY"
                    " or AUDIT_KEY_FILE to that key (started elsewhere, the service made a new"
                    " ./var/audit.key)"
                )
            return
        seq, hash_ = audit.head_of(rows)
        # The head's HMAC from the start, even of an empty log: a log wiped later shows.
        marks = [
            audit.keyed_row(self._audit_key, seq + 1),
            *audit.head_rows(self._audit_key, seq, hash_),
        ]
        await self._upsert(connection, audit_head, marks, ("name",), ("seq", "hash"))
        self._audit_head = None

    async def snapshot_accounts(
        self, through: date, accounts: Sequence[str] | None = None
    ) -> list[platform.DaySnapshot]:
        """Upsert each account's daily snapshots from its last one (or start) through `through`.

        The day `through` is written even when it was before: it may still be going on.
        """
        async with self._writing, self.engine.begin() as connection:
            if accounts is None:
                found = await connection.execute(select(agent_sessions.c.account_id).distinct())
                owners = await connection.execute(select(pool_entries.c.account_id).distinct())
                named = {str(account) for (account,) in [*found, *owners]}
                accounts = sorted(named - {POOL_ACCOUNT_ID})
            written: list[platform.DaySnapshot] = []
            for account in accounts:
                days = await platform.days_to_snapshot(connection, account, through)
                written += await platform.snapshot_days(connection, account, days)
        return written

    async def start_session(
        self, row: Row, batch: Callable[[int], JournalBatch], continues: int | None = None
    ) -> int:
        """Store a started session and what its start wrote (`batch`, given its id).

        `continues` names the stored session of the same agent and account whose books the
        start goes on with: its row takes the new settings and keeps its history. Returns
        the session's id.
        """
        if self.degraded:
            raise JournalUnavailable(
                f"the journal's database cannot be reached ({self.degraded}): a new agent"
                " starts once it is back"
            )

        async def insert_and_write(connection: AsyncConnection) -> int:
            if continues is not None:
                session_id: object = continues
                # The account's first start stays: its daily snapshots count from that day.
                kept = {key: value for key, value in row.items() if key != "started_ms"}
                await connection.execute(
                    agent_sessions.update().where(agent_sessions.c.id == continues).values(**kept)
                )
            else:
                result = await connection.execute(insert(agent_sessions).values(**row))
                key = result.inserted_primary_key
                session_id = key[0] if key else None
            if not isinstance(session_id, int):
                raise RuntimeError("the database returned no id for the new session")
            await self._write(connection, batch(session_id))
            return session_id

        async with self._writing:
            return await self._transaction(insert_and_write)

    def retry_in_s(self) -> float:
        """Return how long to wait before the next attempt on the database (0: try now).

        The one outage policy: after a failed attempt the wait doubles from RETRY_FIRST_S up
        to RETRY_MAX_S, and a write that succeeds resets it. Whoever retries follows it.
        """
        return max(0.0, self._retry_at - time.monotonic())

    @property
    def spooled(self) -> int:
        """Return how many batches wait in the spool."""
        return 0 if self._spool is None else len(self._spool)

    async def save(self, batch: JournalBatch) -> bool:
        """Write the batch in one transaction; return False if it went to the spool instead.

        While the database cannot be reached, batches are spooled durably, in order, and
        written once when it is back (by `drain`, or by a later `save` after the backoff).
        Without a spool, or on an error that is not about reaching the database, it raises.
        """
        async with self._writing:
            if self.spooled:
                assert self._spool is not None
                self._spool.append(batch)  # behind what waits already: order is kept
                if time.monotonic() >= self._retry_at:
                    await self._drain_spool()
                return not self.spooled
            try:
                await self._commit(batch)
            except Exception as error:
                if self._spool is None or not unreachable(error):
                    raise
                self._spool.append(batch)
                self._went_down(error)
                return False
            return True

    async def _commit(self, batch: JournalBatch, replay: bool = False) -> None:
        """Write one batch in its own transaction."""

        async def write(connection: AsyncConnection) -> None:
            await self._write(connection, batch, replay)

        await self._transaction(write)

    async def _transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in one transaction; keep the audit chain's head only once committed."""
        self._pending_head = None
        try:
            async with self.engine.begin() as connection:
                done = await work(connection)
        except BaseException:
            self._audit_head = None  # read again: the transaction may or may not have landed
            raise
        if self._pending_head is not None:
            self._audit_head = self._pending_head
        return done

    async def drain(self) -> bool:
        """Write what waits in the spool, oldest first; return True once nothing waits."""
        async with self._writing:
            return await self._drain_spool()

    async def _drain_spool(self) -> bool:
        if self._spool is None:
            return True
        for batch in self._spool.pending():
            if not isinstance(batch, JournalBatch):
                raise TypeError(f"the spool holds a {type(batch).__name__}, not a batch")
            try:
                await self._commit(batch, replay=True)
            except Exception as error:
                if not unreachable(error):
                    raise
                self._went_down(error)
                return False
            self._spool.mark_written(1)
        if self.degraded:
            log.warning("journal: the database is back; the spooled batches are written")
        self.degraded = ""
        self._backoff_s = RETRY_FIRST_S
        return True

    def _went_down(self, error: Exception) -> None:
        first_line = (str(error).splitlines() or [""])[0][:200]
        if not self.degraded:
            log.error("journal: the database cannot be reached (%s); spooling", first_line)
        self.degraded = f"{type(error).__name__}: {first_line}"
        self._retry_at = time.monotonic() + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, RETRY_MAX_S)

    async def _write(
        self, connection: AsyncConnection, batch: JournalBatch, replay: bool = False
    ) -> None:
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
        if batch.intents:
            await self._upsert(
                connection,
                order_intents,
                batch.intents,
                ("session_id", "client_order_id"),
                ("state", "settled_ms", "detail"),
            )
        # Every history row has its key: a batch written again (a retry, a spool replayed
        # after an outage) adds nothing, and posts to the platform only what is new.
        for table, rows, keys in (
            (fills, batch.fills, ("session_id", "trade_id")),
            (equity_marks, batch.marks, ("session_id", "ts_ms")),
            (decisions, batch.decisions, ("session_id", "sequence")),
        ):
            if rows:
                await self._upsert(connection, table, rows, keys, ())
        # Trips and cash flows say which of them are new: only those are posted.
        new: set[tuple[int, str]] = set()
        if batch.trips:
            keys = ("session_id", "trade_id")
            new |= await self._insert_new(connection, round_trips, batch.trips, keys)
        if batch.cash_flows:
            keys = ("session_id", "flow_id")
            new |= await self._insert_new(connection, cash_flows, batch.cash_flows, keys)
        if batch.pool_entries:
            keys = ("session_id", "entry_id")
            new |= await self._insert_new(connection, pool_entries, batch.pool_entries, keys)
        postings = [posting for source, posting in batch.postings if source in new]
        if postings:
            await platform.post(connection, postings)
        # A batch first written now has only new records; one replayed may have some already.
        entries = await self._unwritten(connection, batch.audit) if replay else batch.audit
        if entries:
            # The head read once, then kept: this journal is the log's only writer.
            if self._audit_head is None or replay:
                found = await audit.heads(connection)
                self._audit_head, self._keyed = audit.head_of(found), audit.KEYED in found
            key = self._audit_key
            rows = audit.chain(entries, *self._audit_head, key)
            await connection.execute(insert(audit_log), rows)
            marks = audit.head_rows(key, rows[-1]["seq"], rows[-1]["hash"])
            if not self._keyed:  # a log never keyed: keyed from its first record of now on
                marks.append(audit.keyed_row(key, rows[0]["seq"]))
            await self._upsert(connection, audit_head, marks, ("name",), ("seq", "hash"))
            self._pending_head = (rows[-1]["seq"], rows[-1]["hash"])
            self._keyed = True
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
    async def _unwritten(
        connection: AsyncConnection, entries: Sequence[AuditEntry]
    ) -> list[AuditEntry]:
        """Return the entries not in the log yet: a batch written again appends nothing."""
        if not entries:
            return []
        ids = [entry.entry_id for entry in entries]
        found = await connection.execute(
            select(audit_log.c.entry_id).where(audit_log.c.entry_id.in_(ids))
        )
        written = {str(entry_id) for (entry_id,) in found}
        return [entry for entry in entries if entry.entry_id not in written]

    @staticmethod
    async def _insert_new(
        connection: AsyncConnection, table: Table, rows: Sequence[Row], keys: tuple[str, str]
    ) -> set[tuple[int, str]]:
        """Insert the rows not stored yet; return the (session_id, id) of those inserted."""
        dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
        statement = (
            dialect.insert(table)
            .values(list(rows))
            .on_conflict_do_nothing(index_elements=list(keys))
            .returning(table.c[keys[0]], table.c[keys[1]])
        )
        inserted = await connection.execute(statement)
        return {(int(a), str(b)) for a, b in inserted}

    @staticmethod
    async def _upsert(
        connection: AsyncConnection,
        table: Table,
        rows: Sequence[Row],
        keys: tuple[str, ...],
        updated: tuple[str, ...],
    ) -> None:
        statement = _upsert_statement(connection.dialect.name, table, keys, updated)
        await connection.execute(statement, list(rows))

    async def load(self, keep_decisions: int) -> StoredDesk:
        """Read the cursor and each (agent, account)'s latest session with its history."""
        async with self.engine.connect() as connection:
            return await read_desk(connection, keep_decisions)

    async def cash_flows(self, agent: str, account_id: str, limit: int) -> list[Row]:
        """Return an agent's latest deposits and withdrawals on an account, every session's."""
        query = (
            select(cash_flows.c.flow_id, cash_flows.c.kind, cash_flows.c.amount, cash_flows.c.ts_ms)
            .join(agent_sessions, agent_sessions.c.id == cash_flows.c.session_id)
            .where(agent_sessions.c.agent == agent, agent_sessions.c.account_id == account_id)
            .order_by(cash_flows.c.ts_ms.desc(), cash_flows.c.id.desc())
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            found = (await connection.execute(query)).mappings().all()
        return [dict(row) for row in reversed(found)]

    async def load_session(self, session_id: int, keep_decisions: int) -> StoredSession:
        """Read one stored session with its history, as a restart would."""
        async with self.engine.connect() as connection:
            found = await read_sessions(connection, [session_id], keep_decisions)
        if not found:
            raise LookupError(f"the journal holds no session {session_id}")
        return found[0]


@functools.cache
def _upsert_statement(
    dialect_name: str, table: Table, keys: tuple[str, ...], updated: tuple[str, ...]
) -> Executable:
    """Build an insert that updates `updated` (or does nothing) on a key conflict, once."""
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement = dialect.insert(table)
    built: Executable
    if updated:
        built = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: statement.excluded[name] for name in updated},
        )
    else:
        built = statement.on_conflict_do_nothing(index_elements=list(keys))
    return built


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Use the write-ahead log: a killed process loses no committed batch, readers don't wait."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
