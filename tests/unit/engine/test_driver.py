"""The one driver of the kernel: warm-up before trading, steps after, a mark at the end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.backtests import agent, real_series
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, SimulatedClock, to_ms
from trading_agents.engine.driver import KernelDriver
from trading_agents.engine.paper import PaperSession
from trading_agents.venues.sim.config import SimVenueConfig

START = "2025-05-06T00:00:00Z"


def _session() -> PaperSession:
    return PaperSession(
        profile=agent("nova"),
        account_id="acc-1",
        symbols=["BTCUSDT"],
        clock=SimulatedClock(START),
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(10_000),
        runtime="direct",
    )


async def test_moments_before_trading_only_warm_and_the_rest_are_steps() -> None:
    session = _session()
    series = real_series(["BTCUSDT"], START, hours=1)["BTCUSDT"]
    driver = KernelDriver(session.kernel, trade_from_ms=int(series.close_ms[30]))

    results = [await driver.step([series.candle(i)]) for i in range(60)]

    assert results[:30] == [None] * 30
    assert all(result is not None for result in results[30:])
    assert (driver.warmed, driver.candles) == (30, 30)
    assert session.kernel.last_close_ms == int(series.close_ms[59])


async def test_a_moment_already_traded_on_warms_the_markets_but_not_the_venues() -> None:
    session = _session()
    series = real_series(["BTCUSDT"], START, hours=1)["BTCUSDT"]
    driver = KernelDriver(session.kernel, after_restart=True)
    await driver.step([series.candle(5)])
    venue_last = session.venue.exchange.snapshot().last

    again = await driver.step([series.candle(3)])  # a restarted desk's backfill

    assert again is None
    assert driver.warmed == 1
    assert session.kernel.last_close_ms == int(series.close_ms[5])
    assert session.venue.exchange.snapshot().last == venue_last


async def test_the_run_ends_with_a_mark_at_the_last_close_off_the_cadence() -> None:
    session = _session()
    series = real_series(["BTCUSDT"], START, hours=1.5)["BTCUSDT"]

    for i in range(len(series)):
        await session.driver.step([series.candle(i)])
    session.driver.finish()

    marks = [point.ts_ms for point in session.account.portfolio.equity_curve]
    assert marks == [to_ms(START) + MS_PER_HOUR, int(series.close_ms[-1])]


async def test_without_a_restart_a_moment_back_in_time_is_an_error() -> None:
    session = _session()
    series = real_series(["BTCUSDT"], START, hours=1)["BTCUSDT"]
    await session.driver.step([series.candle(5)])

    with pytest.raises(ValueError, match="not after the previous one"):
        await session.driver.step([series.candle(3)])
