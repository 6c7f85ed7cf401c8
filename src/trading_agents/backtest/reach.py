"""How far a backtest may skip: the first candle ahead whose range reaches a price that matters.

A loop over the candles' lows and highs, compiled by Cython from this same source (`reach.pxd`
beside it gives the C types; `make install` builds it with the other compiled modules): asked
after every step, numpy's five calls over a window of a few dozen candles cost more than the
comparisons themselves. Plain Python where nothing was compiled.
"""

from __future__ import annotations


def first_reach(
    lows: memoryview[float],
    highs: memoryview[float],
    start: int,
    stop: int,
    below: float,
    above: float,
) -> int:
    """Return the first index in [start, stop) with low <= `below` or high >= `above`, or stop."""
    if start < 0 or stop > min(len(lows), len(highs)):
        # The compiled loop does not check its indices: it would read past the columns.
        raise IndexError(f"candles {start}..{stop} are not all in columns of {len(lows)}")
    for index in range(start, stop):
        if lows[index] <= below or highs[index] >= above:
            return index
    return stop
