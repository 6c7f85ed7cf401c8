"""A day of round trips on real candles lands in the platform's tables with real balances."""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from trading_agents.config.settings import Settings
from trading_agents.engine.moments import moments
from trading_agents.journal.tables import account_transactions, performance_snapshots
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk

DAY = date(2025, 6, 3)  # the shipped sample's replayed day


async def _trade_a_day(desk: TradingDesk) -> None:
    """Run Nova on acc-1 over the replayed day, with a deposit and a withdrawal on the way."""
    await desk.start("nova", "acc-1", Decimal(10_000))
    steps = 0
    async for moment in moments(desk.source.feed, desk.symbols):
        await desk.step(moment)
        steps += 1
        if steps == 300:
            await desk.deposit("nova", "acc-1", Decimal("2500.5"))
        if steps == 900:
            await desk.withdraw("nova", "acc-1", Decimal("1000"))
        if steps == 1439:  # the last minute of the day: stop, flat, before it closes
            await desk.stop("nova", "acc-1", keep_positions=False)
        if steps == 1440:
            break


@pytest.fixture
async def desk(database_url: str, monkeypatch: pytest.MonkeyPatch) -> TradingDesk:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "1000000")
    built = await build_desk(Settings())
    yield built
    await built.close()


async def test_a_days_transactions_chain_to_the_ledger_and_its_snapshot_equals_the_metrics(
    desk: TradingDesk,
) -> None:
    await _trade_a_day(desk)
    session = desk.session("nova", "acc-1")
    ledger = session.parts.account.portfolio.ledger
    metrics = session.parts.account.portfolio.metrics()
    trips = list(session.parts.account.portfolio.trades)
    assert metrics.total_trades >= 5
    assert not ledger.open_positions()

    async with desk.journal.journal.engine.connect() as connection:
        rows = (
            (
                await connection.execute(
                    select(account_transactions).order_by(account_transactions.c.id)
                )
            )
            .mappings()
            .all()
        )
        snapshots = (await connection.execute(select(performance_snapshots))).mappings().all()

    kinds = [row["transaction_type"] for row in rows]
    assert (kinds.count("deposit"), kinds.count("withdrawal")) == (2, 1)
    trades = [row for row in rows if row["reference_type"] == "agent_trade"]
    assert [row["reference_id"] for row in trades] == [trip.trade_id for trip in trips]
    assert rows[0]["balance_before"] == 0
    for before, after in itertools.pairwise(rows):
        assert after["balance_before"] == before["balance_after"]
    for row in rows:
        sign = -1 if row["transaction_type"] in ("loss", "withdrawal") else 1
        assert row["balance_after"] - row["balance_before"] == sign * row["amount"]
    assert rows[-1]["balance_after"] == ledger.wallet_balance
    for row, trip in zip(trades, trips, strict=True):
        assert row["amount"] == abs(trip.net_pnl)
        assert row["transaction_type"] == ("profit" if trip.net_pnl > 0 else "loss")
        assert re.fullmatch(
            r"(BUY|SELL) (BTC|ETH)USDT [\d.]+ @ [\d.]+ -> [\d.]+", row["description"]
        )

    [day] = snapshots  # written when the day closed, at the step of 00:00
    assert (day["snapshot_date"], day["period_type"]) == (DAY, "daily")
    assert day["total_trades"] == metrics.total_trades
    assert day["winning_trades"] == metrics.winning_trades
    assert day["profit_loss"] == metrics.net_profit == metrics.total_profit - metrics.total_loss
    assert day["closing_balance"] == ledger.wallet_balance
    assert day["closing_balance"] - day["opening_balance"] == metrics.net_profit + Decimal(
        "1500.5"
    ) + (Decimal(10_000) if day["opening_balance"] == 0 else 0)


async def test_a_snapshot_is_upserted_on_demand_and_missed_days_are_filled(
    desk: TradingDesk,
) -> None:
    await _trade_a_day(desk)
    first = await desk.snapshot_days("acc-1")
    again = await desk.snapshot_days("acc-1")

    async with desk.journal.journal.engine.connect() as connection:
        stored = (await connection.execute(select(performance_snapshots))).mappings().all()
    assert [s.day for s in first] == [s.day for s in again] == [DAY]
    assert len(stored) == 1  # upserted, not added
