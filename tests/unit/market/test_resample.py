"""Longer candles from shorter ones: in a batch and one at a time, the same exact candles."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from tests.support.candles import candle
from tests.support.market_data import candle_file
from trading_agents.core.clock import MS_PER_HOUR, MS_PER_MINUTE, to_ms
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.files import load_candles
from trading_agents.market.feeds.resample import CandleAggregator, resample
from trading_agents.market.feeds.synthetic import synthetic_series
from trading_agents.market.series import CandleSeries

BTC_1M = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"
BTC_5M = "futures_um/5m/BTCUSDT_5m_2024-12-31_2026-02-19"
FIVE_MINUTES = 5 * MS_PER_MINUTE
FIFTEEN_MINUTES = 15 * MS_PER_MINUTE


def series_of(candles: list[Candle]) -> CandleSeries:
    """Return candles of one symbol and interval as a series (gaps allowed, for tests)."""
    first = candles[0]

    def column(name: str) -> np.ndarray:
        return np.array([float(getattr(one, name)) for one in candles], dtype=np.float64)

    return CandleSeries(
        first.symbol,
        first.interval_ms,
        np.array([one.open_ms for one in candles], dtype=np.int64),
        column("open"),
        column("high"),
        column("low"),
        column("close"),
        column("volume"),
    )


def candles_in(series: CandleSeries) -> list[Candle]:
    return [series.candle(i) for i in range(len(series))]


def aggregated(candles: list[Candle], interval_ms: int) -> list[Candle]:
    aggregator = CandleAggregator(interval_ms, candles[0].interval_ms)
    return [out for one in candles if (out := aggregator.push(one)) is not None]


def test_resampling_real_one_minute_futures_gives_binances_own_five_minute_candles() -> None:
    five = resample(load_candles(candle_file(BTC_1M)), FIVE_MINUTES)
    binance = load_candles(candle_file(BTC_5M)).between(int(five.open_ms[0]), None)
    binance = binance.rows(0, len(five))

    assert len(five) == 14_627
    for column in ("open_ms", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(five, column), getattr(binance, column)), column


@pytest.mark.parametrize("interval_ms", [FIVE_MINUTES, FIFTEEN_MINUTES, MS_PER_HOUR])
def test_batch_and_incremental_resampling_agree_on_two_days_of_real_data(
    interval_ms: int,
) -> None:
    two_days = load_candles(candle_file(BTC_1M)).rows(0, 2 * 24 * 60)

    batch = candles_in(resample(two_days, interval_ms))

    assert batch == aggregated(candles_in(two_days), interval_ms)
    assert len(batch) >= 2 * 24 * MS_PER_HOUR // interval_ms - 1


def test_a_leading_and_a_trailing_partial_bucket_are_dropped() -> None:
    # The file starts at 15:33; the first full 15-minute bucket opens at 15:45.
    minutes = load_candles(candle_file(BTC_1M)).rows(0, 12 + 30 + 7)

    quarters = resample(minutes, FIFTEEN_MINUTES)

    assert quarters.open_ms.tolist() == [
        to_ms("2025-05-04T15:45:00Z"),
        to_ms("2025-05-04T16:00:00Z"),
    ]
    first = quarters.candle(0)
    inside = candles_in(minutes)[12:27]
    assert first.open == inside[0].open
    assert first.close == inside[-1].close
    assert first.high == max(one.high for one in inside)
    assert first.low == min(one.low for one in inside)
    assert first.volume == sum((one.volume for one in inside), Decimal(0))
    assert aggregated(candles_in(minutes), FIFTEEN_MINUTES) == candles_in(quarters)


def test_volumes_sum_as_exact_decimals_where_floats_would_not() -> None:
    volumes = ["0.1", "0.2", "0.0", "0.0", "0.0"]
    minutes = [
        candle(to_ms("2025-06-01T00:00:00Z") + i * MS_PER_MINUTE, "10", "11", "9", "10", volume=v)
        for i, v in enumerate(volumes)
    ]

    (from_batch,) = candles_in(resample(series_of(minutes), FIVE_MINUTES))
    (incremental,) = aggregated(minutes, FIVE_MINUTES)

    assert 0.1 + 0.2 != 0.3
    assert from_batch.volume == incremental.volume == Decimal("0.3")


def test_a_bucket_with_a_missing_candle_is_dropped_by_both() -> None:
    start = to_ms("2025-06-01T00:00:00Z")
    minutes = [
        candle(start + i * MS_PER_MINUTE, "10", "11", "9", "10") for i in range(15) if i != 7
    ]

    from_batch = candles_in(resample(series_of(minutes), FIVE_MINUTES))

    assert [one.open_ms for one in from_batch] == [start, start + 10 * MS_PER_MINUTE]
    assert aggregated(minutes, FIVE_MINUTES) == from_batch


def test_the_interval_must_be_a_multiple_of_the_base_interval() -> None:
    minutes = load_candles(candle_file(BTC_1M)).rows(0, 30)

    with pytest.raises(ValueError, match="must be a positive multiple of the base interval"):
        resample(resample(minutes, FIVE_MINUTES), 7 * MS_PER_MINUTE)
    with pytest.raises(ValueError, match="must be a positive multiple"):
        CandleAggregator(FIVE_MINUTES, 2 * MS_PER_MINUTE)
    assert resample(minutes, MS_PER_MINUTE) is minutes


def test_an_aggregator_keeps_one_bucket_per_symbol_for_interleaved_candles() -> None:
    start = to_ms("2025-06-01T00:00:00Z")
    minutes = [
        candle(start + i * MS_PER_MINUTE, price, price, price, price, symbol=symbol)
        for i in range(5)
        for symbol, price in (("BTCUSDT", "100000.0"), ("ETHUSDT", "2500.00"))
    ]

    out = aggregated(minutes, FIVE_MINUTES)

    assert [(one.symbol, one.open_ms, one.volume) for one in out] == [
        ("BTCUSDT", start, Decimal(500)),
        ("ETHUSDT", start, Decimal(500)),
    ]


def test_an_aggregator_refuses_candles_of_another_interval_or_out_of_order() -> None:
    aggregator = CandleAggregator(FIVE_MINUTES, MS_PER_MINUTE)
    aggregator.push(candle("2025-06-01T00:01:00Z", "10", "10", "10", "10"))

    with pytest.raises(ValueError, match="does not follow"):
        aggregator.push(candle("2025-06-01T00:00:00Z", "10", "10", "10", "10"))
    with pytest.raises(ValueError, match="aggregator of 60000 ms candles"):
        aggregator.push(candle("2025-06-01T00:05:00Z", "1", "1", "1", "1", interval_ms=300_000))


def test_a_year_of_minutes_resamples_to_every_quarter_hour() -> None:
    year = synthetic_series(
        "BTCUSDT",
        start_ms=to_ms("2023-01-01T00:00:00Z"),
        count=525_600,
        seed=1,
        start_price=Decimal("42000"),
    )

    quarters = resample(year, FIFTEEN_MINUTES)

    assert len(quarters) == 35_040
    assert aggregated([year.candle(i) for i in range(15, 30)], FIFTEEN_MINUTES) == [
        quarters.candle(1)
    ]
