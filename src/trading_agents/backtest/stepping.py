"""The backtest's walk over its candles: each one that matters goes through the kernel.

Compiled with the hot path (`trading_agents._compiled`): the walk runs once a step, some
47,000 times over a year of 1m candles, and builds each step's candles from the columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from trading_agents.backtest.reach import first_reach
from trading_agents.engine.driver import KernelDriver
from trading_agents.market.candles import Candle, candle_at
from trading_agents.market.series import CandleSeries, doubles
from trading_agents.venues.sim.exchange import SimExchange

Progress = Callable[[int, int], None]

_BELOW_ALL: Final = float("-inf")
_ABOVE_ALL: Final = float("inf")


async def walk(
    driver: KernelDriver,
    series: Sequence[CandleSeries],
    mandatory: list[int],
    exchange: SimExchange,
    progress: Progress | None,
) -> int:
    """Step every candle in `mandatory` and every one that could touch the book; return steps.

    Between two such candles, a candle whose low and high stay inside every symbol's quiet
    band (`SimExchange.quiet_band`) changes nothing, and is stepped over.
    """
    total = len(series[0])
    # Memoryviews of doubles: what `first_reach` reads, compiled or not.
    lows = [doubles(s.low) for s in series]
    highs = [doubles(s.high) for s in series]
    report_every = max(1, total // 200)
    next_report = 0
    steps, pointer, index = 0, 0, 0
    count = len(mandatory)
    while index < total:
        await driver.step(_candles_at(series, index))
        steps += 1
        if progress is not None and index >= next_report:
            progress(index + 1, total)
            next_report = index + report_every
        while pointer < count and mandatory[pointer] <= index:
            pointer += 1
        following = mandatory[pointer] if pointer < count else total
        start = index + 1
        for position, one in enumerate(series):
            if following <= start:
                break
            band = exchange.quiet_band(one.symbol)
            if band is None:
                following = start
                break
            below, above = band
            if below == _BELOW_ALL and above == _ABOVE_ALL:
                continue
            following = first_reach(lows[position], highs[position], start, following, below, above)
        index = following
    return steps


def _candles_at(series: Sequence[CandleSeries], index: int) -> list[Candle]:
    """Return each symbol's candle at `index`, with exact decimal prices."""
    return [candle_at(one, index) for one in series]
