"""What a search maximises: a trial's score from its equity, per hour, over its window.

The ratios are computed on hourly returns of the equity curve (the kernel marks equity every
hour), not on the daily returns the backtest's summary uses: a training window of a few days
has too few days to rank trials on, and the overfitting measures need returns on one grid
for every trial. They are annualised like the summary's (with the square root of the hours
in a year). A ratio that is undefined (equity that never moved, no losing hour, no
drawdown) scores 0, as a run that shows no skill would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np

from trading_agents.core.clock import MS_PER_DAY, MS_PER_HOUR
from trading_agents.market.series import FloatArray
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.metrics import PortfolioMetrics
from trading_agents.portfolio.returns import DAYS_PER_YEAR, sharpe_ratio, sortino_ratio

HOURS_PER_DAY = 24
PERIOD_MS = MS_PER_HOUR


class Objective(StrEnum):
    """The figure a search maximises."""

    SHARPE = "sharpe"  # annualised Sharpe ratio of hourly returns
    SORTINO = "sortino"  # annualised Sortino ratio of hourly returns
    CALMAR = "calmar"  # return per year (not compounded) over the maximum drawdown
    PROFIT = "profit"  # equity gained over the window, open positions at their last mark


@dataclass(frozen=True, slots=True)
class Score:
    """A trial's score; minus infinity when a limit of the search rejected it."""

    value: float
    rejected: str | None = None  # why, when rejected


def period_returns(
    points: Iterable[EquityPoint], start_ms: int, end_ms: int, initial: Decimal
) -> FloatArray:
    """Return the equity's return over each hour of [start_ms, end_ms), from `initial`."""
    marks = [(point.ts_ms, point.equity) for point in points]
    times = np.array([ts for ts, _ in marks], dtype=np.int64)
    # Floats from here on: returns are statistics, not money.
    equity = np.array([float(value) for _, value in marks], dtype=np.float64)
    grid = np.arange(start_ms + PERIOD_MS, end_ms + 1, PERIOD_MS, dtype=np.int64)
    if not len(equity):
        return np.zeros(len(grid), dtype=np.float64)
    # Each hour's close is the last mark at or before it; before the first mark, `initial`.
    at = np.searchsorted(times, grid, side="right") - 1
    levels = np.where(at >= 0, equity[np.maximum(at, 0)], float(initial))
    before = np.concatenate([[float(initial)], levels[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.where(before > 0, levels / np.where(before > 0, before, 1.0) - 1.0, 0.0)
    return np.asarray(returns, dtype=np.float64)


def score(
    objective: Objective,
    metrics: PortfolioMetrics,
    returns: FloatArray,
    initial: Decimal,
    final: Decimal,
    window_ms: int,
    drawdown_cap: Decimal | None,
) -> Score:
    """Return the trial's score by the objective; minus infinity past the drawdown cap."""
    if drawdown_cap is not None and metrics.max_drawdown > drawdown_cap:
        return Score(
            -math.inf,
            f"max drawdown {metrics.max_drawdown:.2%} above the cap of {drawdown_cap:.2%}",
        )
    hourly = returns.tolist()
    # The portfolio's ratios annualise daily returns; hourly ones take a day's hours more.
    per_day = math.sqrt(HOURS_PER_DAY)
    match objective:
        case Objective.SHARPE:
            ratio = sharpe_ratio(hourly)
            return Score(0.0 if ratio is None else ratio * per_day)
        case Objective.SORTINO:
            ratio = sortino_ratio(hourly)
            return Score(0.0 if ratio is None else ratio * per_day)
        case Objective.CALMAR:
            if metrics.max_drawdown <= 0 or initial <= 0:
                return Score(0.0)
            years = window_ms / (DAYS_PER_YEAR * MS_PER_DAY)
            yearly = float((final - initial) / initial) / years
            return Score(yearly / float(metrics.max_drawdown))
        case Objective.PROFIT:
            return Score(float(final - initial))
