"""For any prices, indicators stay in their ranges and the live and backtest forms agree."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from trading_agents.market.indicators import (
    Atr,
    Ema,
    FloatArray,
    Rsi,
    Sma,
    atr,
    crossed_above,
    crossed_below,
    crossovers,
    ema,
    rsi,
    sma,
)

# A few recurring prices make flat stretches and exact ties, where the edge cases live.
price = st.one_of(
    st.floats(min_value=1e-6, max_value=1e9),
    st.sampled_from([99.9, 100.0, 100.1]),
)
prices = st.lists(price, max_size=120)
periods = st.integers(min_value=2, max_value=30)
# NaNs before the first price (skipped, as TA-Lib does) and after it (they poison the rest).
gappy_prices = st.tuples(
    st.integers(min_value=0, max_value=3),
    st.lists(st.one_of(price, st.just(np.nan)), max_size=120),
).map(lambda drawn: [np.nan] * drawn[0] + drawn[1])


@st.composite
def candles(draw: st.DrawFn, allow_nan: bool = False) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Draw high, low and close columns with low <= close <= high."""
    rows = draw(st.lists(st.tuples(price, price, st.floats(0.0, 1.0)), max_size=120))
    high, low, close = [], [], []
    for a, b, at in rows:
        high.append(max(a, b))
        low.append(min(a, b))
        close.append(min(a, b) + at * abs(a - b))
    columns = [np.array(c, dtype=np.float64) for c in (high, low, close)]
    if allow_nan and rows:
        for values in columns:
            holes = draw(st.lists(st.integers(0, len(rows) - 1), max_size=2))
            values[holes] = np.nan
    return columns[0], columns[1], columns[2]


def replay(update: Callable[..., float | None], *columns: FloatArray) -> FloatArray:
    """Feed the columns row by row to `update` and collect its answers, NaN for None."""
    answers = [update(*row) for row in zip(*(c.tolist() for c in columns), strict=True)]
    return np.array([np.nan if a is None else a for a in answers], dtype=np.float64)


def same(a: FloatArray, b: FloatArray) -> bool:
    return np.array_equal(a, b, equal_nan=True)


@given(gappy_prices, periods)
def test_live_and_backtest_moving_averages_and_rsi_agree_to_the_bit(
    values: list[float], period: int
) -> None:
    column = np.array(values, dtype=np.float64)

    assert same(replay(Ema(period).update, column), ema(column, period))
    assert same(replay(Sma(period).update, column), sma(column, period))
    assert same(replay(Rsi(period).update, column), rsi(column, period))


@given(candles(allow_nan=True), st.integers(min_value=1, max_value=30))
def test_live_and_backtest_atr_agree_to_the_bit(
    columns: tuple[FloatArray, FloatArray, FloatArray], period: int
) -> None:
    assert same(replay(Atr(period).update, *columns), atr(*columns, period))


@given(prices, periods)
def test_rsi_stays_between_0_and_100(values: list[float], period: int) -> None:
    strengths = rsi(np.array(values, dtype=np.float64), period)

    defined = strengths[~np.isnan(strengths)]
    assert ((defined >= 0.0) & (defined <= 100.0)).all()


@given(prices, periods)
def test_ema_stays_within_the_lowest_and_highest_value_seen(
    values: list[float], period: int
) -> None:
    column = np.array(values, dtype=np.float64)

    averages = ema(column, period)

    # The seed is a rounded sum over a count: it may land an ulp or two outside.
    slack = 1e-12 * np.maximum.accumulate(np.abs(column))
    defined = ~np.isnan(averages)
    assert (averages[defined] >= np.minimum.accumulate(column)[defined] - slack[defined]).all()
    assert (averages[defined] <= np.maximum.accumulate(column)[defined] + slack[defined]).all()


@given(candles(), st.integers(min_value=1, max_value=30))
def test_atr_is_never_negative(
    columns: tuple[FloatArray, FloatArray, FloatArray], period: int
) -> None:
    ranges = atr(*columns, period)

    assert (ranges[~np.isnan(ranges)] >= 0.0).all()


def crossing(fast: list[float], slow: list[float], t: int) -> int:
    """Return what the scalar helpers say about candle t: +1 up, -1 down, 0 neither."""
    if t == 0:
        return 0
    before, now = (fast[t - 1], slow[t - 1]), (fast[t], slow[t])
    return int(crossed_above(*before, *now)) - int(crossed_below(*before, *now))


@given(gappy_prices, gappy_prices)
def test_crossovers_say_what_the_scalar_helpers_say(fast: list[float], slow: list[float]) -> None:
    fast, slow = fast[: len(slow)], slow[: len(fast)]

    crossings = crossovers(np.array(fast, dtype=np.float64), np.array(slow, dtype=np.float64))

    assert crossings.tolist() == [crossing(fast, slow, t) for t in range(len(fast))]
