"""Integration-wide fixtures: every service built in a test journals to its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.databases import KINDS, fresh_database
from tests.support.fake_alert_sinks import FakeAlertSinks
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk


@pytest.fixture(autouse=True)
def _journal_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point DATABASE_URL at a fresh SQLite file, never at the working folder's ./var."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRADING_AGENTS_SPOOL_DIR", str(tmp_path / "spool"))


@pytest.fixture
def sinks(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlertSinks]:
    """Run the fake alert sinks; a service built in the test sends its alerts there."""
    with FakeAlertSinks() as running:
        for name, value in {**running.env(), "ALERT_CHECK_INTERVAL": "0.05"}.items():
            monkeypatch.setenv(name, value)
        yield running


@pytest.fixture(params=KINDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Yield an empty database's URL: each test using it runs on SQLite and on PostgreSQL."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def replay_settings(tmp_path: Path) -> Settings:
    """Return the service's settings on a fresh SQLite journal and the replayed sample."""
    return Settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}",
        TRADING_AGENTS_SPOOL_DIR=str(tmp_path / "spool"),
        MARKET_DATA="replay",
    )


@pytest.fixture
async def replay_desk(replay_settings: Settings) -> AsyncIterator[TradingDesk]:
    """Yield a desk built as the service builds it; no candle comes unless a test steps it."""
    built = await build_desk(replay_settings)
    yield built
    await built.close()
