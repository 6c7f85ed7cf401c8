"""The simulated venue answers the venue port the kernel uses, with reports as a stream."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.support.candles import candle, flat
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import SimulatedClock
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import FillReport, OrderUpdate
from trading_agents.venues.errors import OrderNotFound
from trading_agents.venues.port import Venue
from trading_agents.venues.sim.venue import SimVenue


@pytest.fixture
def venue() -> SimVenue:
    clock = SimulatedClock("2025-06-01T00:01:00Z")
    venue = SimVenue(default_instruments(), clock)
    venue.deposit(Decimal("5000"))
    venue.on_candle(flat("2025-06-01T00:00:00Z", "100000.0"))
    return venue


async def test_submit_then_the_next_candle_streams_the_fill(venue: SimVenue) -> None:
    port: Venue = venue
    await port.set_leverage("BTCUSDT", 3)
    ack = await port.submit(
        OrderIntent("buy-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.020"))
    )
    assert ack.status is OrderStatus.ACCEPTED

    venue.on_candle(candle("2025-06-01T00:01:00Z", "100050.0", "100100.0", "100000.0", "100080.0"))

    stream = port.reports()
    accepted = await asyncio.wait_for(anext(stream), 1)
    fill = await asyncio.wait_for(anext(stream), 1)
    assert isinstance(accepted, OrderUpdate)
    assert accepted.status is OrderStatus.ACCEPTED
    assert isinstance(fill, FillReport)
    assert fill.price == Decimal("100050.0")
    (position,) = await port.positions()
    assert (position.quantity, position.leverage) == (Decimal("0.020"), 3)
    balance = await port.balance()
    assert balance.used_margin == Decimal("0.020") * Decimal("100050.0") / 3
    assert balance.unrealized_pnl == Decimal("0.020") * (Decimal("100080.0") - Decimal("100050.0"))
    snapshot = await port.order("BTCUSDT", "buy-1")
    assert (snapshot.status, snapshot.average_price) == (OrderStatus.FILLED, Decimal("100050.0"))


async def test_open_orders_and_cancel_through_the_port(venue: SimVenue) -> None:
    await venue.submit(
        OrderIntent(
            "lim-1", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.010"), Decimal("99000.0")
        )
    )

    assert [o.client_order_id for o in await venue.open_orders("BTCUSDT")] == ["lim-1"]
    await venue.cancel("BTCUSDT", "lim-1")
    assert await venue.open_orders() == []
    with pytest.raises(OrderNotFound):
        await venue.order("ETHUSDT", "lim-1")


async def test_exits_attached_through_the_port_stream_once_the_entry_fills(
    venue: SimVenue,
) -> None:
    port: Venue = venue
    entry = OrderIntent("buy-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.010"))
    stop = OrderIntent(
        "stop-1",
        "BTCUSDT",
        Side.SELL,
        OrderType.STOP_MARKET,
        Decimal("0.010"),
        trigger_price=Decimal("99000.0"),
        reduce_only=True,
    )

    await port.submit(entry, attached=[stop])
    venue.on_candle(candle("2025-06-01T00:01:00Z", "100050.0", "100100.0", "100000.0", "100080.0"))

    stream = port.reports()
    reports = [await asyncio.wait_for(anext(stream), 1) for _ in range(3)]
    assert [(r.client_order_id, type(r)) for r in reports] == [
        ("buy-1", OrderUpdate),
        ("buy-1", FillReport),
        ("stop-1", OrderUpdate),
    ]
    assert [o.client_order_id for o in await port.open_orders("BTCUSDT")] == ["stop-1"]
