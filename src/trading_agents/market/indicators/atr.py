"""Wilder's average true range (TA-Lib's ATR)."""

from __future__ import annotations

import math

import numpy as np

from trading_agents.market.indicators._shared import (
    FloatArray,
    checked_period,
    column,
    first_valid,
    nan_column,
    same_length,
    wilder_average,
)
from trading_agents.market.series import doubles


class Atr:
    """Track the average true range of candles with Wilder's smoothing."""

    __slots__ = ("_count", "_divisor", "_factor", "_previous_close", "_total", "_value", "period")

    def __init__(self, period: int) -> None:
        self.period = checked_period("ATR", period, 1)
        self._factor = float(self.period - 1)
        self._divisor = float(self.period)
        self._previous_close: float | None = None
        self._count = 0
        self._total = 0.0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        """Return the latest average, or None while warming up."""
        return self._value

    def update(self, high: float, low: float, close: float) -> float | None:
        """Take the next candle and return the average, or None while warming up."""
        previous_close = self._previous_close
        if previous_close is None:
            # Leading candles with a NaN are skipped, as TA-Lib does.
            if not (math.isnan(high) or math.isnan(low) or math.isnan(close)):
                self._previous_close = close
            return None
        self._previous_close = close
        true_range = high - low
        to_high = abs(previous_close - high)
        if to_high > true_range:
            true_range = to_high
        to_low = abs(previous_close - low)
        if to_low > true_range:
            true_range = to_low
        if self._value is not None:
            self._value = (self._value * self._factor + true_range) / self._divisor
            return self._value
        self._total += true_range
        self._count += 1
        if self._count == self.period:
            self._value = self._total / self._divisor
        return self._value


def atr(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:
    """Return the average true range at every index, NaN before `period` true ranges."""
    period = checked_period("ATR", period, 1)
    high, low, close = column(high, "high"), column(low, "low"), column(close, "close")
    averages = nan_column(same_length(high=high, low=low, close=close))
    start = first_valid(high, low, close)
    if close.shape[0] - start <= period:
        return averages
    highs, lows, previous_closes = high[start + 1 :], low[start + 1 :], close[start:-1]
    # np.where with a strict ">" keeps TA-Lib's choice among equal or NaN candidates.
    true_ranges = highs - lows
    to_high = np.abs(previous_closes - highs)
    true_ranges = np.where(to_high > true_ranges, to_high, true_ranges)
    to_low = np.abs(previous_closes - lows)
    true_ranges = np.where(to_low > true_ranges, to_low, true_ranges)
    averages[start + period :] = wilder_average(doubles(true_ranges), period)
    return averages
