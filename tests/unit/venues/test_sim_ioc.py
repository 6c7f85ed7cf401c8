"""IOC limit orders on the simulated venue: the next price fills them within the limit or not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.candles import candle, flat
from tests.unit.venues.conftest import make_exchange
from tests.unit.venues.test_sim_brackets import stop
from tests.unit.venues.test_sim_orders import T1, T2, fills
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, Side, TimeInForce
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import OrderUpdate
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange


def ioc(cid: str, side: Side, limit: str, quantity: str = "0.010") -> OrderIntent:
    return OrderIntent(
        cid,
        "BTCUSDT",
        side,
        OrderType.LIMIT,
        Decimal(quantity),
        Decimal(limit),
        time_in_force=TimeInForce.IOC,
    )


def test_an_ioc_buy_trades_at_the_next_open_as_a_taker(exchange: SimExchange) -> None:
    exchange.submit(ioc("e1", Side.BUY, "101000.0"), to_ms(T1))
    assert fills(exchange) == []  # like a market order, it waits for the next price

    exchange.on_candle(candle(T1, "100100.0", "100300.0", "99000.0", "100200.0"))

    (fill,) = fills(exchange)
    assert (fill.price, fill.liquidity) == (Decimal("100100.0"), Liquidity.TAKER)
    assert fill.fee == Decimal("0.010") * Decimal("100100.0") * Decimal("0.0005")
    assert exchange.order("e1").status is OrderStatus.FILLED


def test_an_ioc_buy_expires_when_the_market_opens_beyond_its_limit(
    exchange: SimExchange,
) -> None:
    exchange.submit(ioc("e1", Side.BUY, "101000.0"), to_ms(T1), attached=[stop("98000.0")])
    exchange.drain_reports()

    # Later in the candle the price comes back under the limit: an IOC does not wait for it.
    exchange.on_candle(candle(T1, "102000.0", "102500.0", "100000.0", "100500.0"))

    reports = exchange.drain_reports()
    assert reports == [
        OrderUpdate(
            "e1",
            "BTCUSDT",
            OrderStatus.EXPIRED,
            to_ms(T1),
            "IOC: the market at 102000 is beyond the limit 101000",
        )
    ]
    assert exchange.open_orders() == []  # nothing traded, so no stop was placed
    assert exchange.ledger.position("BTCUSDT").quantity == 0


def test_an_ioc_sell_expires_below_its_limit(exchange: SimExchange) -> None:
    exchange.submit(ioc("e1", Side.SELL, "99000.0"), to_ms(T1))

    exchange.on_candle(flat(T1, "98999.9"))

    assert exchange.order("e1").status is OrderStatus.EXPIRED
    assert fills(exchange) == []


def test_slippage_is_bounded_by_the_limit() -> None:
    exchange = make_exchange(SimVenueConfig(slippage=Decimal("0.01")))
    exchange.submit(ioc("e1", Side.BUY, "100500.0"), to_ms(T1))

    exchange.on_candle(flat(T1, "100000.0"))  # 1 % slippage would pay 101,000

    (fill,) = fills(exchange)
    assert fill.price == Decimal("100500.0")


def test_what_the_volume_leaves_expires_and_the_stop_covers_what_traded() -> None:
    exchange = make_exchange(SimVenueConfig(max_volume_participation=Decimal("0.1")))
    exchange.submit(
        ioc("e1", Side.BUY, "101000.0", quantity="0.050"), to_ms(T1), attached=[stop("98000.0")]
    )

    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0", volume="0.3"))

    entry = exchange.order("e1")
    assert (entry.status, entry.filled_quantity) == (OrderStatus.EXPIRED, Decimal("0.030"))
    assert exchange.order("sl").status is OrderStatus.ACCEPTED
    assert exchange.order("sl").intent.quantity == Decimal("0.030")
    exchange.on_candle(flat(T2, "100000.0", volume="10"))
    assert exchange.ledger.position("BTCUSDT").quantity == Decimal("0.030")  # no more trades


def test_only_a_limit_order_has_a_time_in_force() -> None:
    with pytest.raises(ValueError, match="only a limit order has a time in force"):
        OrderIntent(
            "m1",
            "BTCUSDT",
            Side.BUY,
            OrderType.MARKET,
            Decimal("0.01"),
            time_in_force=TimeInForce.IOC,
        )
