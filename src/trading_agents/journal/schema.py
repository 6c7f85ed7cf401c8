"""Bring the database's schema to this version's head with Alembic, or check that it is there."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from trading_agents.core.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(platform_tables: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["platform_tables"] = platform_tables
    return config


def head_revision() -> str:
    """Return the revision this version of the code expects."""
    head = ScriptDirectory.from_config(_config("create")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations under {MIGRATIONS}")
    return head


async def upgrade(engine: AsyncEngine, platform_tables: str) -> str:
    """Apply every migration the database lacks; return the revision it is at now."""

    def run(connection: Connection) -> None:
        config = _config(platform_tables)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)
    return head_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the revision the database is at, None when it has none."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def require_head(engine: AsyncEngine) -> None:
    """Raise a ConfigurationError unless the database is at this version's revision."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise ConfigurationError(
            f"the journal's database is at revision {current or 'none (empty)'}, this version"
            f" needs {head}: run `trading-agents db upgrade` (the service upgrades by itself"
            " unless TRADING_AGENTS_DB_UPGRADE=false)"
        )
