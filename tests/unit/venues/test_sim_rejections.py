"""The simulated venue refuses what Binance refuses, with Binance's codes, and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.candles import candle
from tests.unit.venues.conftest import make_exchange
from tests.unit.venues.test_sim_orders import T1, intent, open_long
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.venues.errors import BinanceCode, OrderNotFound, OrderRejected
from trading_agents.venues.sim.exchange import SimExchange


def rejection(exchange: SimExchange, order: OrderIntent) -> int:
    balance_before = exchange.ledger.wallet_balance
    open_before = exchange.open_orders()
    with pytest.raises(OrderRejected) as raised:
        exchange.submit(order, to_ms(T1))
    assert exchange.ledger.wallet_balance == balance_before
    assert exchange.open_orders() == open_before
    assert raised.value.message
    return raised.value.code


@pytest.mark.parametrize(
    ("order", "code"),
    [
        (intent("q", Side.BUY, quantity="0.0105"), BinanceCode.BAD_PRECISION),
        (
            intent("p", Side.BUY, OrderType.LIMIT, price="99999.95"),
            BinanceCode.BAD_PRECISION,
        ),
        (
            intent("t", Side.SELL, OrderType.STOP_MARKET, trigger="99000.05", reduce_only=True),
            BinanceCode.BAD_PRECISION,
        ),
        (intent("n", Side.BUY, quantity="0.001", symbol="ETHUSDT"), BinanceCode.MIN_NOTIONAL),
        (intent("big", Side.BUY, quantity="121"), BinanceCode.FILTER_FAILURE),
        (intent("m", Side.BUY, quantity="1.000"), BinanceCode.MARGIN_INSUFFICIENT),
        (intent("r", Side.SELL, reduce_only=True), BinanceCode.REDUCE_ONLY_REJECTED),
        (
            intent("s", Side.SELL, OrderType.STOP_MARKET, trigger="100500.0"),
            BinanceCode.WOULD_IMMEDIATELY_TRIGGER,
        ),
        (
            intent("tp", Side.SELL, OrderType.TAKE_PROFIT_MARKET, trigger="99500.0"),
            BinanceCode.WOULD_IMMEDIATELY_TRIGGER,
        ),
        (
            intent("up", Side.BUY, OrderType.LIMIT, price="105100.0"),
            BinanceCode.PRICE_ABOVE_PERCENT_LIMIT,
        ),
        (
            intent("down", Side.SELL, OrderType.LIMIT, price="94900.0"),
            BinanceCode.PRICE_BELOW_PERCENT_LIMIT,
        ),
        (intent("x", Side.BUY, symbol="NOPEUSDT"), BinanceCode.INVALID_SYMBOL),
    ],
    ids=lambda value: value.client_order_id if isinstance(value, OrderIntent) else str(value),
)
def test_each_rejection_carries_binances_code(
    exchange: SimExchange, order: OrderIntent, code: BinanceCode
) -> None:
    assert rejection(exchange, order) == code


def test_reduce_only_order_that_would_grow_a_long_is_rejected(exchange: SimExchange) -> None:
    open_long(exchange)

    assert rejection(exchange, intent("grow", Side.BUY, reduce_only=True)) == (
        BinanceCode.REDUCE_ONLY_REJECTED
    )


def test_reduce_only_order_is_exempt_from_the_minimum_notional(exchange: SimExchange) -> None:
    open_long(exchange, quantity="0.010")

    exchange.submit(intent("small", Side.SELL, quantity="0.001", reduce_only=True), to_ms(T1))

    assert exchange.open_orders()[0].client_order_id == "small"


def test_resting_orders_reserve_margin_for_later_orders() -> None:
    exchange = make_exchange(cash="1100")
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, "0.010", price="99000.0"), to_ms(T1))

    # 990 USDT is held for the first order, so a second of the same size cannot be posted.
    code = rejection(exchange, intent("l2", Side.BUY, OrderType.LIMIT, "0.010", price="99000.0"))

    assert code == BinanceCode.MARGIN_INSUFFICIENT


def test_duplicate_client_order_id_of_an_open_order_is_rejected(exchange: SimExchange) -> None:
    exchange.submit(intent("dup", Side.BUY, OrderType.LIMIT, price="99000.0"), to_ms(T1))

    code = rejection(exchange, intent("dup", Side.BUY, OrderType.LIMIT, price="98000.0"))

    assert code == BinanceCode.DUPLICATE_CLIENT_ORDER_ID


def test_leverage_outside_the_instruments_range_is_rejected(exchange: SimExchange) -> None:
    with pytest.raises(OrderRejected) as raised:
        exchange.set_leverage("BTCUSDT", 126)

    assert raised.value.code == BinanceCode.LEVERAGE_NOT_VALID


def test_position_too_large_for_its_leverage_bracket_is_rejected() -> None:
    exchange = make_exchange(cash="1000000")
    exchange.set_leverage("BTCUSDT", 125)  # 125x is allowed below 50,000 USDT of notional

    code = rejection(exchange, intent("big", Side.BUY, quantity="1.000"))

    assert code == BinanceCode.MAX_POSITION_AT_LEVERAGE


def test_leverage_cannot_change_while_a_position_is_open(exchange: SimExchange) -> None:
    open_long(exchange)

    with pytest.raises(OrderRejected) as raised:
        exchange.set_leverage("BTCUSDT", 5)

    assert raised.value.code == BinanceCode.LEVERAGE_NOT_VALID


def test_cancelling_an_unknown_or_finished_order_says_unknown_order(
    exchange: SimExchange,
) -> None:
    exchange.submit(intent("m1", Side.BUY), to_ms(T1))
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0"))

    with pytest.raises(OrderNotFound):
        exchange.cancel("BTCUSDT", "m1", to_ms(T1))
    with pytest.raises(OrderNotFound):
        exchange.cancel("BTCUSDT", "never-sent", to_ms(T1))


def test_margin_gone_by_fill_time_expires_the_order_unfilled() -> None:
    exchange = make_exchange(cash="1100")
    exchange.submit(intent("m1", Side.BUY, quantity="0.010"), to_ms(T1))

    # The price jumps 20 % before the market order trades: 0.010 BTC now needs 1,200 USDT.
    exchange.on_candle(candle(T1, "120000.0", "120000.0", "120000.0", "120000.0"))

    assert exchange.order("m1").status.value == "expired"
    assert exchange.ledger.wallet_balance == Decimal("1100")
