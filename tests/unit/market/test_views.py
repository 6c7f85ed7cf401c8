"""Market views bound to the clock: a snapshot is the last closed candle, never a later one."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
import pytest

from tests.support.backtests import real_series
from trading_agents.core.clock import MS_PER_MINUTE, SimulatedClock, to_ms
from trading_agents.market.view import IndicatorSpec, LiveMarket, LookAheadError, SeriesMarket

START = "2025-05-06T00:00:00Z"
SPEC = IndicatorSpec(ema_fast=12, ema_slow=26, rsi=14, atr=14)


def test_a_series_snapshot_is_the_last_candle_closed_by_the_clock() -> None:
    series = real_series(["BTCUSDT"], START, hours=2)
    clock = SimulatedClock(START)
    market = SeriesMarket(SPEC, clock, series)

    assert market.snapshot("BTCUSDT") is None
    clock.advance_to(to_ms(START) + 30 * MS_PER_MINUTE + 59_999)
    snapshot = market.snapshot("BTCUSDT")

    assert snapshot is not None
    assert snapshot.close_ms == to_ms(START) + 30 * MS_PER_MINUTE
    assert snapshot.close == series["BTCUSDT"].candle(29).close
    assert [c.close_ms for c in market.recent("BTCUSDT", 3)][-1] == snapshot.close_ms


def test_live_and_series_views_agree_candle_by_candle() -> None:
    series = real_series(["BTCUSDT"], START, hours=3)
    live_clock, series_clock = SimulatedClock(START), SimulatedClock(START)
    live = LiveMarket(SPEC, live_clock, ["BTCUSDT"])
    batch = SeriesMarket(SPEC, series_clock, series)

    for index in range(len(series["BTCUSDT"])):
        candle = series["BTCUSDT"].candle(index)
        live_clock.advance_to(candle.close_ms)
        series_clock.advance_to(candle.close_ms)
        live.on_candle(candle)
        assert live.snapshot("BTCUSDT") == batch.snapshot("BTCUSDT")


def test_a_series_snapshot_takes_the_decimals_of_the_candle_its_step_showed() -> None:
    series = real_series(["BTCUSDT"], START, hours=1)
    clock = SimulatedClock(START)
    shown_market, plain_market = (
        SeriesMarket(SPEC, clock, series),
        SeriesMarket(SPEC, clock, series),
    )
    candle = series["BTCUSDT"].candle(29)
    clock.advance_to(candle.close_ms)

    shown_market.on_candle(candle)
    shown, plain = shown_market.snapshot("BTCUSDT"), plain_market.snapshot("BTCUSDT")

    assert shown is not None
    assert plain is not None
    assert (shown.close, shown.high, shown.low) == (candle.close, candle.high, candle.low)
    assert shown.close is candle.close
    assert shown.low is candle.low
    assert shown == plain  # the same decimals, the same digits, as made from the row's floats
    assert str(shown.close) == str(plain.close)


def test_a_series_snapshot_ignores_a_shown_candle_of_another_row_or_interval() -> None:
    series = real_series(["BTCUSDT"], START, hours=1)
    clock = SimulatedClock(START)
    market = SeriesMarket(SPEC, clock, series)
    earlier = series["BTCUSDT"].candle(10)
    clock.advance_to(series["BTCUSDT"].candle(29).close_ms)

    market.on_candle(earlier)
    snapshot = market.snapshot("BTCUSDT")

    assert snapshot is not None
    assert snapshot.close == series["BTCUSDT"].candle(29).close
    assert snapshot.close is not earlier.close


def test_a_live_view_refuses_a_candle_before_it_closes() -> None:
    series = real_series(["BTCUSDT"], START, hours=1)
    clock = SimulatedClock(START)
    market = LiveMarket(SPEC, clock, ["BTCUSDT"])

    with pytest.raises(LookAheadError, match="before it closed"):
        market.on_candle(series["BTCUSDT"].candle(0))


def test_a_live_view_builds_its_timeframe_from_minutes() -> None:
    series = real_series(["BTCUSDT"], START, hours=1)
    clock = SimulatedClock(START)
    market = LiveMarket(SPEC, clock, ["BTCUSDT"], timeframe_ms=15 * MS_PER_MINUTE)

    for index in range(16):
        candle = series["BTCUSDT"].candle(index)
        clock.advance_to(candle.close_ms)
        market.on_candle(candle)

    snapshot = market.snapshot("BTCUSDT")
    assert snapshot is not None
    assert snapshot.close_ms == to_ms(START) + 15 * MS_PER_MINUTE
    assert snapshot.candles_seen == 1
    assert snapshot.high == max(series["BTCUSDT"].candle(i).high for i in range(15))


def test_a_series_with_a_gap_finds_the_last_closed_candle_either_side_of_it() -> None:
    whole = real_series(["BTCUSDT"], START, hours=2)["BTCUSDT"]
    kept = np.ones(len(whole), dtype=np.bool_)
    kept[40:55] = False  # fifteen minutes of maintenance: the grid's arithmetic is off after it
    gapped = whole.where(kept)
    clock = SimulatedClock(START)
    market = SeriesMarket(SPEC, clock, {"BTCUSDT": gapped})
    closes = gapped.close_ms.tolist()

    for now_ms in range(to_ms(START), to_ms(START) + 2 * 60 * MS_PER_MINUTE, 20_000):
        clock.advance_to(now_ms)
        assert market.index("BTCUSDT") == bisect_right(closes, now_ms) - 1
