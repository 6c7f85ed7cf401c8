"""Alembic's environment: run the migrations on the connection the journal hands over."""

from __future__ import annotations

from alembic import context

from trading_agents.journal.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through `trading-agents db upgrade` (journal/schema.py), which hands"
        " Alembic its connection"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    include_schemas=True,
)
with context.begin_transaction():
    context.run_migrations()
