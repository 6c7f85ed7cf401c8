"""Fixtures for the simulated venue: an exchange with money and a known BTC price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.candles import flat
from trading_agents.config.instruments import default_instruments
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange

T0 = "2025-06-01T00:00:00Z"


def make_exchange(
    config: SimVenueConfig | None = None, *, cash: str = "10000", keep_ended: bool = True
) -> SimExchange:
    """Return an exchange holding `cash` USDT that has seen BTCUSDT at 100,000 and ETH at 2,500."""
    exchange = SimExchange(default_instruments(), config or SimVenueConfig(), keep_ended)
    exchange.ledger.deposit(Decimal(cash))
    exchange.on_candle(flat(T0, "100000.0"))
    exchange.on_candle(flat(T0, "2500.00", symbol="ETHUSDT"))
    exchange.drain_reports()
    return exchange


@pytest.fixture
def exchange() -> SimExchange:
    return make_exchange()
