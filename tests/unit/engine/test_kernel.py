"""The kernel: one step per moment, time only forward, equity marked on its cadence."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.backtests import agent, real_series
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, SimulatedClock, to_ms
from trading_agents.engine.kernel import Kernel
from trading_agents.engine.paper import PaperSession
from trading_agents.market.feeds.replay import ReplayFeed
from trading_agents.venues.sim.config import SimVenueConfig

START = "2025-05-06T00:00:00Z"


def _session(symbols: list[str]) -> PaperSession:
    return PaperSession(
        profile=agent("nova"),
        account_id="acc-1",
        symbols=symbols,
        clock=SimulatedClock(START),
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(10_000),
        runtime="direct",
    )


async def test_equity_is_marked_every_hour_and_at_the_end() -> None:
    session = _session(["BTCUSDT"])

    await session.run(ReplayFeed(real_series(["BTCUSDT"], START, hours=2.5)))

    marks = [point.ts_ms for point in session.account.portfolio.equity_curve]
    start = to_ms(START)
    assert marks == [start + MS_PER_HOUR, start + 2 * MS_PER_HOUR, start + 150 * 60_000]


async def test_a_step_holds_every_symbol_of_its_moment() -> None:
    session = _session(["BTCUSDT", "ETHUSDT"])
    series = real_series(["BTCUSDT", "ETHUSDT"], START, hours=1)

    await session.run(ReplayFeed(series, ["BTCUSDT", "ETHUSDT"]))

    assert session.candles == 2 * 60
    assert set(session.kernel.marks) == {"BTCUSDT", "ETHUSDT"}
    assert session.kernel.last_close_ms == int(series["ETHUSDT"].close_ms[-1])


async def test_time_only_moves_forward() -> None:
    session = _session(["BTCUSDT"])
    series = real_series(["BTCUSDT"], START, hours=1)["BTCUSDT"]
    await session.kernel.step(int(series.close_ms[1]), [series.candle(1)])

    with pytest.raises(ValueError, match="not after the previous one"):
        await session.kernel.step(int(series.close_ms[0]), [series.candle(0)])
    with pytest.raises(ValueError, match="closes at"):
        await session.kernel.step(int(series.close_ms[3]), [series.candle(2)])


async def test_the_pause_comes_after_each_account_that_decided_and_a_late_account_waits() -> None:
    clock = SimulatedClock(START)
    first, second, late = (
        PaperSession(
            profile=agent("nova"),
            account_id=f"acc-{n}",
            symbols=["BTCUSDT"],
            clock=clock,
            instruments=default_instruments(),
            venue_config=SimVenueConfig(),
            initial_equity=Decimal(10_000),
            runtime="direct",
        )
        for n in range(3)
    )
    seen: list[tuple[int, int]] = []

    async def pause() -> None:
        seen.append((first.account.runner.sequence, second.account.runner.sequence))
        if late.account not in kernel.accounts:
            kernel.add(late.account)  # as a start let in during the pause would

    kernel = Kernel(clock, [first.account, second.account], pause=pause)
    heartbeat = real_series(["BTCUSDT"], START, hours=1)["BTCUSDT"].candle(29)  # closes at :30

    await kernel.step(heartbeat.close_ms, [heartbeat])

    assert seen == [(1, 0), (1, 1)]  # after the first account's decision, then the second's
    assert late.account.runner.sequence == 0
    assert kernel.accounts == [first.account, second.account, late.account]
