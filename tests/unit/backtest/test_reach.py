"""A backtest skips ahead to the first candle whose range reaches a price the book waits for."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading_agents.backtest.reach import first_reach
from trading_agents.market.series import doubles

LOWS = doubles(np.array([99.0, 98.5, math.nan, 97.0, 99.5]))
HIGHS = doubles(np.array([101.0, 100.5, math.nan, 103.0, 100.0]))


def test_the_first_candle_reaching_either_side_is_where_the_skip_ends() -> None:
    assert first_reach(LOWS, HIGHS, 0, 5, 97.0, 110.0) == 3  # its low touches the stop
    assert first_reach(LOWS, HIGHS, 1, 5, 90.0, 100.5) == 1  # its high touches the target
    assert first_reach(LOWS, HIGHS, 2, 5, 90.0, 100.5) == 3


def test_no_candle_reaching_the_band_skips_to_the_end_of_the_window() -> None:
    assert first_reach(LOWS, HIGHS, 0, 5, 90.0, 110.0) == 5
    assert first_reach(LOWS, HIGHS, 0, 3, 97.0, 110.0) == 3  # the touch lies past the window


def test_a_candle_without_prices_reaches_nothing() -> None:
    assert first_reach(LOWS, HIGHS, 2, 3, 1e9, -1e9) == 3  # every real price would reach


def test_an_open_side_of_the_band_is_never_reached() -> None:
    assert first_reach(LOWS, HIGHS, 0, 5, -math.inf, 102.0) == 3
    assert first_reach(LOWS, HIGHS, 0, 5, 98.5, math.inf) == 1


def test_an_empty_window_ends_where_it_starts() -> None:
    assert first_reach(LOWS, HIGHS, 4, 4, 1e9, -1e9) == 4


def test_a_window_past_the_columns_is_refused_rather_than_read() -> None:
    with pytest.raises(IndexError, match="not all in columns of 5"):
        first_reach(LOWS, HIGHS, 0, 6, 90.0, 110.0)
