"""The journal's tables: sessions and their history, the audit chain, the platform's tables.

This is the current model the code reads and writes; the schema itself is made by the
Alembic migrations in `journal/migrations/`, which keep its history.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData()
PLATFORM_SCHEMA = "investment"  # the platform's schema in PostgreSQL; SQLite has none


class Money(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC where the database has it, decimal text in SQLite."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick the column type: SQLite's NUMERIC would round through a float."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """Refuse a float; store text in SQLite."""
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return a Decimal whatever the column held."""
        return None if value is None else Decimal(str(value))


def _session_fk() -> Column[int]:
    return Column(
        "session_id", Integer, ForeignKey("agent_sessions.id", ondelete="CASCADE"), nullable=False
    )


agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agent", String(64), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("symbols", String(256), nullable=False),
    Column("initial_equity", Money, nullable=False),
    Column("started_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column("profile", Text, nullable=False),  # the settings it was started with, as JSON
    Column("snapshot", Text, nullable=False),  # its state but its history, as codec JSON
    Index("ix_agent_sessions_agent_account", "agent", "account_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("client_order_id", String(64), nullable=False),
    Column("venue_order_id", String(64), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("session_id", "client_order_id", name="uq_orders_session_client_id"),
)

fills = Table(
    "fills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("trade_id", String(64), nullable=False),
    Column("client_order_id", String(64), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("price", Money, nullable=False),
    Column("fee", Money, nullable=False),
    Column("realized_pnl", Money, nullable=False),
    Column("is_liquidation", Boolean, nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    UniqueConstraint("session_id", "trade_id", name="uq_fills_session_trade_id"),
)

round_trips = Table(
    "round_trips",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("trade_id", String(64), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("opened_ms", BigInteger, nullable=False),
    Column("closed_ms", BigInteger, nullable=False),
    Column("net_pnl", Money, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("session_id", "trade_id", name="uq_round_trips_session_trade_id"),
)

equity_marks = Table(
    "equity_marks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("ts_ms", BigInteger, nullable=False),
    Column("equity", Money, nullable=False),
    Column("net_deposits", Money, nullable=False),
    UniqueConstraint("session_id", "ts_ms", name="uq_equity_marks_session_ts"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("sequence", Integer, nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("session_id", "sequence", name="uq_decisions_session_sequence"),
)

cash_flows = Table(
    "cash_flows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("flow_id", String(64), nullable=False),  # made when the use case ran: retries keep it
    Column("kind", String(16), nullable=False),  # deposit or withdrawal; the start is a deposit
    Column("amount", Money, nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    UniqueConstraint("session_id", "flow_id", name="uq_cash_flows_session_flow"),
)

order_intents = Table(
    "order_intents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("client_order_id", String(64), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # pending, sent, refused, lost
    Column("created_ms", BigInteger, nullable=False),
    Column("settled_ms", BigInteger, nullable=True),
    Column("detail", Text, nullable=False),  # the venue's answer, or why it was settled so
    Column("body", Text, nullable=False),  # the intent, as codec JSON
    UniqueConstraint("session_id", "client_order_id", name="uq_order_intents_session_client_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", String(32), nullable=False, unique=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("agent", String(64), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# The last record written, in the same transaction: a log cut short no longer reaches it.
audit_head = Table(
    "audit_head",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# A request's answer kept under the caller's Idempotency-Key: a retry gets it again.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

# A pooled book's entries for the investment accounts owning units of it: what the platform
# tables of those accounts are derived from (events/types.py PoolEntry).
pool_entries = Table(
    "pool_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _session_fk(),
    Column("entry_id", String(64), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", Money, nullable=False),
    Column("units", Money, nullable=False),
    Column("unit_value", Money, nullable=False),
    Column("balance", Money, nullable=False),
    Column("share", Money, nullable=False),
    Column("reference", String(128), nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    UniqueConstraint("session_id", "entry_id", name="uq_pool_entries_session_entry"),
    Index("ix_pool_entries_account", "account_id"),
)

# An investment account's keys at a venue (its own Binance sub-account), sealed: see
# journal/credentials.py. Only the fingerprint is ever read back out of the service.
venue_credentials = Table(
    "venue_credentials",
    metadata,
    Column("account_id", String(128), primary_key=True),
    Column("venue", String(16), primary_key=True),
    Column("sealed", Text, nullable=False),
    Column("fingerprint", String(16), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

account_transactions = Table(
    "account_transactions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("account_id", String(128), nullable=False),
    Column("transaction_type", String(32), nullable=False),  # profit, loss, deposit, withdrawal
    Column("amount", Money, nullable=False),
    Column("balance_before", Money, nullable=False),
    Column("balance_after", Money, nullable=False),
    Column("description", Text, nullable=False),
    Column("reference_type", String(32), nullable=False),
    Column("reference_id", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    schema=PLATFORM_SCHEMA,
)

performance_snapshots = Table(
    "performance_snapshots",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("account_id", String(128), nullable=False),
    Column("snapshot_date", Date, nullable=False),
    Column("period_type", String(16), nullable=False),
    Column("opening_balance", Money, nullable=False),
    Column("closing_balance", Money, nullable=False),
    Column("profit_loss", Money, nullable=False),
    Column("total_trades", Integer, nullable=False),
    Column("winning_trades", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    UniqueConstraint(
        "account_id", "snapshot_date", "period_type", name="uq_performance_snapshots_day"
    ),
    schema=PLATFORM_SCHEMA,
)

market_cursor = Table(
    "market_cursor",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("last_close_ms", BigInteger, nullable=False),
    Column("source", String(256), nullable=False),
)
