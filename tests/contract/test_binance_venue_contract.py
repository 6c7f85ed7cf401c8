"""The Binance venue, talking to the fake Binance USDⓈ-M server, passes the venue contract."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.contract.venue_contract import FUNDS, START_PRICE, SYMBOL, VenueContract, VenueHarness
from tests.support.binance_venue import binance_venue
from tests.support.fake_binance_futures import FakeBinanceFutures


class BinanceHarness(VenueHarness):
    """The Binance venue on the fake; prices move at the fake's matching engine."""

    def __init__(self, fake: FakeBinanceFutures) -> None:
        self.fake = fake

    async def move_to(self, price: Decimal) -> None:
        """Trade at `price` at the fake, and give the stream a moment to tell the venue."""
        self.fake.set_price(SYMBOL, price)
        await asyncio.sleep(0.05)


class TestBinanceVenue(VenueContract):
    """The contract, on the Binance venue against the fake."""

    @pytest.fixture
    async def harness(self) -> AsyncIterator[VenueHarness]:
        async with FakeBinanceFutures(wallet=FUNDS) as fake:
            fake.set_price(SYMBOL, START_PRICE)
            harness = BinanceHarness(fake)
            async with binance_venue(fake) as venue:
                harness.venue = venue
                yield harness
