"""Intent before effect: an order's intent is stored before it is sent; a restart settles it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from trading_agents.config.settings import Settings
from trading_agents.journal import rows
from trading_agents.journal.store import JournalBatch
from trading_agents.journal.tables import account_transactions, order_intents, round_trips
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import OrderAck
from trading_agents.model.signals import SignalAction
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")
    return Settings()


async def _intents(desk: TradingDesk) -> list[dict[str, Any]]:
    async with desk.journal.journal.engine.connect() as connection:
        found = await connection.execute(select(order_intents).order_by(order_intents.c.id))
        return [dict(row) for row in found.mappings()]


async def _buy(desk: TradingDesk) -> None:
    await desk.signal(
        "atlas", "acc-1", "BTCUSDT", SignalAction.BUY, Decimal("0.85"), Decimal(105_800)
    )


async def test_the_intent_is_stored_before_the_venue_sees_the_order(settings: Settings) -> None:
    desk = await build_desk(settings)
    try:
        await desk.start("atlas", "acc-1", Decimal(10_000))
        venue = desk.session("atlas", "acc-1").parts.venue
        seen_at_send: list[list[dict[str, Any]]] = []
        submit = venue.submit

        async def submit_after_looking(
            intent: OrderIntent, attached: Sequence[OrderIntent] = ()
        ) -> OrderAck:
            seen_at_send.append(await _intents(desk))
            return await submit(intent, attached)

        venue.submit = submit_after_looking  # type: ignore[method-assign]
        await _buy(desk)

        [stored_then] = seen_at_send
        assert [(i["state"], i["symbol"]) for i in stored_then] == [("pending", "BTCUSDT")]
        entry = stored_then[0]["client_order_id"]
        assert [(i["client_order_id"], i["state"]) for i in await _intents(desk)] == [
            (entry, "sent")
        ]
    finally:
        await desk.close()


async def test_a_restart_settles_intents_whose_answer_was_never_journaled(
    settings: Settings,
) -> None:
    desk = await build_desk(settings)
    try:
        await desk.start("atlas", "acc-1", Decimal(10_000))
        await _buy(desk)
        session_id = desk.session("atlas", "acc-1").journal_id
        sent = (await _intents(desk))[0]["client_order_id"]
        async with desk.journal.journal.engine.begin() as connection:
            # As if the process died after storing these and before writing the answers.
            await connection.execute(
                order_intents.update().values(state="pending", settled_ms=None)
            )
            await connection.execute(
                insert(order_intents).values(
                    session_id=session_id,
                    client_order_id="ta-never-sent",
                    symbol="BTCUSDT",
                    state="pending",
                    created_ms=1,
                    settled_ms=None,
                    detail="",
                    body="{}",
                )
            )
    finally:
        await desk.close()

    restarted = await build_desk(settings)
    try:
        await restarted.deposit("atlas", "acc-1", Decimal(1))  # any write settles them
        states = {i["client_order_id"]: i["state"] for i in await _intents(restarted)}
    finally:
        await restarted.close()
    assert states == {sent: "sent", "ta-never-sent": "lost"}


async def test_a_trade_written_again_adds_no_row_and_posts_nothing_twice(
    settings: Settings,
) -> None:
    desk = await build_desk(settings)
    try:
        await desk.start("atlas", "acc-1", Decimal(10_000))
        await _buy(desk)
        await desk.stop("atlas", "acc-1", keep_positions=False)  # a closed trade, posted
        session = desk.session("atlas", "acc-1")
        store = desk.journal.journal
        before = (await _count(desk, round_trips), await _count(desk, account_transactions))
        # The same trip written again, as a retry or a replayed spool would write it.
        batch = JournalBatch()
        for trip in session.parts.account.portfolio.trades:
            rows.add_trip(batch, session, trip, desk.journal.codec)
        await store.save(batch)
        await store.save(batch)

        assert before == (1, 2)  # the trip; the start's deposit and the trade's posting
        assert (await _count(desk, round_trips), await _count(desk, account_transactions)) == before
    finally:
        await desk.close()


async def _count(desk: TradingDesk, table: Any) -> int:
    async with desk.journal.journal.engine.connect() as connection:
        found = await connection.execute(select(func.count()).select_from(table))
        return int(found.scalar_one())
