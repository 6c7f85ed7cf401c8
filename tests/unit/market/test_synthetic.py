"""Synthetic candles are a seeded random walk on the instrument's tick and step."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import numpy as np
import pytest

from trading_agents.core.clock import MS_PER_HOUR, MS_PER_MINUTE, to_ms
from trading_agents.market.feeds.synthetic import SyntheticFeed, synthetic_series
from trading_agents.market.series import CandleSeries

START = to_ms("2025-06-01T00:00:00Z")


def walk(
    count: int = 2000,
    seed: int = 7,
    *,
    start_price: Decimal = Decimal("42000"),
    interval_ms: int = MS_PER_MINUTE,
    annual_volatility: float = 0.6,
    tick: Decimal = Decimal("0.1"),
    step: Decimal = Decimal("0.001"),
) -> CandleSeries:
    return synthetic_series(
        "BTCUSDT",
        start_ms=START,
        count=count,
        interval_ms=interval_ms,
        seed=seed,
        start_price=start_price,
        annual_volatility=annual_volatility,
        tick=tick,
        step=step,
    )


def test_the_same_seed_gives_the_same_candles_and_another_seed_others() -> None:
    a, b, other = walk(seed=7), walk(seed=7), walk(seed=8)

    for column in ("open_ms", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(a, column), getattr(b, column))
    assert not np.array_equal(a.close, other.close)


def test_candles_are_consecutive_consistent_and_open_at_the_previous_close() -> None:
    series = walk(count=5000)
    candles = [series.candle(i) for i in range(len(series))]  # Candle checks OHLC itself

    assert candles[0].open == Decimal("42000")
    assert [c.open_ms for c in candles] == [START + i * MS_PER_MINUTE for i in range(5000)]
    assert all(b.open == a.close for a, b in pairwise(candles))
    assert all(c.low > 0 and c.volume >= 0 for c in candles)
    assert any(c.high > max(c.open, c.close) for c in candles)
    assert any(c.low < min(c.open, c.close) for c in candles)


@pytest.mark.parametrize(("tick", "step"), [("0.1", "0.001"), ("0.01", "1"), ("5", "0.00001")])
def test_prices_are_whole_ticks_and_volumes_whole_steps(tick: str, step: str) -> None:
    series = walk(count=1000, tick=Decimal(tick), step=Decimal(step))

    for i in range(len(series)):
        candle = series.candle(i)
        for price in (candle.open, candle.high, candle.low, candle.close):
            assert price % Decimal(tick) == 0
        assert candle.volume % Decimal(step) == 0


def test_the_walk_has_the_annual_volatility_asked_for() -> None:
    series = walk(count=200_000, annual_volatility=0.8)

    returns = np.diff(np.log(series.close))
    annualised = returns.std() * np.sqrt(365 * 24 * 60)

    assert annualised == pytest.approx(0.8, rel=0.05)


def test_longer_candles_walk_with_their_own_interval() -> None:
    series = walk(count=100, interval_ms=MS_PER_HOUR)

    assert series.interval_ms == MS_PER_HOUR
    assert series.open_ms[-1] == START + 99 * MS_PER_HOUR


def test_nonsense_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="count >= 0"):
        walk(count=-1)
    with pytest.raises(ValueError, match="above zero"):
        walk(tick=Decimal(0))
    with pytest.raises(ValueError, match="above zero"):
        walk(start_price=Decimal("-1"))


async def test_a_synthetic_feed_replays_one_walk_per_symbol() -> None:
    prices = {"BTCUSDT": Decimal("42000"), "ETHUSDT": Decimal("2500")}
    feed = SyntheticFeed(prices, start_ms=START, count=30, seed=3)

    candles = [candle async for candle in feed.candles()]

    assert len(candles) == 60
    assert [c.symbol for c in candles[:4]] == ["BTCUSDT", "ETHUSDT", "BTCUSDT", "ETHUSDT"]
    eth = synthetic_series("ETHUSDT", start_ms=START, count=30, seed=4, start_price=Decimal("2500"))
    assert candles[1::2] == [eth.candle(i) for i in range(30)]
    assert feed.description == (
        "synthetic random walk (seed 3) of BTCUSDT, ETHUSDT 1m "
        "from 2025-06-01T00:00Z to 2025-06-01T00:30Z (60 candles)"
    )
