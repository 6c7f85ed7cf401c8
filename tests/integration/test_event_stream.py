"""The service's accounts tell what happens as one ordered stream, which the journal writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from trading_agents.config.settings import Settings
from trading_agents.events.types import (
    AccountEvent,
    CashFlowBooked,
    DecisionMade,
    IntentSettled,
    IntentStored,
    LifecycleChanged,
    OrderChanged,
    RiskStateChanged,
    TripClosed,
)
from trading_agents.journal.tables import decisions, fills, order_intents, round_trips
from trading_agents.model.reports import FillReport
from trading_agents.model.signals import SignalAction
from trading_agents.risk.state import TradingState
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk

AGENT, ACCOUNT = "atlas", "acc-3"


async def _buy_and_stop(desk: TradingDesk) -> None:
    price = desk.kernel.marks["BTCUSDT"]
    await desk.signal(AGENT, ACCOUNT, "BTCUSDT", SignalAction.BUY, Decimal("0.9"), price)
    await desk.stop(AGENT, ACCOUNT, keep_positions=False)


async def _count(desk: TradingDesk, table: Any) -> int:
    async with desk.journal.journal.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar())


def _drain(desk_events: Any) -> list[AccountEvent]:
    taken = []
    while (event := desk_events.get_nowait()) is not None:
        taken.append(event)
    return taken


async def test_a_signal_trade_and_stop_are_one_ordered_stream_the_journal_writes_once(
    replay_desk: TradingDesk,
) -> None:
    watching = replay_desk.events.subscribe()
    await replay_desk.start(AGENT, ACCOUNT, Decimal(10_000))
    await _buy_and_stop(replay_desk)

    seen = _drain(watching)
    kinds = [type(e.payload) for e in seen]

    assert [e.seq for e in seen] == list(range(1, len(seen) + 1))  # numbered, none missing
    assert {(e.agent, e.account_id) for e in seen} == {(AGENT, ACCOUNT)}
    assert kinds[0] is CashFlowBooked  # the start's deposit
    entry = kinds.index(IntentStored)
    assert kinds.index(IntentSettled) > entry  # stored, then answered by the venue
    assert kinds.index(DecisionMade) > kinds.index(IntentSettled)  # logged with the answer
    # The signal's order fills at the latest price once the decision is made.
    assert kinds.index(FillReport) > kinds.index(DecisionMade)
    assert kinds.index(OrderChanged) > kinds.index(DecisionMade)
    assert kinds[-1] is LifecycleChanged
    assert kinds.count(TripClosed) == 1
    assert replay_desk.session(AGENT, ACCOUNT).stream.pending == []  # all of it journaled
    fills_published = kinds.count(FillReport)
    assert await _count(replay_desk, fills) == fills_published
    assert await _count(replay_desk, round_trips) == 1
    assert await _count(replay_desk, decisions) == kinds.count(DecisionMade)
    assert await _count(replay_desk, order_intents) == kinds.count(IntentStored)


async def test_the_numbers_go_on_after_a_restart_and_nothing_is_written_twice(
    replay_desk: TradingDesk, replay_settings: Settings
) -> None:
    await replay_desk.start(AGENT, ACCOUNT, Decimal(10_000))
    await _buy_and_stop(replay_desk)
    last = replay_desk.session(AGENT, ACCOUNT).stream.seq
    written = await _count(replay_desk, fills)
    await replay_desk.close()

    restarted = await build_desk(replay_settings)
    try:
        watching = restarted.events.subscribe()
        await restarted.start(AGENT, ACCOUNT, Decimal(10_000))
        await _buy_and_stop(restarted)
        again = _drain(watching)

        assert again[0].seq == last + 1
        assert await _count(restarted, fills) == written + sum(
            isinstance(e.payload, FillReport) for e in again
        )
    finally:
        await restarted.close()


def _is_risk_move(event: AccountEvent) -> bool:
    return isinstance(event.payload, RiskStateChanged)


async def test_a_tripped_kill_switch_is_an_event(replay_desk: TradingDesk) -> None:
    watching = replay_desk.events.subscribe(
        wanted=lambda e: isinstance(e.payload, RiskStateChanged)
    )
    session = await replay_desk.start(AGENT, ACCOUNT, Decimal(10_000))
    account = session.parts.account
    account.mark(replay_desk.clock.now_ms(), replay_desk.marks_for(session))
    account.portfolio.ledger.book_trading_result(Decimal(-600))  # 6 % gone: past Atlas's 5 %

    account.mark(replay_desk.clock.now_ms() + 60_000, replay_desk.marks_for(session))

    (event,) = _drain(watching)
    assert isinstance(event.payload, RiskStateChanged)
    assert (event.payload.previous, event.payload.state) == (
        TradingState.ACTIVE,
        TradingState.HALTED,
    )
