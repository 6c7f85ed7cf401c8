"""Every order type on the simulated venue: when it fills, at what price, for what fee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.candles import candle
from tests.unit.venues.conftest import make_exchange
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import FillReport, OrderUpdate
from trading_agents.venues.errors import OrderNotFound
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange

T1 = "2025-06-01T00:01:00Z"
T2 = "2025-06-01T00:02:00Z"


def intent(
    cid: str,
    side: Side,
    order_type: OrderType = OrderType.MARKET,
    quantity: str = "0.010",
    *,
    price: str | None = None,
    trigger: str | None = None,
    reduce_only: bool = False,
    symbol: str = "BTCUSDT",
) -> OrderIntent:
    return OrderIntent(
        cid,
        symbol,
        side,
        order_type,
        Decimal(quantity),
        Decimal(price) if price else None,
        Decimal(trigger) if trigger else None,
        reduce_only,
    )


def fills(exchange: SimExchange) -> list[FillReport]:
    return [r for r in exchange.drain_reports() if isinstance(r, FillReport)]


def test_market_order_fills_at_the_next_open_with_the_taker_fee(exchange: SimExchange) -> None:
    exchange.submit(intent("m1", Side.BUY), to_ms(T1))
    assert fills(exchange) == []

    exchange.on_candle(candle(T1, "100100.0", "100300.0", "100000.0", "100200.0"))

    (fill,) = fills(exchange)
    assert (fill.price, fill.quantity, fill.liquidity) == (
        Decimal("100100.0"),
        Decimal("0.010"),
        Liquidity.TAKER,
    )
    assert fill.fee == Decimal("0.010") * Decimal("100100.0") * Decimal("0.0005")
    assert exchange.order("m1").status is OrderStatus.FILLED
    assert exchange.ledger.position("BTCUSDT").quantity == Decimal("0.010")


def test_slippage_moves_a_market_buy_up_to_the_next_tick() -> None:
    exchange = make_exchange(SimVenueConfig(slippage=Decimal("0.0001")))
    exchange.submit(intent("m1", Side.BUY), to_ms(T1))

    exchange.on_candle(candle(T1, "100100.0", "100300.0", "100000.0", "100200.0"))

    (fill,) = fills(exchange)
    assert fill.price == Decimal("100110.1")  # 100100 * 1.0001 = 100110.01, up to the tick


def test_resting_limit_fills_at_its_price_when_touched_as_maker(exchange: SimExchange) -> None:
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="99500.0"), to_ms(T1))
    exchange.on_candle(candle(T1, "100000.0", "100100.0", "99600.0", "99900.0"))
    assert fills(exchange) == []

    exchange.on_candle(candle(T2, "99900.0", "99950.0", "99400.0", "99800.0"))

    (fill,) = fills(exchange)
    assert (fill.price, fill.liquidity) == (Decimal("99500.0"), Liquidity.MAKER)
    assert fill.fee == Decimal("0.010") * Decimal("99500.0") * Decimal("0.0002")


def test_limit_gapped_through_fills_at_the_better_open(exchange: SimExchange) -> None:
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="99500.0"), to_ms(T1))

    exchange.on_candle(candle(T1, "99000.0", "99200.0", "98900.0", "99100.0"))

    (fill,) = fills(exchange)
    assert fill.price == Decimal("99000.0")


def test_marketable_limit_trades_at_the_next_price_as_taker(exchange: SimExchange) -> None:
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="100500.0"), to_ms(T1))

    exchange.on_candle(candle(T1, "100200.0", "100300.0", "100100.0", "100250.0"))

    (fill,) = fills(exchange)
    assert (fill.price, fill.liquidity) == (Decimal("100200.0"), Liquidity.TAKER)


def open_long(exchange: SimExchange, quantity: str = "0.010") -> None:
    exchange.submit(intent("entry", Side.BUY, quantity=quantity), to_ms(T1))
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0"))
    exchange.drain_reports()


def test_stop_market_triggers_on_the_low_and_fills_at_the_trigger(exchange: SimExchange) -> None:
    open_long(exchange)
    exchange.submit(
        intent("sl", Side.SELL, OrderType.STOP_MARKET, trigger="99000.0", reduce_only=True),
        to_ms(T2),
    )
    exchange.drain_reports()

    exchange.on_candle(candle(T2, "99800.0", "99900.0", "98800.0", "99100.0"))

    reports = exchange.drain_reports()
    assert [type(r) for r in reports] == [OrderUpdate, FillReport]
    assert isinstance(reports[0], OrderUpdate)
    assert reports[0].status is OrderStatus.TRIGGERED
    fill = reports[1]
    assert isinstance(fill, FillReport)
    assert (fill.price, fill.liquidity) == (Decimal("99000.0"), Liquidity.TAKER)
    assert fill.realized_pnl == Decimal("0.010") * (Decimal("99000.0") - Decimal("100000.0"))
    assert not exchange.ledger.position("BTCUSDT").is_open


def test_stop_gapped_through_fills_at_the_worse_open(exchange: SimExchange) -> None:
    open_long(exchange)
    exchange.submit(
        intent("sl", Side.SELL, OrderType.STOP_MARKET, trigger="99000.0", reduce_only=True),
        to_ms(T2),
    )

    exchange.on_candle(candle(T2, "98500.0", "98700.0", "98400.0", "98600.0"))

    (fill,) = fills(exchange)
    assert fill.price == Decimal("98500.0")


def test_take_profit_market_triggers_on_the_high(exchange: SimExchange) -> None:
    open_long(exchange)
    exchange.submit(
        intent("tp", Side.SELL, OrderType.TAKE_PROFIT_MARKET, trigger="101000.0", reduce_only=True),
        to_ms(T2),
    )

    exchange.on_candle(candle(T2, "100100.0", "101200.0", "100050.0", "101100.0"))

    (fill,) = fills(exchange)
    assert fill.price == Decimal("101000.0")
    assert exchange.order("tp").status is OrderStatus.FILLED


def test_long_with_stop_and_take_profit_touched_in_one_candle_takes_the_stop(
    exchange: SimExchange,
) -> None:
    open_long(exchange)
    exchange.submit(
        intent("sl", Side.SELL, OrderType.STOP_MARKET, trigger="99000.0", reduce_only=True),
        to_ms(T2),
    )
    exchange.submit(
        intent("tp", Side.SELL, OrderType.TAKE_PROFIT_MARKET, trigger="101000.0", reduce_only=True),
        to_ms(T2),
    )

    # A bullish candle: the usual path would reach the high first, the adverse rule says low.
    exchange.on_candle(candle(T2, "100000.0", "101500.0", "98500.0", "101400.0"))

    (fill,) = fills(exchange)
    assert (fill.client_order_id, fill.price) == ("sl", Decimal("99000.0"))
    assert exchange.order("tp").status is OrderStatus.EXPIRED


def test_short_with_stop_and_take_profit_touched_in_one_candle_takes_the_stop(
    exchange: SimExchange,
) -> None:
    exchange.submit(intent("entry", Side.SELL), to_ms(T1))
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0"))
    exchange.submit(
        intent("sl", Side.BUY, OrderType.STOP_MARKET, trigger="101000.0", reduce_only=True),
        to_ms(T2),
    )
    exchange.submit(
        intent("tp", Side.BUY, OrderType.TAKE_PROFIT_MARKET, trigger="99000.0", reduce_only=True),
        to_ms(T2),
    )
    exchange.drain_reports()

    exchange.on_candle(candle(T2, "100000.0", "101500.0", "98500.0", "98600.0"))

    (fill,) = fills(exchange)
    assert (fill.client_order_id, fill.price) == ("sl", Decimal("101000.0"))


def test_reduce_only_exit_larger_than_the_position_is_cut_and_expires(
    exchange: SimExchange,
) -> None:
    open_long(exchange, quantity="0.010")
    exchange.submit(intent("exit", Side.SELL, quantity="0.020", reduce_only=True), to_ms(T2))

    exchange.on_candle(candle(T2, "100000.0", "100000.0", "100000.0", "100000.0"))

    reports = exchange.drain_reports()
    fill = next(r for r in reports if isinstance(r, FillReport))
    assert fill.quantity == Decimal("0.010")
    assert exchange.order("exit").status is OrderStatus.EXPIRED
    assert not exchange.ledger.position("BTCUSDT").is_open


def test_cancel_retires_an_open_order(exchange: SimExchange) -> None:
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="99000.0"), to_ms(T1))

    exchange.cancel("BTCUSDT", "l1", to_ms(T1))

    assert exchange.order("l1").status is OrderStatus.CANCELED
    assert exchange.open_orders() == []
    exchange.on_candle(candle(T1, "99000.0", "99000.0", "98000.0", "98500.0"))
    assert fills(exchange) == []


def test_volume_cap_fills_a_market_order_over_several_candles() -> None:
    exchange = make_exchange(SimVenueConfig(max_volume_participation=Decimal("0.1")))
    exchange.submit(intent("m1", Side.BUY, quantity="0.050"), to_ms(T1))

    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0", volume="0.3"))
    assert exchange.order("m1").status is OrderStatus.PARTIALLY_FILLED
    assert exchange.order("m1").filled_quantity == Decimal("0.030")
    exchange.on_candle(candle(T2, "100100.0", "100100.0", "100100.0", "100100.0", volume="0.3"))

    order = exchange.order("m1")
    assert order.status is OrderStatus.FILLED
    assert order.average_price == (
        Decimal("0.030") * Decimal("100000.0") + Decimal("0.020") * Decimal("100100.0")
    ) / Decimal("0.050")


def test_an_exchange_told_not_to_keep_ended_orders_forgets_each_as_it_ends() -> None:
    exchange = make_exchange(keep_ended=False)
    exchange.submit(intent("m1", Side.BUY), to_ms(T1))
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="90000.0"), to_ms(T1))
    exchange.submit(intent("l2", Side.BUY, OrderType.LIMIT, price="91000.0"), to_ms(T1))

    exchange.on_candle(candle(T1, "100100.0", "100300.0", "100000.0", "100200.0"))
    exchange.cancel("BTCUSDT", "l2", to_ms(T1))

    assert [order.client_order_id for order in exchange.orders()] == ["l1"]
    assert exchange.order("l1").status is OrderStatus.ACCEPTED
    for ended in ("m1", "l2"):
        assert not exchange.holds(ended)
        with pytest.raises(OrderNotFound):
            exchange.order(ended)
    # The books moved as they would have: only the record of the ended orders is gone.
    assert exchange.ledger.position("BTCUSDT").quantity == Decimal("0.010")
    exchange.submit(intent("m1", Side.SELL, reduce_only=True), to_ms(T2))  # its id is free again
