"""Pooled books: each investment account's units and value, as entries of the book's session.

Revision ID: 0004_pool_entries
Revises: 0003_venue_credentials
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from trading_agents.journal.tables import Money

revision = "0004_pool_entries"
down_revision = "0003_venue_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pool_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("agent_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("units", Money, nullable=False),
        sa.Column("unit_value", Money, nullable=False),
        sa.Column("balance", Money, nullable=False),
        sa.Column("share", Money, nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("session_id", "entry_id", name="uq_pool_entries_session_entry"),
    )
    op.create_index("ix_pool_entries_account", "pool_entries", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_pool_entries_account", "pool_entries")
    op.drop_table("pool_entries")
