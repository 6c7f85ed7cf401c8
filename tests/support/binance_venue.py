"""A Binance venue connected to the fake Binance USDⓈ-M server, as tests build it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.config.binance import BinanceConfig
from trading_agents.core.clock import LiveClock
from trading_agents.venues.binance.venue import BinanceVenue


def fake_config(fake: FakeBinanceFutures, **changes: object) -> BinanceConfig:
    """Return the venue's settings for the fake: its keys and URLs, short timings."""
    config = BinanceConfig(
        api_key=fake.api_key,
        api_secret=fake.api_secret,
        demo=True,
        rest_url=fake.base_url,
        ws_url=fake.ws_url,
        timeout_s=2.0,
        backoff_s=0.01,
        backoff_cap_s=0.05,
        reconnect_cap_s=0.2,
    )
    return replace(config, **changes)  # type: ignore[arg-type]


@asynccontextmanager
async def binance_venue(fake: FakeBinanceFutures, **changes: object) -> AsyncIterator[BinanceVenue]:
    """Yield a started Binance venue on the fake; close it after."""
    venue = BinanceVenue(fake_config(fake, **changes), LiveClock())
    await venue.start()
    try:
        yield venue
    finally:
        await venue.close()
