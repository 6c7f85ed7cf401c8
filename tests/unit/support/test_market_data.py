"""The shared market data loads into exact domain candles and funding rates."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from tests.support import market_data
from tests.support.market_data import candles_from, funding_rates
from trading_agents.core.clock import MS_PER_HOUR, MS_PER_MINUTE, to_ms

BTC_1M = "BTCUSDT_1m_2025-05-04_2025-06-24"


def test_six_hours_of_one_minute_candles_are_360_consecutive_exact_candles() -> None:
    candles = candles_from(BTC_1M, start="2025-05-10T00:00:00Z", hours=6)

    assert len(candles) == 360
    assert candles[0].open_ms == to_ms("2025-05-10T00:00:00Z")
    assert all(c.symbol == "BTCUSDT" and c.interval_ms == MS_PER_MINUTE for c in candles)
    assert all(b.open_ms - a.open_ms == MS_PER_MINUTE for a, b in pairwise(candles))
    assert all(isinstance(c.close, Decimal) for c in candles)


def test_first_candle_keeps_the_file_prices_exactly() -> None:
    first = candles_from(BTC_1M, hours=1 / 60)

    # The file's first row: 1746372780000,...,95505.4,95505.5,95502.7,95502.7,16.536
    assert len(first) == 1
    assert first[0].open_ms == 1746372780000
    assert (first[0].open, first[0].high, first[0].low, first[0].close) == (
        Decimal("95505.4"),
        Decimal("95505.5"),
        Decimal("95502.7"),
        Decimal("95502.7"),
    )
    assert first[0].volume == Decimal("16.536")


def test_a_path_under_the_market_dir_names_the_same_file_as_its_stem() -> None:
    by_path = candles_from(f"futures_um/1m/{BTC_1M}", hours=2)

    assert by_path == candles_from(BTC_1M, hours=2)


def test_a_stem_in_futures_and_spot_means_the_futures_file_with_its_interval() -> None:
    candles = candles_from("ETHUSDT_5m_2024-12-31_2026-02-19", start="2025-03-01", hours=1)

    assert [c.open_ms for c in candles] == [
        to_ms("2025-03-01T00:00:00Z") + i * 5 * MS_PER_MINUTE for i in range(12)
    ]
    spot = candles_from("spot/5m/ETHUSDT_5m_2024-12-31_2026-02-19", start="2025-03-01", hours=1)
    assert candles != spot


def test_symbol_relabels_the_candles() -> None:
    candles = candles_from(BTC_1M, hours=1, symbol="BTCUSDT_TEST")

    assert {c.symbol for c in candles} == {"BTCUSDT_TEST"}


def test_a_window_outside_the_file_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"no candles from 2030-01-01.*spans 2025-05-04T15:33Z"):
        candles_from(BTC_1M, start="2030-01-01", hours=1)


def test_an_unknown_file_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="BTCUSDT_1m_1999"):
        candles_from("BTCUSDT_1m_1999-01-01_1999-01-02")


def test_a_missing_shared_dir_names_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "data" / "market"
    monkeypatch.setattr(market_data, "MARKET_DIR", missing)

    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        candles_from(BTC_1M)
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        funding_rates("BTCUSDT")


def test_funding_rates_are_sorted_exact_and_eight_hours_apart_from_2020() -> None:
    rates = funding_rates("BTCUSDT")

    assert rates[0] == (1568102400000, Decimal("0.0001"))
    times = [ms for ms, _ in rates]
    assert times == sorted(set(times))
    since_2020 = [ms for ms in times if ms >= to_ms("2020-01-01T00:00:00Z")][:1000]
    assert all(b - a == 8 * MS_PER_HOUR for a, b in pairwise(since_2020))


def test_repeated_loads_are_served_from_the_cache() -> None:
    candles_from(BTC_1M, hours=1)
    before = market_data._load_candles.cache_info().hits

    candles_from(BTC_1M, start="2025-05-20", hours=1)

    assert market_data._load_candles.cache_info().hits == before + 1
