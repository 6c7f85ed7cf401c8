"""The journal: sessions and their history, intents, the audit chain, the platform's tables.

Revision ID: 0001_journal
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from trading_agents.journal.tables import PLATFORM_SCHEMA, Money

revision = "0001_journal"
down_revision = None
branch_labels = None
depends_on = None


def _session_id() -> sa.Column[int]:
    return sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("agent_sessions.id", ondelete="CASCADE"),
        nullable=False,
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _platform_tables() -> str:
    """Return "create" unless the platform owns its tables ("existing")."""
    config = op.get_context().config
    return "create" if config is None else str(config.attributes.get("platform_tables", "create"))


def upgrade() -> None:
    """Create the journal's tables, and the platform's unless the platform owns them."""
    op.create_table(
        "agent_sessions",
        _id(),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("symbols", sa.String(256), nullable=False),
        sa.Column("initial_equity", Money, nullable=False),
        sa.Column("started_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
    )
    op.create_index("ix_agent_sessions_agent_account", "agent_sessions", ["agent", "account_id"])
    op.create_table(
        "orders",
        _id(),
        _session_id(),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("venue_order_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("session_id", "client_order_id", name="uq_orders_session_client_id"),
    )
    op.create_table(
        "fills",
        _id(),
        _session_id(),
        sa.Column("trade_id", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("quantity", Money, nullable=False),
        sa.Column("price", Money, nullable=False),
        sa.Column("fee", Money, nullable=False),
        sa.Column("realized_pnl", Money, nullable=False),
        sa.Column("is_liquidation", sa.Boolean, nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("session_id", "trade_id", name="uq_fills_session_trade_id"),
    )
    op.create_table(
        "round_trips",
        _id(),
        _session_id(),
        sa.Column("trade_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("opened_ms", sa.BigInteger, nullable=False),
        sa.Column("closed_ms", sa.BigInteger, nullable=False),
        sa.Column("net_pnl", Money, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("session_id", "trade_id", name="uq_round_trips_session_trade_id"),
    )
    op.create_table(
        "equity_marks",
        _id(),
        _session_id(),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("equity", Money, nullable=False),
        sa.Column("net_deposits", Money, nullable=False),
        sa.UniqueConstraint("session_id", "ts_ms", name="uq_equity_marks_session_ts"),
    )
    op.create_table(
        "decisions",
        _id(),
        _session_id(),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("session_id", "sequence", name="uq_decisions_session_sequence"),
    )
    op.create_table(
        "cash_flows",
        _id(),
        _session_id(),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("session_id", "flow_id", name="uq_cash_flows_session_flow"),
    )
    op.create_table(
        "order_intents",
        _id(),
        _session_id(),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("settled_ms", sa.BigInteger, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint(
            "session_id", "client_order_id", name="uq_order_intents_session_client_id"
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entry_id", sa.String(32), nullable=False, unique=True),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "market_cursor",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_close_ms", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
    )
    if _platform_tables() == "create":
        _create_platform_tables()


def _create_platform_tables() -> None:
    """Create the platform's two tables, as DESIGN.md lists their columns."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    schema = None if sqlite else PLATFORM_SCHEMA
    if not sqlite:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {PLATFORM_SCHEMA}")
    big_id = sa.BigInteger().with_variant(sa.Integer, "sqlite")

    def created() -> sa.Column[object]:
        return sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        )

    op.create_table(
        "account_transactions",
        sa.Column("id", big_id, primary_key=True),
        sa.Column("account_id", sa.String(128), nullable=False, index=True),
        sa.Column("transaction_type", sa.String(32), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("balance_before", Money, nullable=False),
        sa.Column("balance_after", Money, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("reference_type", sa.String(32), nullable=False),
        sa.Column("reference_id", sa.String(128), nullable=False),
        created(),
        schema=schema,
    )
    op.create_table(
        "performance_snapshots",
        sa.Column("id", big_id, primary_key=True),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("snapshot_date", sa.Date, nullable=False),
        sa.Column("period_type", sa.String(16), nullable=False),
        sa.Column("opening_balance", Money, nullable=False),
        sa.Column("closing_balance", Money, nullable=False),
        sa.Column("profit_loss", Money, nullable=False),
        sa.Column("total_trades", sa.Integer, nullable=False),
        sa.Column("winning_trades", sa.Integer, nullable=False),
        created(),
        sa.UniqueConstraint(
            "account_id", "snapshot_date", "period_type", name="uq_performance_snapshots_day"
        ),
        schema=schema,
    )


def downgrade() -> None:
    """Drop what `upgrade` created; the platform's tables only if this migration made them."""
    if _platform_tables() == "create":
        schema = None if op.get_bind().dialect.name == "sqlite" else PLATFORM_SCHEMA
        op.drop_table("performance_snapshots", schema=schema)
        op.drop_table("account_transactions", schema=schema)
    for table in (
        "market_cursor",
        "audit_head",
        "audit_log",
        "order_intents",
        "cash_flows",
        "decisions",
        "equity_marks",
        "round_trips",
        "fills",
        "orders",
        "agent_sessions",
    ):
        op.drop_table(table)
