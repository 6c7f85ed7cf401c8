"""Synthetic candles: a seeded geometric random walk, for tests and demos."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from decimal import Decimal

import numpy as np

from trading_agents.core.clock import MS_PER_DAY, MS_PER_MINUTE
from trading_agents.market.feeds.replay import ReplayFeed, Sleep
from trading_agents.market.series import CandleSeries, FloatArray, IntArray

MS_PER_YEAR = 365 * MS_PER_DAY
# Median volume of a one-minute candle in the base asset; longer candles trade more.
_MEDIAN_VOLUME_PER_MINUTE = 20.0


def synthetic_series(
    symbol: str,
    *,
    start_ms: int,
    count: int,
    interval_ms: int = MS_PER_MINUTE,
    seed: int,
    start_price: Decimal,
    annual_volatility: float = 0.6,
    tick: Decimal = Decimal("0.1"),
    step: Decimal = Decimal("0.001"),
) -> CandleSeries:
    """Return `count` candles of a geometric random walk, the same for the same arguments.

    Prices are whole ticks and volumes whole steps; each candle opens at the previous close.
    """
    if count < 0 or interval_ms <= 0:
        raise ValueError(f"need count >= 0 and interval_ms > 0, not {count} and {interval_ms}")
    if start_price <= 0 or tick <= 0 or step <= 0 or annual_volatility < 0:
        raise ValueError("start_price, tick and step must be above zero, volatility not below")
    rng = np.random.default_rng(seed)
    sigma = annual_volatility * math.sqrt(interval_ms / MS_PER_YEAR)
    start_ticks = max(1, round(start_price / tick))
    log_moves = rng.normal(-sigma * sigma / 2, sigma, count)
    closes = np.rint(start_ticks * np.exp(np.cumsum(log_moves)))
    close_ticks = np.maximum(closes, 1).astype(np.int64)
    open_ticks = np.concatenate(([start_ticks], close_ticks[:-1])).astype(np.int64)
    top = np.maximum(open_ticks, close_ticks)
    bottom = np.minimum(open_ticks, close_ticks)
    # Wicks reach about half a candle's volatility beyond the body.
    wick_up = np.exp(np.abs(rng.normal(0, sigma / 2, count)))
    wick_down = np.exp(-np.abs(rng.normal(0, sigma / 2, count)))
    high_ticks = np.maximum(np.ceil(top * wick_up), top).astype(np.int64)
    low_ticks = np.clip(np.floor(bottom * wick_down), 1, bottom).astype(np.int64)
    median_steps = _MEDIAN_VOLUME_PER_MINUTE * interval_ms / MS_PER_MINUTE / float(step)
    volume_steps = np.rint(median_steps * rng.lognormal(0, 0.6, count)).astype(np.int64)
    open_ms: IntArray = start_ms + interval_ms * np.arange(count, dtype=np.int64)
    return CandleSeries(
        symbol,
        interval_ms,
        open_ms,
        _decimal_floats(open_ticks, tick),
        _decimal_floats(high_ticks, tick),
        _decimal_floats(low_ticks, tick),
        _decimal_floats(close_ticks, tick),
        _decimal_floats(volume_steps, step),
    )


def _decimal_floats(units: IntArray, unit: Decimal) -> FloatArray:
    """Return units * unit as the doubles nearest those decimals (they print as the decimals)."""
    _, digits, exponent = unit.normalize().as_tuple()
    places = -int(exponent)
    whole = int("".join(map(str, digits))) * 10 ** max(-places, 0)
    # Integer times integer is exact, and one division by a power of ten rounds once.
    scaled: FloatArray = (units * whole).astype(np.float64) / 10.0 ** max(places, 0)
    return scaled


class SyntheticFeed(ReplayFeed):
    """A replay of synthetic random walks, one per symbol, for tests and demos."""

    def __init__(
        self,
        start_prices: Mapping[str, Decimal],
        *,
        start_ms: int,
        count: int,
        interval_ms: int = MS_PER_MINUTE,
        seed: int = 0,
        annual_volatility: float = 0.6,
        speed: float | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # The i-th symbol of the mapping walks with seed + i.
        series = {
            symbol: synthetic_series(
                symbol,
                start_ms=start_ms,
                count=count,
                interval_ms=interval_ms,
                seed=seed + at,
                start_price=price,
                annual_volatility=annual_volatility,
            )
            for at, (symbol, price) in enumerate(start_prices.items())
        }
        super().__init__(
            series, speed=speed, sleep=sleep, label=f"synthetic random walk (seed {seed})"
        )
