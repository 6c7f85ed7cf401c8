"""Replay: stored candle series as a feed, in time order, as fast as possible or paced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import replace

import numpy as np

from trading_agents.core.clock import interval_name, to_datetime
from trading_agents.market.candles import Candle, price_decimal
from trading_agents.market.series import CandleSeries

Sleep = Callable[[float], Awaitable[None]]

# Unpaced, the replay lets other tasks run after this many candles.
YIELD_EVERY = 256
_CHUNK = 4096  # candles turned into Python numbers at once, at full speed
# Paced, a chunk is built between two candles: small, so a service's API calls never wait on it.
_PACED_CHUNK = 32


class ReplayFeed:
    """Yield the candles of several series by close time, at equal times in symbol order.

    With equal intervals that is open-time order. `speed` is candles per second (None: as
    fast as possible); `sleep` is awaited between candles, so tests can pass a fake.
    """

    def __init__(
        self,
        series: Mapping[str, CandleSeries],
        symbols: Sequence[str] | None = None,
        *,
        speed: float | None = None,
        sleep: Sleep = asyncio.sleep,
        label: str = "replay",
        loop: bool = False,
        after_ms: int | None = None,
    ) -> None:
        order = list(series) if symbols is None else list(symbols)
        if not order:
            raise ValueError("a replay needs at least one symbol")
        if sorted(order) != sorted(series) or len(set(order)) != len(order):
            raise ValueError(
                f"symbol order {order} must name each replayed symbol once: {sorted(series)}"
            )
        for symbol, one in series.items():
            if one.symbol != symbol:
                raise ValueError(f"series of {one.symbol} given as the series of {symbol}")
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be above zero candles per second, not {speed}")
        self._series = [series[symbol] for symbol in order]
        self._speed = speed
        self._sleep = sleep
        self._label = label
        # Looping repeats the candles with times moved on by the span, so time never goes back.
        self._loop = loop
        self._after_ms = after_ms  # resume: only candles closing after this

    @property
    def symbols(self) -> list[str]:
        """Return the replayed symbols in their order at equal times."""
        return [one.symbol for one in self._series]

    def __len__(self) -> int:
        return sum(len(one) for one in self._series)

    @property
    def cadence_s(self) -> float | None:
        """Return the seconds a moment takes at the replay's speed; None as fast as it goes."""
        return None if self._speed is None else len(self._series) / self._speed

    @property
    def dropped(self) -> Mapping[str, str]:
        """Return nothing: a replay follows every symbol it holds."""
        return {}

    @property
    def description(self) -> str:
        """Say which symbols, interval and span the replay covers."""
        intervals = {one.interval_ms for one in self._series}
        if len(intervals) == 1:
            what = f"{', '.join(self.symbols)} {interval_name(intervals.pop())}"
        else:
            what = ", ".join(
                f"{one.symbol} {interval_name(one.interval_ms)}" for one in self._series
            )
        filled = [one for one in self._series if len(one)]
        if not filled:
            return f"{self._label} of {what} (0 candles)"
        start = min(int(one.open_ms[0]) for one in filled)
        end = max(int(one.open_ms[-1]) + one.interval_ms for one in filled)
        looping = ", looping" if self._loop else ""
        return (
            f"{self._label} of {what} from {_minute(start)} to {_minute(end)}"
            f" ({len(self)} candles{looping})"
        )

    async def candles(self) -> AsyncIterator[Candle]:
        """Yield every candle once, oldest close first, pacing them when a speed is set."""
        delay = None if self._speed is None else 1 / self._speed
        after = self._after_ms
        ordered = self._cycles(self._shift_holding(after))
        if after is not None:
            ordered = (candle for candle in ordered if candle.close_ms > after)
        for count, candle in enumerate(ordered):
            if delay is not None:
                # Paced from the start: a candle a second means the first one comes after a second.
                await self._sleep(delay)
            elif count and count % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            yield candle

    def before(self, end_ms: int) -> Iterator[Candle]:
        """Yield the candles closing at or before `end_ms`, from the round before its own."""
        bounds = self._bounds()
        start = 0 if bounds is None else max(0, self._shift_holding(end_ms) - bounds[1])
        for candle in self._cycles(start):
            if candle.close_ms > end_ms:
                return
            yield candle

    def _bounds(self) -> tuple[int, int] | None:
        """Return the first round's last close and the span of a round, when looping."""
        filled = [one for one in self._series if len(one)]
        if not self._loop or not filled:
            return None
        first_open = min(int(one.open_ms[0]) for one in filled)
        last_close = max(int(one.open_ms[-1]) + one.interval_ms for one in filled)
        return last_close, last_close - first_open

    def _shift_holding(self, ms: int | None) -> int:
        """Return the shift of the first round with a candle closing after `ms`."""
        bounds = self._bounds()
        if ms is None or bounds is None or ms < bounds[0]:
            return 0
        last_close, span = bounds
        return ((ms - last_close) // span + 1) * span

    def _cycles(self, shift: int = 0) -> Iterator[Candle]:
        """Yield the replay once, or again and again shifted by its span when looping."""
        bounds = self._bounds()
        if bounds is None:
            yield from self._ordered()
            return
        span = bounds[1]
        while True:
            for candle in self._ordered():
                yield candle if shift == 0 else replace(candle, open_ms=candle.open_ms + shift)
            shift += span

    def _ordered(self) -> Iterator[Candle]:
        """Build the candles in replay order, turning columns into Python numbers in chunks."""
        parts = self._series
        rank = np.concatenate(
            [np.full(len(one), at, dtype=np.int64) for at, one in enumerate(parts)]
        )
        order = np.lexsort((rank, np.concatenate([one.close_ms for one in parts])))
        columns = [
            np.concatenate([getattr(one, name) for one in parts])
            for name in ("open_ms", "open", "high", "low", "close", "volume")
        ]
        symbols = self.symbols
        intervals = [one.interval_ms for one in parts]
        chunk = _CHUNK if self._speed is None else _PACED_CHUNK
        for first in range(0, len(order), chunk):
            pick = order[first : first + chunk]
            rows = zip(
                rank[pick].tolist(), *(column[pick].tolist() for column in columns), strict=True
            )
            for at, open_ms, open_, high, low, close, volume in rows:
                yield Candle(
                    symbols[at],
                    open_ms,
                    intervals[at],
                    price_decimal(open_),
                    price_decimal(high),
                    price_decimal(low),
                    price_decimal(close),
                    price_decimal(volume),
                )


def _minute(ms: int) -> str:
    return f"{to_datetime(ms):%Y-%m-%dT%H:%MZ}"
