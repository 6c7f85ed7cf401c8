"""Resampling: longer candles from shorter ones, in one batch or one candle at a time.

A bucket spans a multiple of the target interval since the epoch and is emitted only when
all its base candles are there; both ways give the same candles, volumes summed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from trading_agents.market.candles import Candle, price_decimal
from trading_agents.market.series import CandleSeries, FloatArray, IntArray

# Doubles hold every integer below 2**53 exactly.
_EXACT_INTEGERS = 2.0**53
_MAX_PLACES = 15


def _factor(interval_ms: int, base_interval_ms: int) -> int:
    """Return how many base candles make one candle of `interval_ms`."""
    if base_interval_ms <= 0 or interval_ms <= 0 or interval_ms % base_interval_ms:
        raise ValueError(
            f"cannot build {interval_ms} ms candles from {base_interval_ms} ms candles: the "
            f"interval must be a positive multiple of the base interval"
        )
    return interval_ms // base_interval_ms


def resample(series: CandleSeries, interval_ms: int) -> CandleSeries:
    """Return the complete `interval_ms` candles that the series' candles make up."""
    factor = _factor(interval_ms, series.interval_ms)
    if factor == 1:
        return series
    open_ms = series.open_ms
    if len(series) == 0:
        return CandleSeries(series.symbol, interval_ms, *_empty_columns())
    bucket_ms = open_ms - open_ms % interval_ms
    starts = np.flatnonzero(np.concatenate(([True], bucket_ms[1:] != bucket_ms[:-1])))
    ends = np.concatenate((starts[1:], [len(series)])) - 1
    complete = (
        (ends - starts + 1 == factor)
        & (open_ms[starts] == bucket_ms[starts])
        & (open_ms[ends] - open_ms[starts] == (factor - 1) * series.interval_ms)
    )
    return CandleSeries(
        series.symbol,
        interval_ms,
        bucket_ms[starts][complete],
        series.open[starts][complete],
        np.maximum.reduceat(series.high, starts)[complete],
        np.minimum.reduceat(series.low, starts)[complete],
        series.close[ends][complete],
        _exact_sums(series.volume, starts)[complete],
    )


def _empty_columns() -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    empty = np.empty(0, dtype=np.float64)
    return np.empty(0, dtype=np.int64), empty, empty, empty, empty, empty


def _exact_sums(values: FloatArray, starts: IntArray) -> FloatArray:
    """Sum each run of values from a start so that the sums print as exact decimal sums.

    Every value is the double nearest a decimal with a few places; summed as integers of the
    smallest unit, a sum divides back to the double nearest the exact decimal sum.
    """
    for places in range(_MAX_PLACES + 1):
        scale = 10.0**places
        units = np.rint(values * scale)
        if not units.size or np.abs(units).max() >= _EXACT_INTEGERS:
            break
        if np.array_equal(units / scale, values):
            sums = np.add.reduceat(units.astype(np.int64), starts)
            if np.abs(sums).max() < _EXACT_INTEGERS:
                exact: FloatArray = sums / scale
                return exact
            break
    # Too many places for integers; sum the decimals themselves (slow, and rare).
    ends = [*starts[1:].tolist(), len(values)]
    return np.array(
        [
            float(sum((price_decimal(value) for value in values[start:end].tolist()), Decimal(0)))
            for start, end in zip(starts.tolist(), ends, strict=True)
        ],
        dtype=np.float64,
    )


@dataclass(slots=True)
class _Bucket:
    """The base candles of one bucket seen so far."""

    open_ms: int
    next_open_ms: int
    count: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class CandleAggregator:
    """Build longer candles from base candles as they arrive, one bucket per symbol."""

    def __init__(self, interval_ms: int, base_interval_ms: int) -> None:
        self.interval_ms = interval_ms
        self.base_interval_ms = base_interval_ms
        self._factor = _factor(interval_ms, base_interval_ms)
        self._buckets: dict[str, _Bucket] = {}
        self._last_open_ms: dict[str, int] = {}

    def push(self, candle: Candle) -> Candle | None:
        """Take the next base candle; return the aggregated candle once its bucket is full.

        A bucket that misses a candle (it started before the first candle or has a gap)
        is dropped, as `resample` drops it.
        """
        if candle.interval_ms != self.base_interval_ms:
            raise ValueError(
                f"{candle.symbol} candle of {candle.interval_ms} ms given to an aggregator of "
                f"{self.base_interval_ms} ms candles"
            )
        last = self._last_open_ms.get(candle.symbol)
        if last is not None and candle.open_ms <= last:
            raise ValueError(
                f"{candle.symbol} candle at {candle.open_ms} does not follow the one at {last}"
            )
        self._last_open_ms[candle.symbol] = candle.open_ms
        if self._factor == 1:
            return candle
        bucket = self._buckets.pop(candle.symbol, None)
        if bucket is not None and bucket.next_open_ms == candle.open_ms:
            bucket.count += 1
            bucket.next_open_ms = candle.close_ms
            bucket.high = max(bucket.high, candle.high)
            bucket.low = min(bucket.low, candle.low)
            bucket.close = candle.close
            bucket.volume += candle.volume
        elif candle.open_ms % self.interval_ms == 0:
            bucket = _Bucket(
                candle.open_ms,
                candle.close_ms,
                1,
                candle.open,
                candle.high,
                candle.low,
                candle.close,
                candle.volume,
            )
        else:
            return None
        if bucket.count < self._factor:
            self._buckets[candle.symbol] = bucket
            return None
        return Candle(
            candle.symbol,
            bucket.open_ms,
            self.interval_ms,
            bucket.open,
            bucket.high,
            bucket.low,
            bucket.close,
            bucket.volume,
        )
