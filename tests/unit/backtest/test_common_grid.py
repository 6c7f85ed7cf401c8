"""Symbols run on the times they share; with gaps skipped, a gap of one is a gap of all."""

from __future__ import annotations

import numpy as np
import pytest

from trading_agents.backtest.run import BacktestError, common_grid
from trading_agents.market.series import CandleSeries

MINUTE = 60_000


def _series(symbol: str, minutes: list[int]) -> CandleSeries:
    prices = np.full(len(minutes), 100.0)
    times = np.array(minutes, dtype=np.int64) * MINUTE
    return CandleSeries(symbol, MINUTE, times, prices, prices, prices, prices, prices)


def test_with_gaps_skipped_a_candle_one_symbol_lacks_is_left_out_for_all() -> None:
    grid = common_grid(
        {
            "BTCUSDT": _series("BTCUSDT", [0, 1, 2, 5, 6]),
            "ETHUSDT": _series("ETHUSDT", [0, 1, 5, 6]),
        },
        gaps=True,
    )

    assert [list(s.open_ms // MINUTE) for s in grid.values()] == [[0, 1, 5, 6], [0, 1, 5, 6]]


def test_symbols_that_share_no_time_are_refused_with_a_reason() -> None:
    series = {"BTCUSDT": _series("BTCUSDT", [0, 1, 4, 5]), "ETHUSDT": _series("ETHUSDT", [2, 3])}

    with pytest.raises(BacktestError, match="share no time"):
        common_grid(series, gaps=True)


def test_without_gaps_skipped_different_times_are_refused() -> None:
    series = {"BTCUSDT": _series("BTCUSDT", [0, 1, 2]), "ETHUSDT": _series("ETHUSDT", [0, 2])}

    with pytest.raises(BacktestError, match="not on the same times"):
        common_grid(series)
