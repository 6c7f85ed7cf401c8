"""Stopping and starting an agent again on an account goes on with the account's books."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from trading_agents.config.settings import Settings
from trading_agents.journal.tables import account_transactions, agent_sessions
from trading_agents.model.signals import SignalAction
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Invalid
from trading_agents.service.queries import metrics_of, orders_of, trades_of

AGENT, ACCOUNT = "atlas", "acc-7"


async def _postings(desk: TradingDesk) -> list[tuple[str, Decimal, Decimal]]:
    async with desk.journal.journal.engine.connect() as connection:
        rows = await connection.execute(
            select(
                account_transactions.c.transaction_type,
                account_transactions.c.amount,
                account_transactions.c.balance_after,
            )
            .where(account_transactions.c.account_id == ACCOUNT)
            .order_by(account_transactions.c.id)
        )
        return [(str(kind), Decimal(amount), Decimal(after)) for kind, amount, after in rows]


async def _trade_once(desk: TradingDesk) -> None:
    price = desk.kernel.marks["BTCUSDT"]
    await desk.signal(AGENT, ACCOUNT, "BTCUSDT", SignalAction.BUY, Decimal("0.9"), price)
    await desk.stop(AGENT, ACCOUNT, keep_positions=False)


async def test_a_new_start_goes_on_with_the_books_history_and_money_of_the_account(
    replay_desk: TradingDesk, replay_settings: Settings
) -> None:
    await replay_desk.start(AGENT, ACCOUNT, Decimal(1000))
    await _trade_once(replay_desk)
    wallet = replay_desk.session(AGENT, ACCOUNT).parts.account.portfolio.ledger.wallet_balance
    await replay_desk.deposit(AGENT, ACCOUNT, Decimal(300))  # while stopped: booked, not stranded

    again = await replay_desk.start(AGENT, ACCOUNT, Decimal(1500))

    books = again.parts.account.portfolio
    assert str(again.status) == "running"
    assert not again.parts.account.runner.paused  # it decides on candles again, not only signals
    assert books.ledger.wallet_balance == Decimal(1500)
    assert metrics_of(again, replay_desk.marks_for(again)).total_trades == 1
    assert len(trades_of(again, 100)) == 1
    assert [o.status for o in orders_of(again, 100)] == ["filled", "expired", "expired", "filled"]
    postings = await _postings(replay_desk)
    assert [kind for kind, _, _ in postings] == ["deposit", "loss", "deposit", "deposit"]
    assert postings[-1][1] == Decimal(1500) - wallet - Decimal(300)  # only the difference
    assert postings[-1][2] == books.ledger.wallet_balance

    await replay_desk.close()
    restarted = await build_desk(replay_settings)
    try:
        session = restarted.session(AGENT, ACCOUNT)
        assert session.parts.account.portfolio.ledger.wallet_balance == Decimal(1500)
        assert len(trades_of(session, 100)) == 1
        assert len(orders_of(session, 100)) == 4
        async with restarted.journal.journal.engine.connect() as connection:
            rows = (await connection.execute(select(agent_sessions.c.id))).all()
        assert len(rows) == 1  # one row per agent on an account: each start is audited
    finally:
        await restarted.close()


async def test_a_start_below_the_wallet_withdraws_the_difference(replay_desk: TradingDesk) -> None:
    await replay_desk.start(AGENT, ACCOUNT, Decimal(1000))
    await replay_desk.stop(AGENT, ACCOUNT, keep_positions=False)

    again = await replay_desk.start(AGENT, ACCOUNT, Decimal(400))

    assert again.parts.account.portfolio.ledger.wallet_balance == Decimal(400)
    assert await _postings(replay_desk) == [
        ("deposit", Decimal(1000), Decimal(1000)),
        ("withdrawal", Decimal(600), Decimal(400)),
    ]


async def test_a_start_that_would_withdraw_margin_held_is_refused_and_changes_nothing(
    replay_desk: TradingDesk,
) -> None:
    await replay_desk.start(AGENT, ACCOUNT, Decimal(1000))
    price = replay_desk.kernel.marks["BTCUSDT"]
    await replay_desk.signal(AGENT, ACCOUNT, "BTCUSDT", SignalAction.BUY, Decimal("0.9"), price)
    await replay_desk.stop(AGENT, ACCOUNT, keep_positions=True)
    before = await _postings(replay_desk)

    with pytest.raises(Invalid, match="would withdraw"):
        await replay_desk.start(AGENT, ACCOUNT, Decimal(1))

    stopped = replay_desk.session(AGENT, ACCOUNT)
    assert str(stopped.status) == "stopped"
    assert len(stopped.parts.account.positions()) == 1
    assert await _postings(replay_desk) == before

    kept = await replay_desk.start(
        AGENT, ACCOUNT, Decimal(1000)
    )  # a start that fits goes on with it

    assert list(kept.parts.account.positions()) == ["BTCUSDT"]
