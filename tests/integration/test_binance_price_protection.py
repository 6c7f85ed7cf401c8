"""At Binance (the fake), an entry is a marketable IOC limit: it trades within its cap or not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.support.binance_venue import binance_venue
from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.engine.orders import OrderCache
from trading_agents.model.enums import OrderStatus, OrderType, Side, TimeInForce
from trading_agents.model.orders import OrderIntent
from trading_agents.venues.binance.venue import BinanceVenue

SYMBOL = "BTCUSDT"


def entry(limit: str, quantity: str = "0.030") -> OrderIntent:
    return OrderIntent(
        "ta-entry",
        SYMBOL,
        Side.BUY,
        OrderType.LIMIT,
        Decimal(quantity),
        Decimal(limit),
        time_in_force=TimeInForce.IOC,
    )


def stop() -> OrderIntent:
    return OrderIntent(
        "sl-entry",
        SYMBOL,
        Side.SELL,
        OrderType.STOP_MARKET,
        Decimal("0.030"),
        trigger_price=Decimal("98000.0"),
        reduce_only=True,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures(wallet=Decimal(10_000)) as server:
        server.set_price(SYMBOL, Decimal("100000.0"))
        yield server


async def submit(venue: BinanceVenue, intent: OrderIntent) -> OrderCache:
    cache = OrderCache()
    cache.open(intent, 1, [stop()])
    await venue.submit(intent, [stop()])
    for report in venue.take_reports():
        cache.apply(report)
    return cache


async def test_the_entry_is_sent_as_a_limit_ioc_at_its_cap(fake: FakeBinanceFutures) -> None:
    async with binance_venue(fake) as venue:
        cache = await submit(venue, entry("101000.0"))

    (placed,) = fake.orders(SYMBOL)
    assert (placed.type, placed.time_in_force, placed.price) == (
        "LIMIT",
        "IOC",
        Decimal("101000.0"),
    )
    order = cache.get("ta-entry")
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert fake.position(SYMBOL)[0] == Decimal("0.030")
    assert [a.client_algo_id for a in fake.algo_orders(SYMBOL)] == ["sl-entry"]


async def test_a_market_beyond_the_cap_expires_the_entry_with_nothing_to_protect(
    fake: FakeBinanceFutures,
) -> None:
    fake.set_price(SYMBOL, Decimal("102000.0"))  # the market ran past the cap before it arrived
    async with binance_venue(fake) as venue:
        cache = await submit(venue, entry("101000.0"))

    order = cache.get("ta-entry")
    assert order is not None
    assert (order.status, order.filled_quantity) == (OrderStatus.EXPIRED, Decimal(0))
    assert fake.position(SYMBOL)[0] == 0
    assert fake.algo_orders(SYMBOL) == []


async def test_a_thin_book_fills_part_and_the_stop_covers_what_traded(
    fake: FakeBinanceFutures,
) -> None:
    fake.thin_book(Decimal("0.010"))
    async with binance_venue(fake) as venue:
        cache = await submit(venue, entry("101000.0"))

    order = cache.get("ta-entry")
    assert order is not None
    assert (order.status, order.filled_quantity) == (OrderStatus.EXPIRED, Decimal("0.010"))
    assert fake.position(SYMBOL)[0] == Decimal("0.010")
    (placed_stop,) = fake.algo_orders(SYMBOL)
    assert placed_stop.quantity == Decimal("0.010")
