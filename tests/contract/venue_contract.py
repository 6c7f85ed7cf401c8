"""Behaviour every venue must show, whatever is behind the port: one suite, a harness per venue.

A harness gives the suite a funded venue on BTCUSDT at a known price, and a way to move the
price (a candle for the simulated venue, the fake exchange's matching for Binance). The
simulated venue runs it now (`test_sim_venue_contract.py`); the Binance venue against the
fake Binance server joins it with the live venue.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from decimal import Decimal

import pytest

from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import ExecutionReport, FillReport
from trading_agents.venues.errors import BinanceCode, OrderNotFound, OrderRejected
from trading_agents.venues.port import Venue

SYMBOL = "BTCUSDT"
START_PRICE = Decimal("100000.0")
FUNDS = Decimal(5_000)


class VenueHarness(ABC):
    """A venue under test, funded with FUNDS USDT, BTCUSDT last traded at START_PRICE."""

    venue: Venue

    @abstractmethod
    async def move_to(self, price: Decimal) -> None:
        """Let the market trade at `price`, so resting and waiting orders can fill."""

    async def reports(self, count: int, timeout_s: float = 5.0) -> list[ExecutionReport]:
        """Return the next `count` execution reports from the venue's stream."""
        stream = self.venue.reports()
        taken = [await asyncio.wait_for(anext(stream), timeout_s) for _ in range(count)]
        await stream.aclose()  # type: ignore[attr-defined]
        return taken


def market(cid: str, side: Side, quantity: str, reduce_only: bool = False) -> OrderIntent:
    """Return a market order intent on BTCUSDT."""
    return OrderIntent(
        cid, SYMBOL, side, OrderType.MARKET, Decimal(quantity), reduce_only=reduce_only
    )


class VenueContract:
    """The tests; a subclass provides `harness` as a fixture."""

    async def test_a_market_buy_opens_a_long_and_reports_its_fill(
        self, harness: VenueHarness
    ) -> None:
        venue = harness.venue
        ack = await venue.submit(market("c-buy", Side.BUY, "0.010"))
        await harness.move_to(Decimal("100010.0"))

        fills = [r for r in await harness.reports(2) if isinstance(r, FillReport)]
        [position] = await venue.positions()
        order = await venue.order(SYMBOL, "c-buy")
        assert ack.client_order_id == "c-buy"
        assert (position.symbol, position.quantity) == (SYMBOL, Decimal("0.010"))
        assert [fill.client_order_id for fill in fills] == ["c-buy"]
        assert (order.status, order.filled_quantity) == (OrderStatus.FILLED, Decimal("0.010"))
        balance = await venue.balance()
        assert balance.wallet_balance < FUNDS  # the taker fee was paid

    async def test_a_reduce_only_order_cannot_open_or_grow_a_position(
        self, harness: VenueHarness
    ) -> None:
        with pytest.raises(OrderRejected) as refused:
            await harness.venue.submit(market("c-ro", Side.SELL, "0.010", reduce_only=True))

        assert refused.value.code == BinanceCode.REDUCE_ONLY_REJECTED
        assert await harness.venue.open_orders() == []
        assert await harness.venue.positions() == []

    async def test_a_resting_limit_order_can_be_cancelled(self, harness: VenueHarness) -> None:
        venue = harness.venue
        limit = OrderIntent(
            "c-lim", SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.010"), price=Decimal("90000.0")
        )
        await venue.submit(limit)
        assert [o.client_order_id for o in await venue.open_orders(SYMBOL)] == ["c-lim"]

        await venue.cancel(SYMBOL, "c-lim")

        assert await venue.open_orders(SYMBOL) == []
        assert (await venue.order(SYMBOL, "c-lim")).status is OrderStatus.CANCELED

    async def test_an_attached_stop_rests_once_the_entry_fills_and_closes_below_it(
        self, harness: VenueHarness
    ) -> None:
        venue = harness.venue
        stop = OrderIntent(
            "c-sl", SYMBOL, Side.SELL, OrderType.STOP_MARKET, Decimal("0.010"),
            trigger_price=Decimal("99000.0"), reduce_only=True,
        )  # fmt: skip
        await venue.submit(market("c-entry", Side.BUY, "0.010"), [stop])
        await harness.move_to(Decimal("100000.0"))
        assert [o.client_order_id for o in await venue.open_orders(SYMBOL)] == ["c-sl"]

        await harness.move_to(Decimal("98900.0"))

        assert await venue.positions() == []
        assert (await venue.order(SYMBOL, "c-sl")).status is OrderStatus.FILLED

    async def test_an_open_client_order_id_cannot_be_used_twice(
        self, harness: VenueHarness
    ) -> None:
        limit = OrderIntent(
            "c-dup", SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.010"), price=Decimal("90000.0")
        )
        await harness.venue.submit(limit)

        with pytest.raises(OrderRejected) as refused:
            await harness.venue.submit(limit)

        assert refused.value.code == BinanceCode.DUPLICATE_CLIENT_ORDER_ID

    async def test_a_quantity_off_the_step_is_rounded_down_to_it_before_sending(
        self, harness: VenueHarness
    ) -> None:
        limit = OrderIntent(
            "c-prec", SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.0109"),
            price=Decimal("90000.04"),
        )  # fmt: skip
        await harness.venue.submit(limit)

        order = await harness.venue.order(SYMBOL, "c-prec")
        assert (order.quantity, order.price) == (Decimal("0.010"), Decimal("90000.0"))

    async def test_leverage_above_the_brackets_is_refused(self, harness: VenueHarness) -> None:
        with pytest.raises(OrderRejected) as refused:
            await harness.venue.set_leverage(SYMBOL, 500)

        assert refused.value.code == BinanceCode.LEVERAGE_NOT_VALID

    async def test_an_order_it_never_took_is_not_found(self, harness: VenueHarness) -> None:
        with pytest.raises(OrderNotFound):
            await harness.venue.order(SYMBOL, "c-never")
