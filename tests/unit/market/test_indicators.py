"""Indicators give TA-Lib's values, and the live and backtest forms agree to the last bit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import talib

from tests.support.market_data import candle_file
from trading_agents.market.feeds.files import load_candles
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

BTC_1M = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"
ROWS = 20_000
# The installed TA-Lib fuses the EMA step into an fma() and rewrote the Wilder step of RSI
# and ATR; we keep the classic expressions, which differ by a few ulps at most.
TALIB_RTOL = 1e-12


@dataclass(frozen=True)
class Prices:
    high: FloatArray
    low: FloatArray
    close: FloatArray


@pytest.fixture(scope="module")
def btc() -> Prices:
    """Return the first 20,000 one-minute BTCUSDT candles of May-June 2025 as columns."""
    series = load_candles(candle_file(BTC_1M)).rows(0, ROWS)
    return Prices(series.high, series.low, series.close)


def replay(update: Callable[..., float | None], *columns: FloatArray) -> FloatArray:
    """Feed the columns row by row to `update` and collect its answers, NaN for None."""
    answers = [update(*row) for row in zip(*(c.tolist() for c in columns), strict=True)]
    return np.array([np.nan if a is None else a for a in answers], dtype=np.float64)


def closes(*values: float) -> FloatArray:
    return np.array(values, dtype=np.float64)


# name: (the live class, the backtest function over Prices, TA-Lib over Prices)
FORMS: dict[
    str,
    tuple[
        Callable[[int], Ema | Sma | Rsi | Atr],
        Callable[[Prices, int], FloatArray],
        Callable[[Prices, int], FloatArray],
    ],
] = {
    "ema": (Ema, lambda p, n: ema(p.close, n), lambda p, n: talib.EMA(p.close, n)),
    "sma": (Sma, lambda p, n: sma(p.close, n), lambda p, n: talib.SMA(p.close, n)),
    "rsi": (Rsi, lambda p, n: rsi(p.close, n), lambda p, n: talib.RSI(p.close, n)),
    "atr": (
        Atr,
        lambda p, n: atr(p.high, p.low, p.close, n),
        lambda p, n: talib.ATR(p.high, p.low, p.close, n),
    ),
}
CASES = [
    *(("ema", n) for n in (2, 9, 21, 200)),
    *(("sma", n) for n in (2, 20, 50)),
    *(("rsi", n) for n in (2, 14, 50)),
    *(("atr", n) for n in (1, 14, 100)),
]


def feed(indicator: Ema | Sma | Rsi | Atr, prices: Prices) -> FloatArray:
    """Give the indicator every candle in turn and collect its answers, NaN for None."""
    if isinstance(indicator, Atr):
        return replay(indicator.update, prices.high, prices.low, prices.close)
    return replay(indicator.update, prices.close)


def incremental(name: str, period: int, prices: Prices) -> FloatArray:
    return feed(FORMS[name][0](period), prices)


@pytest.mark.parametrize(("name", "period"), CASES)
def test_live_and_backtest_forms_give_identical_floats_on_real_candles(
    btc: Prices, name: str, period: int
) -> None:
    live = incremental(name, period, btc)

    backtest = FORMS[name][1](btc, period)

    assert np.array_equal(live, backtest, equal_nan=True)


@pytest.mark.parametrize(("name", "period"), CASES)
def test_batch_values_are_talibs_on_real_candles(btc: Prices, name: str, period: int) -> None:
    ours = FORMS[name][1](btc, period)

    theirs = FORMS[name][2](btc, period)

    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=TALIB_RTOL, atol=0.0)


@pytest.mark.parametrize("name", list(FORMS))
def test_value_is_the_latest_answer_and_none_before_the_first(btc: Prices, name: str) -> None:
    indicator = FORMS[name][0](5)
    assert indicator.value is None

    answers = feed(indicator, btc)

    assert indicator.value == answers[-1]


# -- warm-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "period", "warm_up"),
    [("ema", 9, 8), ("sma", 20, 19), ("rsi", 14, 14), ("atr", 14, 14), ("atr", 1, 1)],
)
def test_warm_up_is_as_long_as_talibs(btc: Prices, name: str, period: int, warm_up: int) -> None:
    """EMA and SMA need `period` values; RSI and ATR need `period` moves, one value more."""
    short = Prices(btc.high[:50], btc.low[:50], btc.close[:50])

    live = incremental(name, period, short)
    backtest = FORMS[name][1](short, period)

    assert np.isnan(live).tolist() == [True] * warm_up + [False] * (50 - warm_up)
    assert np.isnan(backtest).tolist() == [True] * warm_up + [False] * (50 - warm_up)


@pytest.mark.parametrize(("name", "period"), [("ema", 5), ("sma", 5), ("rsi", 4), ("atr", 4)])
def test_too_few_candles_give_nothing_but_nan_and_none(btc: Prices, name: str, period: int) -> None:
    short = Prices(btc.high[:4], btc.low[:4], btc.close[:4])

    assert np.isnan(incremental(name, period, short)).all()
    assert np.isnan(FORMS[name][1](short, period)).all()


@pytest.mark.parametrize(
    ("make", "minimum"),
    [
        (lambda n: Ema(n), 2),
        (lambda n: ema(closes(1, 2, 3), n), 2),
        (lambda n: Sma(n), 2),
        (lambda n: sma(closes(1, 2, 3), n), 2),
        (lambda n: Rsi(n), 2),
        (lambda n: rsi(closes(1, 2, 3), n), 2),
        (lambda n: Atr(n), 1),
        (lambda n: atr(closes(2, 3), closes(1, 2), closes(1, 2), n), 1),
    ],
)
def test_a_period_below_talibs_minimum_is_refused(
    make: Callable[[int], object], minimum: int
) -> None:
    with pytest.raises(ValueError, match=f"period must be at least {minimum}, not {minimum - 1}"):
        make(minimum - 1)


# -- the formulas, by hand -------------------------------------------------------------------


def test_ema_starts_from_the_simple_average_then_moves_by_k_of_each_gap() -> None:
    # k = 2 / (3 + 1) = 0.5; seed = (1 + 2 + 3) / 3 = 2; then 2 + (4 - 2) * 0.5 = 3, ...
    assert ema(closes(1, 2, 3, 4, 8), 3)[2:].tolist() == [2.0, 3.0, 5.5]


def test_sma_averages_the_last_period_values() -> None:
    assert sma(closes(1, 2, 3, 4, 8), 3)[2:].tolist() == [2.0, 3.0, 5.0]


def test_rsi_is_the_share_of_gains_in_wilder_averaged_moves() -> None:
    # Moves +2, -1, +1: gain 3/3 = 1, loss 1/3 -> 75; then move -2:
    # gain (1 * 2 + 0) / 3 = 2/3, loss (1/3 * 2 + 2) / 3 = 8/9 -> 100 * (2/3) / (14/9) = 42.857...
    strengths = rsi(closes(10, 12, 11, 12, 10), 3)

    assert strengths[3] == pytest.approx(75.0, rel=1e-15)
    assert strengths[4] == pytest.approx(300 / 7, rel=1e-15)


def test_rsi_of_closes_that_never_move_is_zero_as_in_talib() -> None:
    flat = closes(*[100.0] * 20)

    assert rsi(flat, 14)[14:].tolist() == [0.0] * 6
    assert replay(Rsi(14).update, flat)[14:].tolist() == [0.0] * 6


def test_rsi_of_closes_that_only_rise_is_100_and_only_fall_is_0() -> None:
    rising = closes(*range(1, 21))

    assert rsi(rising, 14)[14:].tolist() == [100.0] * 6
    assert rsi(rising[::-1].copy(), 14)[14:].tolist() == [0.0] * 6


def test_true_range_reaches_back_to_the_previous_close_across_gaps() -> None:
    high, low, close = closes(10, 21, 12), closes(9, 20, 11), closes(10, 20.5, 11.5)

    # Gap up: |10 - 21| beats 21 - 20; gap down: |20.5 - 11| beats 12 - 11.
    assert atr(high, low, close, 1)[1:].tolist() == [11.0, 9.5]
    assert replay(Atr(1).update, high, low, close)[1:].tolist() == [11.0, 9.5]


def test_atr_starts_from_the_average_true_range_then_smooths_by_wilder() -> None:
    high, low, close = closes(5, 6, 7, 8), closes(5, 4, 3, 2), closes(5, 5, 5, 5)

    # True ranges 2, 4, 6: seed (2 + 4) / 2 = 3, then (3 * 1 + 6) / 2 = 4.5.
    assert atr(high, low, close, 2)[2:].tolist() == [3.0, 4.5]


# -- leading NaNs ----------------------------------------------------------------------------


def test_an_indicator_of_an_indicator_starts_where_the_inner_one_does(btc: Prices) -> None:
    strengths = rsi(btc.close, 14)

    smoothed = ema(strengths, 9)

    assert np.isnan(smoothed).tolist() == [True] * (14 + 8) + [False] * (ROWS - 14 - 8)
    np.testing.assert_allclose(smoothed, talib.EMA(talib.RSI(btc.close, 14), 9), rtol=TALIB_RTOL)
    assert np.array_equal(replay(Ema(9).update, strengths), smoothed, equal_nan=True)


def test_a_candle_with_a_nan_before_the_first_full_one_is_skipped(btc: Prices) -> None:
    high, low, close = btc.high[:60].copy(), btc.low[:60].copy(), btc.close[:60].copy()
    high[0], low[1] = np.nan, np.nan

    backtest = atr(high, low, close, 14)

    assert np.isnan(backtest).tolist() == [True] * (2 + 14) + [False] * (60 - 2 - 14)
    assert np.array_equal(replay(Atr(14).update, high, low, close), backtest, equal_nan=True)
    np.testing.assert_allclose(backtest, talib.ATR(high, low, close, 14), rtol=TALIB_RTOL)


# -- inputs ----------------------------------------------------------------------------------


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        atr(closes(2, 3, 4), closes(1, 2), closes(1, 2, 3), 1)
    with pytest.raises(ValueError, match="differ in length"):
        crossovers(closes(1, 2), closes(1, 2, 3))


def test_a_two_dimensional_input_is_refused() -> None:
    with pytest.raises(ValueError, match="one-dimensional"):
        ema(np.ones((3, 3)), 2)


# -- crossovers ------------------------------------------------------------------------------


def test_a_crossing_needs_fast_strictly_past_slow_now_and_not_past_before() -> None:
    fast, slow = closes(1, 2, 3, 2, 1, 1), closes(2, 2, 2, 2, 2, 1)

    assert crossovers(fast, slow).tolist() == [0, 0, 1, 0, -1, 0]
    assert crossovers(fast, slow).dtype == np.int8


def test_no_crossing_is_seen_next_to_a_nan() -> None:
    fast, slow = closes(np.nan, 3, 1, 3), closes(2, 2, np.nan, 2)

    assert crossovers(fast, slow).tolist() == [0, 0, 0, 0]


def test_scalar_helpers_say_the_same_as_crossovers(btc: Prices) -> None:
    fast, slow = ema(btc.close, 9), ema(btc.close, 21)
    live_fast = [None if np.isnan(v) else v for v in fast.tolist()]
    live_slow = [None if np.isnan(v) else v for v in slow.tolist()]

    scalar = [
        int(crossed_above(live_fast[t - 1], live_slow[t - 1], live_fast[t], live_slow[t]))
        - int(crossed_below(live_fast[t - 1], live_slow[t - 1], live_fast[t], live_slow[t]))
        for t in range(1, len(fast))
    ]

    vectorised = crossovers(fast, slow)
    assert vectorised[0] == 0
    assert vectorised[1:].tolist() == scalar
    assert np.count_nonzero(vectorised) > 100


def test_a_line_that_is_not_ready_has_not_crossed() -> None:
    assert not crossed_above(None, 1.0, 2.0, 1.0)
    assert not crossed_below(2.0, 1.0, 0.5, None)
    assert crossed_above(1.0, 1.0, 2.0, 1.0)
    assert crossed_below(1.0, 1.0, 0.5, 1.0)


def test_a_loop_refuses_an_output_too_short_for_its_results() -> None:
    from trading_agents.market.indicators._loops import ema_into
    from trading_agents.market.series import doubles

    values = doubles(np.arange(10.0))
    with pytest.raises(ValueError, match="need 7 results where there is room for 6"):
        ema_into(values, 4, doubles(np.zeros(6)))
