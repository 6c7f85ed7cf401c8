"""Mark prices on the simulated venue: stops, take-profits and liquidation trigger; nothing else.

A mark price streams between candle closes. It is the price positions are valued at and
conditional orders trigger on, but it is no trade: it fills no limit order and no market
order waiting for the next trade, and the next candle's path starts from the last trade.
"""

from __future__ import annotations

from decimal import Decimal

from tests.support.candles import candle, flat
from tests.unit.venues.conftest import make_exchange
from tests.unit.venues.test_sim_orders import T1, T2, fills, intent, open_long
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.reports import FillReport, OrderUpdate
from trading_agents.venues.sim.exchange import SimExchange

BETWEEN = to_ms(T2) - 20_000  # 40 s into the candle that opens at T1 and closes at T2
AFTER_T2 = to_ms(T2) + 1_000  # a second after it closed


def stop_below(exchange: SimExchange, trigger: str = "99000.0") -> None:
    exchange.submit(
        intent("sl", Side.SELL, OrderType.STOP_MARKET, trigger=trigger, reduce_only=True),
        to_ms(T2),
    )
    exchange.drain_reports()


def test_a_mark_across_the_stop_triggers_it_and_fills_at_the_mark(exchange: SimExchange) -> None:
    open_long(exchange)
    stop_below(exchange)

    exchange.on_mark("BTCUSDT", AFTER_T2, Decimal("98950.5"))

    reports = exchange.drain_reports()
    assert [(type(r), r.client_order_id) for r in reports] == [
        (OrderUpdate, "sl"),  # triggered
        (FillReport, "sl"),
    ]
    fill = reports[-1]
    assert isinstance(fill, FillReport)
    assert (fill.price, fill.ts_ms) == (Decimal("98950.5"), AFTER_T2)
    assert not exchange.ledger.position("BTCUSDT").is_open


def test_a_mark_exactly_at_the_stop_triggers_it(exchange: SimExchange) -> None:
    open_long(exchange)
    stop_below(exchange)

    exchange.on_mark("BTCUSDT", AFTER_T2, Decimal("99000.0"))

    assert [(f.client_order_id, f.price) for f in fills(exchange)] == [("sl", Decimal("99000.0"))]


def test_a_mark_short_of_the_stop_triggers_nothing(exchange: SimExchange) -> None:
    open_long(exchange)
    stop_below(exchange)

    exchange.on_mark("BTCUSDT", AFTER_T2, Decimal("99000.1"))

    assert exchange.drain_reports() == []
    assert exchange.order("sl").status is OrderStatus.ACCEPTED


def test_a_mark_above_the_take_profit_takes_it(exchange: SimExchange) -> None:
    open_long(exchange)
    exchange.submit(
        intent("tp", Side.SELL, OrderType.TAKE_PROFIT_MARKET, trigger="101000.0", reduce_only=True),
        to_ms(T2),
    )
    exchange.drain_reports()

    exchange.on_mark("BTCUSDT", AFTER_T2, Decimal("101000.4"))

    assert [(f.client_order_id, f.price) for f in fills(exchange)] == [("tp", Decimal("101000.4"))]


def test_a_mark_beyond_the_liquidation_price_liquidates() -> None:
    exchange = make_exchange(cash="1000")
    exchange.set_leverage("BTCUSDT", 25)
    open_long(exchange)
    liquidation = exchange.ledger.position("BTCUSDT").liquidation_price()
    assert liquidation is not None

    exchange.on_mark("BTCUSDT", AFTER_T2, liquidation - Decimal("0.1"))

    (fill,) = fills(exchange)
    assert fill.is_liquidation
    assert fill.price == liquidation
    assert not exchange.ledger.position("BTCUSDT").is_open


def test_a_mark_fills_no_resting_limit_order(exchange: SimExchange) -> None:
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="99500.0"), to_ms(T1))
    exchange.drain_reports()

    exchange.on_mark("BTCUSDT", BETWEEN, Decimal("99000.0"))

    assert exchange.drain_reports() == []
    assert exchange.order("l1").status is OrderStatus.ACCEPTED


def test_a_mark_fills_no_market_order_waiting_for_the_next_trade(exchange: SimExchange) -> None:
    exchange.submit(intent("m1", Side.BUY), to_ms(T1))
    exchange.drain_reports()

    exchange.on_mark("BTCUSDT", BETWEEN, Decimal("100050.0"))

    assert fills(exchange) == []
    exchange.on_candle(flat(T1, "100100.0"))
    assert [(f.client_order_id, f.price) for f in fills(exchange)] == [("m1", Decimal("100100.0"))]


def test_the_next_candle_starts_from_the_last_trade_not_from_the_mark(
    exchange: SimExchange,
) -> None:
    open_long(exchange)  # the last trade: 100,000 at T1's close
    stop_below(exchange)
    exchange.on_mark("BTCUSDT", AFTER_T2, Decimal("99200.0"))  # short of the stop

    # The candle opens at 98,900: the gap from the last trade at 100,000 crosses the stop.
    exchange.on_candle(candle(T2, "98900.0", "99100.0", "98800.0", "99000.0"))

    assert [(f.client_order_id, f.price) for f in fills(exchange)] == [("sl", Decimal("98900.0"))]
