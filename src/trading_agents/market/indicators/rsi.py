"""Wilder's relative strength index (TA-Lib's RSI)."""

from __future__ import annotations

import math

import numpy as np

from trading_agents.market.indicators._shared import (
    FloatArray,
    checked_period,
    column,
    first_valid,
    nan_column,
    wilder_average,
)
from trading_agents.market.series import doubles


def _strength(gain: float, loss: float) -> float:
    total = gain + loss
    # Closes that never moved: TA-Lib says 0 rather than the undefined 0/0.
    return 100.0 * (gain / total) if total != 0.0 else 0.0


class Rsi:
    """Track the relative strength index of closes with Wilder's smoothing."""

    __slots__ = ("_count", "_divisor", "_factor", "_gain", "_loss", "_previous", "_value", "period")

    def __init__(self, period: int) -> None:
        self.period = checked_period("RSI", period, 2)
        self._factor = float(self.period - 1)
        self._divisor = float(self.period)
        self._previous: float | None = None
        self._count = 0
        self._gain = 0.0
        self._loss = 0.0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        """Return the latest index, or None while warming up."""
        return self._value

    def update(self, close: float) -> float | None:
        """Take the next close and return the index, or None while warming up."""
        previous = self._previous
        if previous is None:
            # Leading NaNs are skipped, as TA-Lib does.
            if not math.isnan(close):
                self._previous = close
            return None
        self._previous = close
        move = close - previous
        if move < 0.0:
            gain_step, loss_step = 0.0, -move
        else:
            gain_step, loss_step = move, 0.0
        if self._value is not None:
            self._gain = gain = (self._gain * self._factor + gain_step) / self._divisor
            self._loss = loss = (self._loss * self._factor + loss_step) / self._divisor
            self._value = _strength(gain, loss)
            return self._value
        self._gain += gain_step
        self._loss += loss_step
        self._count += 1
        if self._count == self.period:
            self._gain /= self._divisor
            self._loss /= self._divisor
            self._value = _strength(self._gain, self._loss)
        return self._value


def rsi(closes: FloatArray, period: int) -> FloatArray:
    """Return the relative strength index at every index, NaN before `period` moves."""
    period = checked_period("RSI", period, 2)
    closes = column(closes, "closes")
    strengths = nan_column(closes.shape[0])
    start = first_valid(closes)
    moves = np.diff(closes[start:])
    if moves.shape[0] < period:
        return strengths
    # Adding 0.0 for the side that did not move rounds exactly like TA-Lib's branch that
    # leaves it alone, because the running averages are never -0.0.
    falling = moves < 0.0
    gains = wilder_average(doubles(np.where(falling, 0.0, moves)), period)
    losses = wilder_average(doubles(np.where(falling, -moves, 0.0)), period)
    totals = gains + losses
    ratios = np.divide(gains, totals, out=np.zeros_like(totals), where=totals != 0.0)
    strengths[start + period :] = 100.0 * ratios
    return strengths
