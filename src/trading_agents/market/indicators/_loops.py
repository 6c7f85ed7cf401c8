"""The indicators' loops over whole columns: each step needs the one before, so numpy cannot.

Each reads a column of doubles and writes its results into another, index by index, so that
Cython can compile this same source to loops over C doubles (`_loops.pxd` beside it gives the
types; `make install` builds it with the mypyc modules): mypyc would box every float. The
float operations are the incremental classes' own, in the same order, so both builds give
bit for bit the values a live agent computes one candle at a time.
"""

from __future__ import annotations


def _check_room(count: int, period: int, out: memoryview[float]) -> None:
    # The compiled loops do not check their indices: a short output would be written past.
    if period < 1 or count < period or len(out) < count - period + 1:
        raise ValueError(
            f"{count} values and a period of {period} need {count - period + 1} results"
            f" where there is room for {len(out)}"
        )


def ema_into(values: memoryview[float], period: int, out: memoryview[float]) -> None:
    """Write the EMA of `values` from the `period`-th on into `out`, seeded with their mean."""
    count = len(values)
    _check_room(count, period, out)
    k = 2.0 / (period + 1)
    total = 0.0
    for i in range(period):
        total += values[i]
    average = total / period
    out[0] = average
    for i in range(period, count):
        average = ((values[i] - average) * k) + average
        out[i - period + 1] = average


def sma_into(values: memoryview[float], period: int, out: memoryview[float]) -> None:
    """Write the moving average of `values` from the `period`-th on into `out`."""
    count = len(values)
    _check_room(count, period, out)
    total = 0.0
    for i in range(period - 1):
        total += values[i]
    for i in range(period - 1, count):
        total += values[i]
        out[i - period + 1] = total / period
        total -= values[i - period + 1]


def wilder_into(steps: memoryview[float], period: int, out: memoryview[float]) -> None:
    """Write Wilder's average of `steps` from the `period`-th on into `out`, seeded with a mean."""
    # TA-Lib's order: multiply by period - 1, add the step, divide by the period.
    count = len(steps)
    _check_room(count, period, out)
    factor = float(period - 1)
    divisor = float(period)
    average = 0.0
    for i in range(period):
        average += steps[i]
    average /= divisor
    out[0] = average
    for i in range(period, count):
        average = (average * factor + steps[i]) / divisor
        out[i - period + 1] = average
