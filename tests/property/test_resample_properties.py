"""For any candles, resampling in a batch and one candle at a time give identical candles."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from trading_agents.core.clock import MS_PER_MINUTE, to_ms
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.resample import CandleAggregator, resample
from trading_agents.market.feeds.synthetic import synthetic_series
from trading_agents.market.series import CandleSeries

START = to_ms("2025-06-01T00:00:00Z")


def without(series: CandleSeries, holes: set[int]) -> CandleSeries:
    """Return the series with the candles at `holes` taken out, leaving gaps."""
    keep = np.array([i not in holes for i in range(len(series))], dtype=bool)
    return CandleSeries(
        series.symbol,
        series.interval_ms,
        series.open_ms[keep],
        series.open[keep],
        series.high[keep],
        series.low[keep],
        series.close[keep],
        series.volume[keep],
    )


@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 400),
    offset_minutes=st.integers(0, 59),
    factor=st.sampled_from([2, 3, 5, 15, 60]),
    unit=st.sampled_from([("0.1", "0.001"), ("0.00001", "1"), ("1", "0.00001")]),
    holes=st.sets(st.integers(0, 399), max_size=5),
)
def test_batch_and_incremental_resampling_give_the_same_candles(
    seed: int,
    count: int,
    offset_minutes: int,
    factor: int,
    unit: tuple[str, str],
    holes: set[int],
) -> None:
    tick, step = Decimal(unit[0]), Decimal(unit[1])
    series = synthetic_series(
        "BTCUSDT",
        start_ms=START + offset_minutes * MS_PER_MINUTE,
        count=count,
        seed=seed,
        start_price=Decimal("2500") if tick < Decimal("0.001") else Decimal("42000"),
        tick=tick,
        step=step,
    )
    series = without(series, holes)
    interval_ms = factor * MS_PER_MINUTE
    aggregator = CandleAggregator(interval_ms, MS_PER_MINUTE)

    incremental: list[Candle] = []
    for index in range(len(series)):
        out = aggregator.push(series.candle(index))
        if out is not None:
            incremental.append(out)
    batch = resample(series, interval_ms)

    assert [batch.candle(index) for index in range(len(batch))] == incremental
