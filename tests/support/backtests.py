"""Run an agent over real candles as a backtest and as paper trading, for comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from tests.support.market_data import candle_file
from trading_agents.backtest.run import BACKTEST_ACCOUNT, Backtest, BacktestRun, BacktestSetup
from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import AgentProfile, shipped_profiles, strategy_preset
from trading_agents.core.clock import SimulatedClock, to_ms
from trading_agents.engine.paper import PaperSession
from trading_agents.market.feeds.files import load_candles
from trading_agents.market.feeds.replay import ReplayFeed
from trading_agents.market.series import CandleSeries
from trading_agents.venues.sim.config import FundingSchedule, SimVenueConfig

REAL_WINDOW = "2025-05-04_2025-06-24"


def real_series(
    symbols: Sequence[str], start: str, hours: float, window: str = REAL_WINDOW
) -> dict[str, CandleSeries]:
    """Return each symbol's real 1m futures candles from `start` for `hours`."""
    begin = to_ms(start)
    end = begin + round(hours * 3_600_000)
    return {
        symbol: load_candles(candle_file(f"futures_um/1m/{symbol}_1m_{window}")).between(begin, end)
        for symbol in symbols
    }


def agent(name: str, strategy: str | None = None) -> AgentProfile:
    """Return a shipped agent, trading a strategy preset when one is named."""
    profile = shipped_profiles()[name]
    return profile.with_strategy(strategy_preset(strategy)) if strategy else profile


def venue_config(funding: FundingSchedule | None = None) -> SimVenueConfig:
    """Return the simulated venue's default costs with the funding given."""
    return SimVenueConfig(funding=funding or FundingSchedule.none())


async def backtest(
    profile: AgentProfile,
    series: Mapping[str, CandleSeries],
    *,
    equity: str = "10000",
    funding: FundingSchedule | None = None,
    keep_orders: bool = False,
) -> BacktestRun:
    """Run the backtest: candles skipped where nothing can happen, the direct graph runner.

    Every decision record is kept, for the comparisons to read.
    """
    setup = BacktestSetup(
        profile,
        series,
        venue_config(funding),
        Decimal(equity),
        keep_orders=keep_orders,
        keep_decisions=True,
    )
    return await Backtest(setup).run()


async def paper(
    profile: AgentProfile,
    series: Mapping[str, CandleSeries],
    *,
    equity: str = "10000",
    funding: FundingSchedule | None = None,
    runtime: str = "langgraph",
) -> PaperSession:
    """Replay the candles through paper mode at full speed: every candle, LangGraph's runtime."""
    first = next(iter(series.values()))
    clock = SimulatedClock(int(first.open_ms[0]))
    session = PaperSession(
        profile=profile,
        account_id=BACKTEST_ACCOUNT,
        symbols=list(series),
        clock=clock,
        instruments=default_instruments(),
        venue_config=venue_config(funding),
        initial_equity=Decimal(equity),
        runtime="langgraph" if runtime == "langgraph" else "direct",
    )
    await session.run(ReplayFeed(series, list(series)))
    return session


def live_paper(
    profile: AgentProfile, symbols: Sequence[str], clock: SimulatedClock, *, equity: str = "10000"
) -> PaperSession:
    """Return a paper session for live candles, keyed as a backtest is: the same order ids."""
    return PaperSession(
        profile=profile,
        account_id=BACKTEST_ACCOUNT,  # order ids derive from it: the same as the backtest's
        symbols=symbols,
        clock=clock,
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(equity),
        replay=False,
    )
