"""The market as an agent sees it: closed candles and indicators, never past the clock."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from trading_agents.core.clock import Clock
from trading_agents.core.errors import FatalError
from trading_agents.market.candles import Candle, price_decimal
from trading_agents.market.feeds.resample import CandleAggregator
from trading_agents.market.indicators import Atr, Ema, Rsi, atr, ema, rsi
from trading_agents.market.series import CandleSeries, FloatArray, doubles


class LookAheadError(FatalError):
    """Something asked for a candle that has not closed yet."""


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """The indicator periods an agent reads."""

    ema_fast: int
    ema_slow: int
    rsi: int
    atr: int


# Built at every candle: its __init__ is written out, so that mypyc compiles it (see
# model/orders.py).
@dataclass(frozen=True, slots=True, init=False)
class MarketSnapshot:
    """One symbol's latest closed candle and its indicators; None while they warm up."""

    symbol: str
    close_ms: int
    close: Decimal
    high: Decimal
    low: Decimal
    candles_seen: int
    ema_fast: float | None
    ema_slow: float | None
    prev_ema_fast: float | None
    prev_ema_slow: float | None
    rsi: float | None
    atr: float | None

    def __init__(
        self,
        symbol: str,
        close_ms: int,
        close: Decimal,
        high: Decimal,
        low: Decimal,
        candles_seen: int,
        ema_fast: float | None,
        ema_slow: float | None,
        prev_ema_fast: float | None,
        prev_ema_slow: float | None,
        rsi: float | None,
        atr: float | None,
    ) -> None:
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "close_ms", close_ms)
        object.__setattr__(self, "close", close)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "candles_seen", candles_seen)
        object.__setattr__(self, "ema_fast", ema_fast)
        object.__setattr__(self, "ema_slow", ema_slow)
        object.__setattr__(self, "prev_ema_fast", prev_ema_fast)
        object.__setattr__(self, "prev_ema_slow", prev_ema_slow)
        object.__setattr__(self, "rsi", rsi)
        object.__setattr__(self, "atr", atr)


class MarketView(Protocol):
    """Read-only market data bound to the clock."""

    def snapshot(self, symbol: str) -> MarketSnapshot | None:
        """Return the symbol's latest closed candle and indicators, or None before any."""
        ...

    def recent(self, symbol: str, count: int) -> Sequence[Candle]:
        """Return up to `count` of the symbol's latest closed candles, oldest first."""
        ...


def _present(value: float) -> float | None:
    return None if math.isnan(value) else value


class LiveMarket:
    """Update indicators candle by candle, for paper and live trading."""

    def __init__(
        self,
        spec: IndicatorSpec,
        clock: Clock,
        symbols: Sequence[str],
        timeframe_ms: int | None = None,
        keep: int = 500,
    ) -> None:
        self.spec = spec
        self._clock = clock
        self._state = {symbol: _SymbolState(spec, keep) for symbol in symbols}
        self._timeframe_ms = timeframe_ms
        self._aggregators: dict[str, CandleAggregator] = {}

    def on_candle(self, candle: Candle) -> None:
        """Take a base candle; the agent's timeframe candles are built from them."""
        if candle.symbol not in self._state:
            return
        if self._timeframe_ms is None or self._timeframe_ms == candle.interval_ms:
            self.update(candle)
            return
        aggregator = self._aggregators.get(candle.symbol)
        if aggregator is None:
            aggregator = self._aggregators[candle.symbol] = CandleAggregator(
                self._timeframe_ms, candle.interval_ms
            )
        built = aggregator.push(candle)
        if built is not None:
            self.update(built)

    def update(self, candle: Candle) -> MarketSnapshot:
        """Take a closed candle of one of the agent's symbols."""
        if candle.close_ms > self._clock.now_ms():
            raise LookAheadError(
                f"{candle.symbol} candle closing at {candle.close_ms} given at"
                f" {self._clock.now_ms()}, before it closed"
            )
        return self._state[candle.symbol].update(candle)

    def snapshot(self, symbol: str) -> MarketSnapshot | None:
        """Return the symbol's latest closed candle and indicators, or None before any."""
        return self._state[symbol].last

    def recent(self, symbol: str, count: int) -> Sequence[Candle]:
        """Return up to `count` of the symbol's latest closed candles, oldest first."""
        candles = self._state[symbol].candles
        return list(candles)[-count:] if count > 0 else []


class _SymbolState:
    __slots__ = ("atr", "candles", "ema_fast", "ema_slow", "last", "rsi", "seen")

    def __init__(self, spec: IndicatorSpec, keep: int) -> None:
        self.ema_fast, self.ema_slow = Ema(spec.ema_fast), Ema(spec.ema_slow)
        self.rsi, self.atr = Rsi(spec.rsi), Atr(spec.atr)
        self.candles: deque[Candle] = deque(maxlen=keep)
        self.last: MarketSnapshot | None = None
        self.seen = 0

    def update(self, candle: Candle) -> MarketSnapshot:
        close = float(candle.close)
        previous = self.last
        self.seen += 1
        self.candles.append(candle)
        self.last = MarketSnapshot(
            candle.symbol,
            candle.close_ms,
            candle.close,
            candle.high,
            candle.low,
            self.seen,
            self.ema_fast.update(close),
            self.ema_slow.update(close),
            None if previous is None else previous.ema_fast,
            None if previous is None else previous.ema_slow,
            self.rsi.update(close),
            self.atr.update(float(candle.high), float(candle.low), close),
        )
        return self.last


@dataclass(frozen=True, slots=True)
class IndicatorColumns:
    """A series' indicators, computed at once with the same arithmetic as LiveMarket."""

    ema_fast: FloatArray
    ema_slow: FloatArray
    rsi: FloatArray
    atr: FloatArray

    @classmethod
    def of(cls, series: CandleSeries, spec: IndicatorSpec) -> IndicatorColumns:
        """Compute every indicator of the spec over the whole series."""
        return cls(
            ema(series.close, spec.ema_fast),
            ema(series.close, spec.ema_slow),
            rsi(series.close, spec.rsi),
            atr(series.high, series.low, series.close, spec.atr),
        )


class _Rows:
    """A series' prices and indicators as views of doubles, read a row at a time."""

    # A view's item is half the cost of an array's .item(), and a snapshot reads nine.
    def __init__(self, series: CandleSeries, columns: IndicatorColumns) -> None:
        self.close = doubles(series.close)
        self.high = doubles(series.high)
        self.low = doubles(series.low)
        self.ema_fast = doubles(columns.ema_fast)
        self.ema_slow = doubles(columns.ema_slow)
        self.rsi = doubles(columns.rsi)
        self.atr = doubles(columns.atr)


class SeriesMarket:
    """Serve snapshots from whole series computed in advance, for backtests."""

    def __init__(
        self, spec: IndicatorSpec, clock: Clock, series: Mapping[str, CandleSeries]
    ) -> None:
        self.spec = spec
        self._clock = clock
        self.series = dict(series)
        self.columns = {symbol: IndicatorColumns.of(s, spec) for symbol, s in series.items()}
        # Close times as machine integers that bisect reads: asked once a step, numpy's
        # searchsorted costs several microseconds in call overhead for a single value. Copied
        # as bytes: a year's 525,600 times through a Python list would cost start-up time.
        self._close_ms = {
            symbol: array("q", s.close_ms.astype("int64", copy=False).tobytes())
            for symbol, s in series.items()
        }
        self._interval_ms = {symbol: s.interval_ms for symbol, s in series.items()}
        self._rows = {symbol: _Rows(s, self.columns[symbol]) for symbol, s in series.items()}
        self._cache: dict[str, MarketSnapshot] = {}
        # The gate and the decision ask again at the same moment: answer from the last lookup.
        self._served: dict[str, tuple[int, MarketSnapshot | None]] = {}
        # The candle each symbol's step showed last: a snapshot of its row takes its decimals
        # rather than turning the same three floats into decimals again.
        self._shown: dict[str, Candle] = {}

    def on_candle(self, candle: Candle) -> None:
        """Take the candle a step shows (the series already hold it): its decimals are reused."""
        self._shown[candle.symbol] = candle

    def index(self, symbol: str) -> int:
        """Return the position of the symbol's latest candle closed by now, or -1."""
        closes = self._close_ms[symbol]
        now_ms = self._clock.now_ms()
        count = len(closes)
        interval_ms = self._interval_ms[symbol]
        if count and interval_ms > 0:
            # On a grid without gaps the position is arithmetic; the closes around the guess
            # confirm it, and where a gap makes it wrong, bisection answers.
            first = closes[0]
            guess = (now_ms - first) // interval_ms if now_ms >= first else -1
            if (
                0 <= guess < count
                and closes[guess] <= now_ms
                and (guess + 1 == count or closes[guess + 1] > now_ms)
            ):
                return guess
        return bisect_right(closes, now_ms) - 1

    def snapshot(self, symbol: str) -> MarketSnapshot | None:
        """Return the symbol's latest closed candle and indicators, or None before any."""
        now_ms = self._clock.now_ms()
        served = self._served.get(symbol)
        if served is not None and served[0] == now_ms:
            return served[1]
        index = self.index(symbol)
        snapshot = None if index < 0 else self._snapshot_at(symbol, index)
        self._served[symbol] = (now_ms, snapshot)
        return snapshot

    def _snapshot_at(self, symbol: str, index: int) -> MarketSnapshot:
        cached = self._cache.get(symbol)
        close_ms = int(self._close_ms[symbol][index])
        if cached is not None and cached.close_ms == close_ms:
            return cached
        rows = self._rows[symbol]
        previous = index - 1
        shown = self._shown.get(symbol)
        if (
            shown is not None
            and shown.close_ms == close_ms
            and shown.interval_ms == self._interval_ms[symbol]
        ):
            # The same row of the same series: the same floats, made into the same decimals.
            close, high, low = shown.close, shown.high, shown.low
        else:
            close = price_decimal(rows.close[index])
            high = price_decimal(rows.high[index])
            low = price_decimal(rows.low[index])
        snapshot = MarketSnapshot(
            symbol,
            close_ms,
            close,
            high,
            low,
            index + 1,
            _present(rows.ema_fast[index]),
            _present(rows.ema_slow[index]),
            None if previous < 0 else _present(rows.ema_fast[previous]),
            None if previous < 0 else _present(rows.ema_slow[previous]),
            _present(rows.rsi[index]),
            _present(rows.atr[index]),
        )
        self._cache[symbol] = snapshot
        return snapshot

    def recent(self, symbol: str, count: int) -> Sequence[Candle]:
        """Return up to `count` of the symbol's latest closed candles, oldest first."""
        last = self.index(symbol) + 1
        series = self.series[symbol]
        return [series.candle(i) for i in range(max(0, last - count), last)]
