"""Crossings of a fast line over a slow one, such as two moving averages."""

from __future__ import annotations

import numpy as np

from trading_agents.market.indicators._shared import FloatArray, Int8Array, column, same_length


def crossed_above(
    prev_fast: float | None, prev_slow: float | None, fast: float | None, slow: float | None
) -> bool:
    """Say whether fast rose above slow now, having been at or below it before."""
    if prev_fast is None or prev_slow is None or fast is None or slow is None:
        return False
    return fast > slow and prev_fast <= prev_slow


def crossed_below(
    prev_fast: float | None, prev_slow: float | None, fast: float | None, slow: float | None
) -> bool:
    """Say whether fast fell below slow now, having been at or above it before."""
    if prev_fast is None or prev_slow is None or fast is None or slow is None:
        return False
    return fast < slow and prev_fast >= prev_slow


def crossovers(fast: FloatArray, slow: FloatArray) -> Int8Array:
    """Return +1 where fast crossed above slow, -1 where it crossed below, and 0 elsewhere.

    Every comparison with NaN is false, so a crossing needs both lines defined at t and t-1.
    """
    fast, slow = column(fast, "fast"), column(slow, "slow")
    crossings = np.zeros(same_length(fast=fast, slow=slow), dtype=np.int8)
    if crossings.shape[0] < 2:
        return crossings
    above = fast[1:] > slow[1:]
    below = fast[1:] < slow[1:]
    crossings[1:][above & (fast[:-1] <= slow[:-1])] = 1
    crossings[1:][below & (fast[:-1] >= slow[:-1])] = -1
    return crossings
