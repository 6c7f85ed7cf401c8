"""The kernel between candles: a mark price values positions and triggers stops, never decides."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.support.held_position import (
    SYMBOL,
    CandleList,
    HeldPosition,
    beyond,
    held_position,
    resting_stop,
)
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import SimulatedClock
from trading_agents.engine.paper import PaperSession
from trading_agents.market.marks import MarkPrice
from trading_agents.model.enums import ExitReason
from trading_agents.venues.sim.config import SimVenueConfig


@pytest.fixture(scope="module")
def held() -> HeldPosition:
    return asyncio.run(held_position())  # one backtest for the module


@pytest.fixture
async def session(held: HeldPosition) -> PaperSession:
    """Return a paper session replayed up to where Nova holds a position with its stop."""
    paper = PaperSession(
        profile=held.profile,
        account_id="acc-1",
        symbols=[SYMBOL],
        clock=SimulatedClock(held.candles[0].open_ms),
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(10_000),
        runtime="direct",
    )
    await paper.run(CandleList(held.candles))
    assert paper.account.portfolio.ledger.position(SYMBOL).is_open
    return paper


async def test_a_mark_across_the_stop_closes_the_position_at_once_and_nobody_decides(
    session: PaperSession, held: HeldPosition
) -> None:
    stop = await resting_stop(session.venue)
    decided, sequence = session.kernel.decisions, session.account.runner.sequence
    trips = len(session.account.portfolio.trades)
    mark = MarkPrice(SYMBOL, held.last_close_ms + 1_500, beyond(stop))

    acted = session.driver.on_mark_price(mark)

    assert acted == [session.account]
    assert len(session.account.portfolio.trades) == trips + 1
    trip = session.account.portfolio.trades[-1]
    assert trip.exit_reason is ExitReason.STOP_LOSS
    assert (trip.exit_price, trip.closed_ms) == (mark.price, mark.ts_ms)
    assert not session.account.portfolio.ledger.position(SYMBOL).is_open
    assert (session.kernel.decisions, session.account.runner.sequence) == (decided, sequence)
    assert SYMBOL in session.account.late_changes  # the next close's decision hears of it


async def test_a_mark_short_of_the_stop_values_the_position_and_triggers_nothing(
    session: PaperSession, held: HeldPosition
) -> None:
    stop = await resting_stop(session.venue)
    position = session.account.portfolio.ledger.position(SYMBOL)
    assert stop.trigger_price is not None
    halfway = (position.entry_price + stop.trigger_price) / 2

    acted = session.kernel.on_mark_price(MarkPrice(SYMBOL, held.last_close_ms + 1_000, halfway))

    assert acted == []
    assert session.kernel.marks[SYMBOL] == halfway
    ledger = session.account.portfolio.ledger
    assert ledger.unrealized_pnl(session.kernel.marks) == position.quantity * (
        halfway - position.entry_price
    )
    assert (await resting_stop(session.venue)).client_order_id == stop.client_order_id


async def test_a_mark_older_than_the_last_close_changes_nothing(
    session: PaperSession, held: HeldPosition
) -> None:
    stop = await resting_stop(session.venue)
    close = session.kernel.marks[SYMBOL]

    acted = session.kernel.on_mark_price(
        MarkPrice(SYMBOL, held.last_close_ms - 2_000, beyond(stop))
    )

    assert acted == []
    assert session.kernel.marks[SYMBOL] == close
    assert session.account.portfolio.ledger.position(SYMBOL).is_open


async def test_a_mark_before_trading_starts_is_ignored(held: HeldPosition) -> None:
    session = PaperSession(
        profile=held.profile,
        account_id="acc-1",
        symbols=[SYMBOL],
        clock=SimulatedClock(held.candles[0].open_ms),
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(10_000),
        runtime="direct",
        trade_from_ms=held.last_close_ms + 60_000,  # all of these candles are a backfill
    )
    await session.run(CandleList(held.candles))

    acted = session.driver.on_mark_price(MarkPrice(SYMBOL, held.last_close_ms, Decimal(1)))

    assert acted == []
    assert session.driver.mark_prices == 0
    assert session.kernel.marks[SYMBOL] == held.candles[-1].close
