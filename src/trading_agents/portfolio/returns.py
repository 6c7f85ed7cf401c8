"""Daily returns and the risk-adjusted ratios computed on them."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Final

from trading_agents.core.clock import utc_day_start
from trading_agents.core.decimals import ZERO
from trading_agents.portfolio.equity import EquityPoint

DAYS_PER_YEAR: Final = 365  # crypto trades every day of the year


def keep_close(closes: list[EquityPoint], point: EquityPoint) -> None:
    """Record `point` as its UTC day's close, replacing an earlier point of the same day."""
    if closes and utc_day_start(closes[-1].ts_ms) == utc_day_start(point.ts_ms):
        closes[-1] = point
    else:
        closes.append(point)


def daily_closes(curve: Iterable[EquityPoint]) -> list[EquityPoint]:
    """Return the last point of each UTC day of a curve given in time order."""
    closes: list[EquityPoint] = []
    for point in curve:
        keep_close(closes, point)
    return closes


def daily_returns(curve: Iterable[EquityPoint]) -> list[float]:
    """Return each marked day's return on the previous marked day's close, net of cash flows.

    A deposit or withdrawal during the day is taken out of the day's change, so money moved
    in or out is not a gain or a loss. A day after a close at or below zero has no return.
    """
    returns: list[float] = []
    for previous, close in pairwise(daily_closes(curve)):
        if previous.equity <= ZERO:
            continue
        flows = close.net_deposits - previous.net_deposits
        returns.append(float((close.equity - previous.equity - flows) / previous.equity))
    return returns


def sharpe_ratio(returns: Sequence[float]) -> float | None:
    """Return the annualised Sharpe ratio of daily returns, with a risk-free rate of zero.

    None with fewer than two returns or when they do not vary.
    """
    if len(returns) < 2:
        return None
    deviation = statistics.stdev(returns)
    if deviation == 0:
        return None
    return statistics.fmean(returns) / deviation * math.sqrt(DAYS_PER_YEAR)


def sortino_ratio(returns: Sequence[float]) -> float | None:
    """Return the annualised Sortino ratio of daily returns, with a target of zero.

    The downside deviation is the root mean square of the returns below zero over all the
    days. None with fewer than two returns or when no return is below zero.
    """
    if len(returns) < 2:
        return None
    downside = math.sqrt(math.fsum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    if downside == 0:
        return None
    return statistics.fmean(returns) / downside * math.sqrt(DAYS_PER_YEAR)
