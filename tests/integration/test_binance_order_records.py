"""At Binance (the fake), the account's order cache ends where the exchange says, faults or not.

The cache is fed only the venue's reports, as an account's settle feeds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.support.binance_venue import binance_venue
from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.engine.orders import OrderCache
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.venues.binance.venue import BinanceVenue

SYMBOL = "BTCUSDT"


def buy(cid: str, quantity: str = "0.030") -> OrderIntent:
    return OrderIntent(cid, SYMBOL, Side.BUY, OrderType.MARKET, Decimal(quantity))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures(wallet=Decimal(10_000)) as server:
        server.set_price(SYMBOL, Decimal("100000.0"))
        yield server


def take(cache: OrderCache, venue: BinanceVenue) -> None:
    for report in venue.take_reports():
        cache.apply(report)


async def test_fills_fetched_by_rest_in_several_trades_fill_the_order_once_whole(
    fake: FakeBinanceFutures,
) -> None:
    fake.fill_in_pieces(3)
    fake.lose_trade_events(3)  # the stream never tells them: REST must
    cache = OrderCache()
    async with binance_venue(fake) as venue:
        cache.open(buy("ta-thin"), 1)
        await venue.submit(buy("ta-thin"))
        take(cache, venue)

    order = cache.get("ta-thin")
    assert fake.trade_count == 3
    assert order is not None
    assert (order.status, order.filled_quantity) == (OrderStatus.FILLED, Decimal("0.030"))
    assert [type(e).__name__ for e in order.events] == [
        "OrderAccepted",
        "OrderPartiallyFilled",
        "OrderPartiallyFilled",
        "OrderFilled",
    ]
    assert cache.unexplained == 0


async def test_an_order_that_never_reached_binance_ends_refused_in_the_cache(
    fake: FakeBinanceFutures,
) -> None:
    cache = OrderCache()
    cache.open(buy("ta-never"), 1)  # journaled as sent; the process died before sending
    async with binance_venue(fake) as restarted:
        settled = await restarted.settle([(buy("ta-never"), [])])
        await asyncio.sleep(0.05)
        take(cache, restarted)

    order = cache.get("ta-never")
    assert settled == {"ta-never": "lost"}
    assert order is not None
    assert order.status is OrderStatus.REJECTED
    assert "never reached Binance" in order.events[-1].reason  # type: ignore[union-attr]
