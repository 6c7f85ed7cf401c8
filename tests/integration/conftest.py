"""Integration-wide fixtures: every service built in a test journals to its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import KINDS, fresh_database


@pytest.fixture(autouse=True)
def _journal_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point DATABASE_URL at a fresh SQLite file, never at the working folder's ./var."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRADING_AGENTS_SPOOL_DIR", str(tmp_path / "spool"))


@pytest.fixture(params=KINDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Yield an empty database's URL: each test using it runs on SQLite and on PostgreSQL."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url
