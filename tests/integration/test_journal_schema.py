"""The journal's schema: migrations by command or at start, and the platform's own tables."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.audit_keys import service_audit_key
from tests.support.databases import fresh_database
from trading_agents.core.errors import ConfigurationError
from trading_agents.journal import platform, schema
from trading_agents.journal.store import Journal
from trading_agents.journal.tables import account_transactions

CLI = str(Path(sys.executable).parent / "trading-agents")


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=60)


async def test_db_upgrade_brings_an_empty_database_to_head_and_says_where(
    database_url: str,
) -> None:
    result = _cli(database_url, "db", "upgrade")

    assert result.returncode == 0, result.stderr
    assert "journal at the latest revision" in result.stdout
    journal = await Journal.open(
        database_url, service_audit_key(), upgrade=False
    )  # at head: no refusal
    await journal.close()


async def test_without_upgrading_an_old_schema_is_refused_with_what_to_do(
    database_url: str,
) -> None:
    with pytest.raises(ConfigurationError, match=r"revision none \(empty\).*db upgrade"):
        await Journal.open(database_url, service_audit_key(), upgrade=False)


def test_a_database_that_does_not_answer_fails_the_command_with_a_message() -> None:
    result = _cli("postgresql+asyncpg://postgres@127.0.0.1:1/none", "audit", "verify")

    assert result.returncode == 2
    assert "cannot be reached" in result.stderr


async def test_the_platforms_own_tables_are_written_as_they_are(tmp_path: Path) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        # The platform's tables, with columns of its own that we do not know about.
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("CREATE SCHEMA investment"))
            await connection.execute(
                text(
                    "CREATE TABLE investment.account_transactions (id bigserial PRIMARY KEY,"
                    " account_id text NOT NULL, transaction_type text NOT NULL,"
                    " amount numeric(20, 8) NOT NULL, balance_before numeric(20, 8),"
                    " balance_after numeric(20, 8), description text, reference_type text,"
                    " reference_id text, created_at timestamptz DEFAULT now(),"
                    " created_by text DEFAULT 'platform')"
                )
            )
        await engine.dispose()

        journal = await Journal.open(url, service_audit_key(), platform_tables="existing")
        try:
            async with journal.engine.begin() as connection:
                await platform.post(
                    connection,
                    [
                        platform.Posting(
                            "acc-1", 1, Decimal("12.5"), "profit", "BUY ...", "agent_trade", "t-1"
                        )
                    ],
                )
                found = (await connection.execute(select(account_transactions))).mappings().all()
                snapshots = await connection.execute(
                    text("SELECT to_regclass('investment.performance_snapshots')")
                )
            assert snapshots.scalar() is None  # "existing": our migration created nothing there
            assert [(r["amount"], r["balance_after"]) for r in found] == [
                (Decimal("12.5"), Decimal("12.5"))
            ]
            assert schema.head_revision() == "0004_pool_entries"
        finally:
            await journal.close()
