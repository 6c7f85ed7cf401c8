"""The simulated venue passes the venue contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.contract.venue_contract import FUNDS, START_PRICE, SYMBOL, VenueContract, VenueHarness
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import SimulatedClock
from trading_agents.venues.sim.venue import SimVenue

START = "2025-06-01T00:00:00Z"


class SimHarness(VenueHarness):
    """The simulated venue, its prices given tick by tick."""

    def __init__(self) -> None:
        self.clock = SimulatedClock(START)
        self.sim = SimVenue(default_instruments(), self.clock)
        self.venue = self.sim
        self.sim.deposit(FUNDS)
        self.sim.on_price(SYMBOL, self.clock.now_ms(), START_PRICE)

    async def move_to(self, price: Decimal) -> None:
        """Trade at `price` a second later."""
        self.clock.advance_to(self.clock.now_ms() + 1_000)
        self.sim.on_price(SYMBOL, self.clock.now_ms(), price)


class TestSimVenue(VenueContract):
    """The contract, on the simulated venue."""

    @pytest.fixture
    def harness(self) -> VenueHarness:
        return SimHarness()
