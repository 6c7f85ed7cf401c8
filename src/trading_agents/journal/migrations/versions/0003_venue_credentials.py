"""Venue credentials: each investment account's own keys at a venue, sealed at rest.

Revision ID: 0003_venue_credentials
Revises: 0002_idempotency
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_venue_credentials"
down_revision = "0002_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venue_credentials",
        sa.Column("account_id", sa.String(128), primary_key=True),
        sa.Column("venue", sa.String(16), primary_key=True),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("venue_credentials")
