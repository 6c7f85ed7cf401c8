"""Pooled accounts: one book per agent type, investment accounts owning units of it.

Nova's strategy trades one book over the replayed day while three accounts come and go;
after every step the accounts' values and the book's reserve add up to the book's equity,
one account's money never moves another's value, and each account's platform ledger ends
at its value.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.asgi import ok, served
from tests.support.profiles import POOL, pooled_profile
from trading_agents.config.settings import Settings
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.engine.moments import moments
from trading_agents.journal.tables import account_transactions
from trading_agents.portfolio.units import MONEY
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Conflict, Invalid


@pytest.fixture
async def desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> AsyncIterator[TradingDesk]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "1000000")
    monkeypatch.setenv("TRADING_AGENTS_PROFILES_DIR", str(pooled_profile(tmp_path / "agents")))
    built = await build_desk(Settings())
    yield built
    await built.close()


def values(desk: TradingDesk) -> dict[str, Decimal]:
    return dict(desk.pools[POOL].register.values())


def book_equity(desk: TradingDesk) -> Decimal:
    book = desk.sessions[(POOL, POOL_ACCOUNT_ID)]
    equity = book.parts.account.portfolio.ledger.equity(desk.marks_for(book))
    return equity.quantize(MONEY, rounding=ROUND_DOWN)


def adds_up(desk: TradingDesk) -> None:
    """The accounts' values and the reserve are the book's equity, to the last digit."""
    pool = desk.pools[POOL]
    pool.mark(book_equity(desk))
    assert pool.register.equity() == book_equity(desk)
    assert pool.register.reserve >= 0


async def test_accounts_own_units_of_one_book_and_their_values_add_up_to_it(
    desk: TradingDesk,
) -> None:
    await desk.start(POOL, "inv-1", Decimal(10_000))
    steps = 0
    async for moment in moments(desk.source.feed, desk.symbols):
        await desk.step(moment)
        steps += 1
        adds_up(desk)
        if steps == 200:
            before = values(desk)
            await desk.start(POOL, "inv-2", Decimal(5_000))
            assert values(desk)["inv-1"] == before["inv-1"]  # a newcomer takes nothing
            assert values(desk)["inv-2"] in (Decimal(5_000), Decimal(5_000) - MONEY)
        if steps == 400:
            before = values(desk)
            await desk.deposit(POOL, "inv-1", Decimal("2000.5"))
            assert values(desk)["inv-2"] == before["inv-2"]
        if steps == 700:
            before = values(desk)
            await desk.withdraw(POOL, "inv-2", Decimal(1_000))
            assert values(desk)["inv-1"] == before["inv-1"]
        if steps == 900:
            await desk.start(POOL, "inv-3", Decimal(3_000))
        if steps == 1300:
            await desk.stop(POOL, "inv-1", keep_positions=False)
        if steps == 1440:
            break
    adds_up(desk)
    book = desk.sessions[(POOL, POOL_ACCOUNT_ID)]
    trips = book.parts.account.portfolio.trades
    assert len(trips) >= 3  # the book traded for its owners
    assert desk.status_view(POOL, "inv-1").status == "stopped"  # paid out, at once or later
    owners = desk.pools[POOL].owners
    assert set(owners) == {"inv-1", "inv-2", "inv-3"}

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
    assert POOL_ACCOUNT_ID not in {row["account_id"] for row in rows}  # the book is nobody's
    for account, owner in owners.items():
        mine = [row for row in rows if row["account_id"] == account]
        assert mine[0]["transaction_type"] == "deposit"
        for before, after in itertools.pairwise(mine):
            assert after["balance_before"] == before["balance_after"]
        assert mine[-1]["balance_after"] == owner.posted
    # A stopped account's ledger ends at zero: every unit went back at the value it had.
    assert owners["inv-1"].posted == 0
    assert "inv-1" not in desk.pools[POOL].register.units
    # Each account's profit is its value less the money it put in and took out.
    for account in ("inv-2", "inv-3"):
        metrics = desk.metrics_view(POOL, account)
        assert metrics.net_profit == values(desk)[account] - owners[account].net_deposits
        assert metrics.equity == values(desk)[account]


async def test_a_restart_gives_every_account_back_its_units(
    desk: TradingDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.start(POOL, "inv-1", Decimal(10_000))
    steps = 0
    async for moment in moments(desk.source.feed, desk.symbols):
        await desk.step(moment)
        steps += 1
        if steps == 100:
            await desk.start(POOL, "inv-2", Decimal(4_000))
        if steps == 600:
            break
    units = dict(desk.pools[POOL].register.units)
    posted = {a: o.posted for a, o in desk.pools[POOL].owners.items()}
    await desk.close()

    again = await build_desk(Settings())
    try:
        assert dict(again.pools[POOL].register.units) == units
        assert {a: o.posted for a, o in again.pools[POOL].owners.items()} == posted
        adds_up(again)
    finally:
        await again.close()


async def test_what_a_pooled_account_cannot_do_is_refused_and_changes_nothing(
    desk: TradingDesk,
) -> None:
    await desk.start(POOL, "inv-1", Decimal(1_000))
    before = values(desk)

    with pytest.raises(Conflict, match="already running"):
        await desk.start(POOL, "inv-1", Decimal(1_000))
    with pytest.raises(Invalid, match="worth 1000"):
        await desk.withdraw(POOL, "inv-1", Decimal("1000.01"))
    with pytest.raises(Conflict, match="pooled book"):
        await desk.pause(POOL, "inv-1")
    with pytest.raises(Invalid, match="nothing to keep"):
        await desk.stop(POOL, "inv-1", keep_positions=True)

    assert values(desk) == before


async def test_the_api_answers_for_a_pooled_account_from_its_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = str(pooled_profile(tmp_path / "agents"))
    async with served(monkeypatch, TRADING_AGENTS_PROFILES_DIR=profiles) as (client, _):
        for account, equity in (("inv-1", 3000), ("inv-2", 1000)):
            body = {"initial_equity": equity}
            status = await ok(client.post(f"/accounts/{account}/agents/{POOL}/start", json=body))
            assert (status["status"], status["equity"]) == ("running", float(equity))
        await ok(client.post(f"/accounts/inv-2/agents/{POOL}/deposit", json={"amount": 500}))
        metrics = await ok(client.get(f"/accounts/inv-2/agents/{POOL}/metrics"))
        assert (metrics["equity"], metrics["net_profit"]) == (1500.0, 0.0)
        flows = await ok(client.get(f"/accounts/inv-2/agents/{POOL}/cash-flows"))
        assert [(f["kind"], f["amount"]) for f in flows] == [
            ("deposit", 1000.0),
            ("deposit", 500.0),
        ]
        paused = await client.post(f"/accounts/inv-1/agents/{POOL}/pause")
        assert paused.status_code == 409

        accounts = {a["account_id"]: a for a in (await ok(client.get("/accounts")))["items"]}
        assert set(accounts) == {"inv-1", "inv-2"}  # the book itself is no investment account
        assert accounts["inv-2"]["equity"] == 1500.0
        types = {t["agent"]: t for t in (await ok(client.get("/agents")))["items"]}
        assert (types[POOL]["accounts_running"], types[POOL]["equity"]) == (2, 4500.0)

        await ok(client.post(f"/accounts/inv-2/agents/{POOL}/stop", json={}))
        status = await ok(client.get(f"/accounts/inv-2/agents/{POOL}/status"))
        assert (status["status"], status["equity"]) == ("stopped", 0.0)
        buy = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": 100000}
        refused = await client.post(f"/accounts/inv-2/agents/{POOL}/signal", json=buy)
        assert refused.status_code == 409  # a stopped account no longer steers the book
        assert "stopped" in refused.text
        reset = {"what": "kill_switch", "reason": "checked by a person"}
        not_tripped = await client.post(f"/accounts/inv-1/agents/{POOL}/reset", json=reset)
        assert not_tripped.status_code == 409  # reaches the book, whose switch is not tripped
        assert "not tripped" in not_tripped.text
        desk = await ok(client.get("/desk"))
        assert {row["account_id"] for row in desk["agents"]} == {"inv-1", "inv-2"}


async def test_a_stop_the_book_s_free_cash_cannot_pay_waits_until_positions_close(
    desk: TradingDesk,
) -> None:
    await desk.start(POOL, "inv-1", Decimal(6_000))
    await desk.start(POOL, "inv-2", Decimal(4_000))
    book = desk.sessions[(POOL, POOL_ACCOUNT_ID)]
    feed = moments(desk.source.feed, desk.symbols)
    async for moment in feed:
        await desk.step(moment)
        if book.parts.account.positions():
            break  # margin is held now: the free cash is less than the book's equity
    ledger = book.parts.account.portfolio.ledger
    assert desk.pools[POOL].value("inv-1") > ledger.available_balance()  # more than is free

    await desk.stop(POOL, "inv-1", keep_positions=False)

    assert desk.status_view(POOL, "inv-1").status == "stopping"
    waiting = desk.pools[POOL].owners["inv-1"].queued
    assert [q.amount for q in waiting] == [None]
    with pytest.raises(Conflict, match="stopped"):
        await desk.deposit(POOL, "inv-1", Decimal(1))
    async for moment in feed:
        await desk.step(moment)
        adds_up(desk)
        if not book.parts.account.positions():
            break
    assert desk.status_view(POOL, "inv-1").status == "stopped"
    assert desk.pools[POOL].owners["inv-1"].posted == 0
    assert desk.pools[POOL].owners["inv-2"].queued == []


async def test_a_book_set_to_reduce_closes_part_of_every_position_to_pay_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "1000000")
    profiles = pooled_profile(tmp_path / "reducing", withdrawals="reduce")
    monkeypatch.setenv("TRADING_AGENTS_PROFILES_DIR", str(profiles))
    desk = await build_desk(Settings())
    try:
        await desk.start(POOL, "inv-1", Decimal(6_000))
        await desk.start(POOL, "inv-2", Decimal(4_000))
        book = desk.sessions[(POOL, POOL_ACCOUNT_ID)]
        async for moment in moments(desk.source.feed, desk.symbols):
            await desk.step(moment)
            if book.parts.account.positions():
                break
        ledger = book.parts.account.portfolio.ledger
        assert desk.pools[POOL].value("inv-1") > ledger.available_balance()
        held = {p.symbol: abs(p.quantity) for p in ledger.open_positions()}

        await desk.stop(POOL, "inv-1", keep_positions=False)

        assert desk.status_view(POOL, "inv-1").status == "stopped"  # paid at once
        assert desk.pools[POOL].owners["inv-1"].posted == 0
        after = {p.symbol: abs(p.quantity) for p in ledger.open_positions()}
        for symbol, quantity in held.items():
            assert 0 < after.get(symbol, Decimal(0)) < quantity  # a part of each, not all
        reasons = [r.decision.reasoning for r in book.decisions.records[-len(held) :]]
        assert all("reducing every position" in reason for reason in reasons)
        adds_up(desk)
    finally:
        await desk.close()
