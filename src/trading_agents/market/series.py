"""Candle series: one symbol's candles as columns, for loading, indicators and fast replay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trading_agents.market.candles import Candle, candle_at

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def doubles(values: FloatArray) -> memoryview[float]:
    """Return a column as a memoryview of doubles, what the compiled loops read (Cython's)."""
    # Loops read and write memoryviews rather than lists: building and converting lists took
    # a third of each pass, and a typed memoryview takes any buffer of doubles.
    return written(np.ascontiguousarray(values, dtype=np.float64))


def written(values: FloatArray) -> memoryview[float]:
    """Return a view through which a loop writes into the values themselves."""
    # No ascontiguousarray here: a copy would take the results and drop them; a view that is
    # not contiguous fails to cast instead.
    return values.data.cast("B").cast("d")


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """One symbol's consecutive candles of one interval, oldest first, as columns."""

    symbol: str
    interval_ms: int
    open_ms: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.open_ms.shape[0])

    @property
    def close_ms(self) -> IntArray:
        """Return every candle's close time (the next candle's open)."""
        return self.open_ms + self.interval_ms

    def candle(self, index: int) -> Candle:
        """Return the candle at `index` with exact decimal prices."""
        return candle_at(self, index)

    def between(self, start_ms: int | None, end_ms: int | None) -> CandleSeries:
        """Return the candles that open at or after `start_ms` and close at or before `end_ms`."""
        first = 0 if start_ms is None else int(np.searchsorted(self.open_ms, start_ms, "left"))
        last = (
            len(self)
            if end_ms is None
            else int(np.searchsorted(self.open_ms, end_ms - self.interval_ms, "right"))
        )
        return self.rows(first, last)

    @classmethod
    def joined(cls, parts: Sequence[CandleSeries]) -> CandleSeries:
        """Return parts of one symbol and interval, in time order, as one series."""
        first = parts[0]
        if len(parts) == 1:
            return first

        def column(name: str) -> npt.NDArray[np.float64]:
            return np.concatenate([getattr(part, name) for part in parts])

        return cls(
            first.symbol,
            first.interval_ms,
            np.concatenate([part.open_ms for part in parts]),
            column("open"),
            column("high"),
            column("low"),
            column("close"),
            column("volume"),
        )

    def gaps(self) -> list[tuple[int, int]]:
        """Return each gap as the close of the candle before it and the open of the one after."""
        holes = np.flatnonzero(np.diff(self.open_ms) != self.interval_ms)
        return [
            (int(self.open_ms[at]) + self.interval_ms, int(self.open_ms[at + 1])) for at in holes
        ]

    def where(self, keep: npt.NDArray[np.bool_]) -> CandleSeries:
        """Return the candles whose position `keep` marks."""
        return CandleSeries(
            self.symbol,
            self.interval_ms,
            self.open_ms[keep],
            self.open[keep],
            self.high[keep],
            self.low[keep],
            self.close[keep],
            self.volume[keep],
        )

    def rows(self, first: int, last: int) -> CandleSeries:
        """Return the candles at positions first..last-1."""
        return CandleSeries(
            self.symbol,
            self.interval_ms,
            self.open_ms[first:last],
            self.open[first:last],
            self.high[first:last],
            self.low[first:last],
            self.close[first:last],
            self.volume[first:last],
        )
