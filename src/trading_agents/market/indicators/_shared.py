"""Checks and arithmetic shared by the indicators."""

from __future__ import annotations

import operator

import numpy as np
import numpy.typing as npt

from trading_agents.market.indicators._loops import wilder_into
from trading_agents.market.series import written

FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]


def checked_period(indicator: str, period: int, minimum: int) -> int:
    """Return the period, or raise ValueError if it is below what the indicator allows."""
    period = operator.index(period)
    if period < minimum:
        raise ValueError(f"{indicator} period must be at least {minimum}, not {period}")
    return period


def column(values: FloatArray, name: str) -> FloatArray:
    """Return the values as a one-dimensional float64 array, or raise ValueError."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {values.shape}")
    return values


def same_length(**columns: FloatArray) -> int:
    """Return the common length of the columns, or raise ValueError if they differ."""
    lengths = {name: int(values.shape[0]) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"columns differ in length: {lengths}")
    return next(iter(lengths.values()))


def first_valid(*columns: FloatArray) -> int:
    """Return the first index at which no column is NaN, or the length if there is none."""
    valid = ~np.isnan(columns[0])
    for values in columns[1:]:
        valid &= ~np.isnan(values)
    return int(valid.argmax()) if valid.any() else int(valid.shape[0])


def nan_column(length: int) -> FloatArray:
    """Return a column of `length` NaNs, the value of an indicator not yet defined."""
    return np.full(length, np.nan, dtype=np.float64)


def wilder_average(steps: memoryview[float], period: int) -> FloatArray:
    """Return Wilder's average of the steps from the `period`-th on, seeded with their mean."""
    averages = np.empty(len(steps) - period + 1, dtype=np.float64)
    wilder_into(steps, period, written(averages))
    return averages
