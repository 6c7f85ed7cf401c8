"""PostgreSQL cut off mid-trading: agents reduce, the journal spools, and every row lands once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.databases import fresh_database
from tests.support.tcp_proxy import TcpProxy
from trading_agents.config.settings import Settings
from trading_agents.engine.moments import moments
from trading_agents.journal.tables import (
    account_transactions,
    agent_sessions,
    audit_log,
    cash_flows,
    decisions,
    equity_marks,
    fills,
    round_trips,
)
from trading_agents.model.orders import OrderFilled, OrderPartiallyFilled
from trading_agents.model.signals import SignalAction
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Unavailable


@pytest.fixture
async def proxied(tmp_path: Path) -> AsyncIterator[tuple[str, TcpProxy]]:
    """Yield a fresh PostgreSQL database's URL through a proxy the test can cut."""
    async with fresh_database("postgresql", tmp_path) as url:
        with TcpProxy(("127.0.0.1", 5432)) as proxy:
            yield url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), proxy


async def _steps(desk: TradingDesk, stream: AsyncIterator[Any], count: int) -> None:
    for _ in range(count):
        await desk.step(await anext(stream))


async def _count(desk: TradingDesk, table: Any, session_id: int | None = None) -> int:
    statement = select(func.count()).select_from(table)
    if session_id is not None:
        statement = statement.where(table.c.session_id == session_id)
    async with desk.journal.journal.engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one())


async def test_an_outage_spools_everything_and_writes_it_exactly_once(
    proxied: tuple[str, TcpProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy = proxied
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "1000000")
    desk = await build_desk(Settings())
    stream = aiter(moments(desk.source.feed, desk.symbols))
    try:
        await desk.start("nova", "acc-1", Decimal(10_000))
        await desk.start("atlas", "acc-2", Decimal(10_000))
        await _steps(desk, stream, 120)
        buy = (SignalAction.BUY, Decimal("0.85"), Decimal(105_800))
        assert (await desk.signal("atlas", "acc-2", "BTCUSDT", *buy))["decision"].action == "open"

        proxy.cut()
        await _steps(desk, stream, 150)  # trading goes on: candles, marks, decisions
        assert desk.keeper.state.startswith("degraded: ")
        await desk.deposit("nova", "acc-1", Decimal(500))
        refused = await desk.signal("atlas", "acc-2", "ETHUSDT", *buy)
        assert [check.verdict.code for check in refused["checks"]] == ["trading_reducing"]
        await desk.stop("atlas", "acc-2", keep_positions=False)  # a close still goes out
        with pytest.raises(Unavailable, match="cannot be reached"):
            await desk.start("orion", "acc-3", Decimal(1_000))
        await _steps(desk, stream, 150)
        assert desk.journal.journal.spooled > 0

        proxy.restore()
        for _ in range(100):
            if desk.keeper.state == "ok":
                break
            await asyncio.sleep(0.1)
        assert desk.keeper.state == "ok"
        assert desk.journal.journal.spooled == 0
        nova = desk.session("nova", "acc-1")
        assert nova.parts.account.risk.state == "active"  # new entries allowed again
        await _steps(desk, stream, 30)

        for session in (nova, desk.session("atlas", "acc-2")):
            sid, account = session.journal_id, session.parts.account
            filled = sum(
                isinstance(event, OrderFilled | OrderPartiallyFilled)
                for order in session.parts.venue.exchange.orders()
                for event in order.events
            )
            assert await _count(desk, fills, sid) == filled
            assert await _count(desk, round_trips, sid) == len(account.portfolio.trades)
            assert await _count(desk, decisions, sid) == account.runner.sequence
            assert await _count(desk, equity_marks, sid) == len(account.portfolio.equity_curve)
        atlas = desk.session("atlas", "acc-2")
        assert len(atlas.parts.account.portfolio.trades) == 1  # closed during the outage
        assert await _count(desk, cash_flows) == 3  # two starts and the deposit
        async with desk.journal.journal.engine.connect() as connection:
            chain = (
                (
                    await connection.execute(
                        select(account_transactions.c.balance_after)
                        .where(account_transactions.c.account_id == "acc-2")
                        .order_by(account_transactions.c.id)
                    )
                )
                .scalars()
                .all()
            )
        assert len(chain) == 2  # the start, the trade: once each
        assert chain[-1] == atlas.parts.account.portfolio.ledger.wallet_balance
        count, problem = await desk.journal.journal.verify_audit()
        assert problem is None
        assert count == await _count(desk, audit_log)
        assert await _count(desk, agent_sessions) == 2
    finally:
        await desk.close()
