"""A backtest: the kernel over historical candles, skipping the candles where nothing can happen.

The kernel is the one paper trading runs. What differs is only which candles it is shown:
a candle goes through when a decision may be due there (the brain's trigger fires on the
indicators computed in advance, a heartbeat, an equity mark, a funding settlement) or when
its range reaches a level the simulated exchange is waiting for (a stop, a take-profit, a
resting limit, a liquidation price, or any order waiting for the next price). Every other
candle changes nothing, so leaving it out gives the same trades; the parity test replays
the same candles one by one through paper mode and compares.
"""

from __future__ import annotations

import gc
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionTally
from trading_agents.backtest.stepping import Progress, walk
from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import SimulatedClock
from trading_agents.core.coroutines import run_at_once
from trading_agents.engine.account import AgentAccount
from trading_agents.engine.assembly import make_brain, sim_account
from trading_agents.engine.driver import KernelDriver
from trading_agents.engine.kernel import DEFAULT_MARK_INTERVAL_MS, Kernel
from trading_agents.market.feeds.resample import resample
from trading_agents.market.series import CandleSeries, IntArray
from trading_agents.market.view import SeriesMarket
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.venues.sim.config import FUNDING_INTERVAL_MS, SimVenueConfig
from trading_agents.venues.sim.venue import SimVenue

if TYPE_CHECKING:  # the LLM brain's parts are imported only by a run that uses it
    from trading_agents.agents.brains.llm_parts import LlmCacheOptions

T = TypeVar("T")
BACKTEST_ACCOUNT = "backtest"
# Young-generation thresholds while a run builds its books; see `rare_collections`.
RUN_GC_THRESHOLDS = (100_000, 50, 100)


class BacktestError(ValueError):
    """The backtest cannot run on what it was given."""


@dataclass(frozen=True, slots=True)
class BacktestSetup:
    """What one backtest runs: an agent, aligned candles, costs and money."""

    profile: AgentProfile
    series: Mapping[str, CandleSeries]  # base candles of every symbol, on one time grid
    venue_config: SimVenueConfig
    initial_equity: Decimal
    mark_interval_ms: int = DEFAULT_MARK_INTERVAL_MS
    instruments: InstrumentRegistry | None = None
    llm_cache: LlmCacheOptions | None = None  # the LLM brain's record-and-replay folder
    # Step over gaps in the candles (an exchange's maintenance) instead of refusing them: no
    # candle is invented, positions are held across, funding is settled at the first price after.
    gaps: bool = False
    # Keep every order once it ended, at the simulated exchange and in the books, to read them
    # after the run; otherwise both let ended orders go: the result is the fills and trades.
    keep_orders: bool = False
    # Keep every decision record, to compare runs decision by decision; otherwise they are
    # counted and let go: a year's 38,000 records would hold some 70 MB to the end of the run.
    keep_decisions: bool = False


@dataclass(frozen=True, slots=True)
class BacktestRun:
    """A finished backtest: the account and the tally of its decisions."""

    account: AgentAccount
    venue: SimVenue
    decisions: DecisionTally
    candles: int
    steps: int
    first_open_ms: int
    last_close_ms: int


@contextmanager
def rare_collections() -> Iterator[None]:
    """Let the cyclic garbage collector run rarely inside the block; restore it after."""
    # A run keeps every order, fill and decision record until it ends, and they form no
    # reference cycles. With the default thresholds the collector walks all of them again each
    # time they grow by a quarter, about a second of a one-year run, and finds nothing to free.
    previous = gc.get_threshold()
    gc.set_threshold(*RUN_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def run_to_end(backtest: Backtest, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine of `backtest`'s to its end, in an event loop only if its brain waits.

    A rule brain on the simulated venue answers at once, so its run never suspends: without
    an event loop it is spared asyncio's imports, set-up and tear-down.
    """
    if backtest.waits:
        import asyncio  # an LLM brain's run, which imports it anyway

        return asyncio.run(coroutine)
    return run_at_once(coroutine)


def common_grid(series: Mapping[str, CandleSeries], gaps: bool = False) -> dict[str, CandleSeries]:
    """Cut every series to the time span they share and check they share one grid.

    With `gaps`, a candle that not every symbol has is left out: a gap of one symbol is a
    gap of the run, so that every step still sees every symbol's price of its moment.
    """
    if not series:
        raise BacktestError("no candles to run on")
    intervals = {s.interval_ms for s in series.values()}
    if len(intervals) != 1:
        raise BacktestError("the symbols' candles have different intervals")
    start = max(int(s.open_ms[0]) for s in series.values() if len(s))
    interval = intervals.pop()
    end = min(int(s.open_ms[-1]) for s in series.values() if len(s)) + interval
    if any(len(s) == 0 for s in series.values()) or start >= end:
        raise BacktestError("the symbols' candles share no time span")
    cut = {symbol: s.between(start, end) for symbol, s in series.items()}
    if gaps and len(cut) > 1:
        shared = reduce(np.intersect1d, (s.open_ms for s in cut.values()))
        if len(shared) == 0:
            raise BacktestError("the symbols' candles share no time: each lies in another's gap")
        cut = {symbol: s.where(np.isin(s.open_ms, shared)) for symbol, s in cut.items()}
    first = next(iter(cut.values()))
    for symbol, s in cut.items():
        if not np.array_equal(s.open_ms, first.open_ms):
            raise BacktestError(f"{symbol} candles are not on the same times as {first.symbol}")
    return cut


class Backtest:
    """Run one agent over historical candles on the simulated venue."""

    def __init__(self, setup: BacktestSetup) -> None:
        self.setup = setup
        profile = setup.profile
        self.series = common_grid(setup.series, setup.gaps)
        self.symbols = tuple(self.series)
        first = next(iter(self.series.values()))
        self.base = first
        if profile.timeframe_ms % first.interval_ms:
            raise BacktestError(
                f"{profile.name} reads {profile.timeframe} candles, which cannot be built from"
                f" {first.interval_ms // 60_000}m candles"
            )
        self.clock = SimulatedClock(int(first.open_ms[0]))
        brain = make_brain(profile, cache=setup.llm_cache)
        spec = indicator_spec(profile.strategy)
        frames = (
            self.series
            if profile.timeframe_ms == first.interval_ms
            else {s: resample(series, profile.timeframe_ms) for s, series in self.series.items()}
        )
        self.market = SeriesMarket(spec, self.clock, frames)
        self.decisions = DecisionTally(keep_records=setup.keep_decisions)
        parts = sim_account(
            profile=profile,
            account_id=BACKTEST_ACCOUNT,
            symbols=self.symbols,
            clock=self.clock,
            instruments=setup.instruments or default_instruments(),
            market=self.market,
            take_candle=self.market.on_candle,
            venue_config=setup.venue_config,
            initial_equity=setup.initial_equity,
            sink=self.decisions,
            runtime="direct",
            brain=brain,
            keep_orders=setup.keep_orders,
        )
        self.account, self.venue, self.brain = parts.account, parts.venue, parts.brain
        self.kernel = Kernel(self.clock, [self.account], setup.mark_interval_ms)
        self.driver = KernelDriver(self.kernel)

    def mandatory_steps(self) -> IntArray:
        """Return the base candles that must go through whatever the book holds, in order."""
        base = self.base
        close_ms = base.close_ms
        profile = self.setup.profile
        due = close_ms % self.kernel.mark_interval_ms == 0
        if profile.heartbeat_ms is not None:
            due |= close_ms % profile.heartbeat_ms == 0
        # Funding settles on the candle that opens at a boundary.
        due |= base.open_ms % FUNDING_INTERVAL_MS == 0
        due[0] = due[-1] = True
        # The first candle after a gap: the move across it, and any funding boundary in it.
        due[1:] |= np.diff(base.open_ms) != base.interval_ms
        for symbol in self.symbols:
            due |= self._trigger_steps(symbol, close_ms)
        return np.flatnonzero(due).astype(np.int64)

    def _trigger_steps(self, symbol: str, close_ms: IntArray) -> npt.NDArray[np.bool_]:
        frame = self.market.series[symbol]
        mask = self.brain.trigger_mask(self.market.columns[symbol])
        mask &= frame.close_ms % self.setup.profile.decision_interval_ms == 0
        at = np.searchsorted(close_ms, frame.close_ms[mask])
        due = np.zeros(len(close_ms), dtype=np.bool_)
        due[at[at < len(close_ms)]] = True
        return due

    @property
    def waits(self) -> bool:
        """Tell whether the run waits on I/O (an LLM brain's calls) and so needs an event loop."""
        return self.setup.profile.brain != "rules"

    async def run(self, progress: Progress | None = None) -> BacktestRun:
        """Run every candle that matters through the kernel; return the finished account."""
        with rare_collections():
            return await self._run(progress)

    async def _run(self, progress: Progress | None) -> BacktestRun:
        base, symbols = self.base, self.symbols
        total = len(base)
        close_ms = base.close_ms
        # Python ints: the walk compares them one at a time, which numpy scalars do slowly.
        mandatory: list[int] = self.mandatory_steps().tolist()
        series = [self.series[s] for s in symbols]
        steps = await walk(self.driver, series, mandatory, self.venue.exchange, progress)
        last_close = int(close_ms[-1])
        self.driver.finish()
        if progress is not None:
            progress(total, total)
        return BacktestRun(
            self.account,
            self.venue,
            self.decisions,
            total * len(symbols),
            steps,
            int(base.open_ms[0]),
            last_close,
        )
