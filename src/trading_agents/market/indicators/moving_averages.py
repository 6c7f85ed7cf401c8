"""Simple and exponential moving averages (TA-Lib's SMA and EMA)."""

from __future__ import annotations

import math
from collections import deque

from trading_agents.market.indicators._loops import ema_into, sma_into
from trading_agents.market.indicators._shared import (
    FloatArray,
    checked_period,
    column,
    first_valid,
    nan_column,
)
from trading_agents.market.series import doubles, written


class Sma:
    """Track the simple moving average of the last `period` values."""

    __slots__ = ("_total", "_value", "_window", "period")

    def __init__(self, period: int) -> None:
        self.period = checked_period("SMA", period, 2)
        self._window: deque[float] = deque()
        self._total = 0.0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        """Return the latest average, or None while warming up."""
        return self._value

    def update(self, value: float) -> float | None:
        """Take the next value and return the average, or None while warming up."""
        window = self._window
        # Leading NaNs are skipped, as TA-Lib does, so an average of another indicator
        # starts where that indicator does.
        if not window and math.isnan(value):
            return None
        window.append(value)
        total = self._total + value
        if len(window) < self.period:
            self._total = total
            return None
        # TA-Lib keeps a running total, adding the newest value before dividing and taking
        # the oldest out after; the same order gives the same rounding.
        self._value = total / self.period
        self._total = total - window.popleft()
        return self._value


def sma(values: FloatArray, period: int) -> FloatArray:
    """Return the simple moving average at every index, NaN before `period` values."""
    period = checked_period("SMA", period, 2)
    values = column(values, "values")
    averages = nan_column(values.shape[0])
    start = first_valid(values)
    if values.shape[0] - start < period:
        return averages
    sma_into(doubles(values[start:]), period, written(averages[start + period - 1 :]))
    return averages


class Ema:
    """Track an exponential moving average seeded with the simple average of `period` values."""

    __slots__ = ("_count", "_k", "_total", "_value", "period")

    def __init__(self, period: int) -> None:
        self.period = checked_period("EMA", period, 2)
        self._k = 2.0 / (self.period + 1)
        self._count = 0
        self._total = 0.0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        """Return the latest average, or None while warming up."""
        return self._value

    def update(self, value: float) -> float | None:
        """Take the next value and return the average, or None while warming up."""
        average = self._value
        if average is not None:
            average = ((value - average) * self._k) + average
            self._value = average
            return average
        # Leading NaNs are skipped, as TA-Lib does.
        if self._count == 0 and math.isnan(value):
            return None
        self._total += value
        self._count += 1
        if self._count == self.period:
            self._value = self._total / self.period
        return self._value


def ema(values: FloatArray, period: int) -> FloatArray:
    """Return the exponential moving average at every index, NaN before `period` values."""
    period = checked_period("EMA", period, 2)
    values = column(values, "values")
    averages = nan_column(values.shape[0])
    start = first_valid(values)
    if values.shape[0] - start < period:
        return averages
    ema_into(doubles(values[start:]), period, written(averages[start + period - 1 :]))
    return averages
