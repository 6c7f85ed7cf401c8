"""Exits attached to an entry: checked with it, placed the moment it is done filling."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from tests.support.candles import candle, flat
from tests.unit.venues.conftest import make_exchange
from tests.unit.venues.test_sim_orders import T1, T2, fills, intent, open_long
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import FillReport, OrderUpdate
from trading_agents.venues.errors import BinanceCode, OrderNotFound, OrderRejected
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange


def stop(trigger: str, cid: str = "sl", side: Side = Side.SELL) -> OrderIntent:
    return intent(cid, side, OrderType.STOP_MARKET, trigger=trigger, reduce_only=True)


def take_profit(trigger: str, cid: str = "tp", side: Side = Side.SELL) -> OrderIntent:
    return intent(cid, side, OrderType.TAKE_PROFIT_MARKET, trigger=trigger, reduce_only=True)


def test_stop_placed_at_the_entrys_fill_triggers_later_in_the_same_candle(
    exchange: SimExchange,
) -> None:
    exchange.submit(intent("entry", Side.BUY), to_ms(T1), attached=[stop("98000.0")])
    assert exchange.open_orders() == [exchange.order("entry")]  # the stop waits for the fill
    exchange.drain_reports()

    exchange.on_candle(candle(T1, "100000.0", "100100.0", "97000.0", "99000.0"))

    reports = exchange.drain_reports()
    assert [(type(r), r.client_order_id) for r in reports] == [
        (FillReport, "entry"),
        (OrderUpdate, "sl"),  # accepted
        (OrderUpdate, "sl"),  # triggered
        (FillReport, "sl"),
    ]
    entry_fill, exit_fill = (r for r in reports if isinstance(r, FillReport))
    assert entry_fill.price == Decimal("100000.0")
    assert (exit_fill.price, exit_fill.quantity) == (Decimal("98000.0"), Decimal("0.010"))
    assert not exchange.ledger.position("BTCUSDT").is_open


def test_take_profit_placed_at_the_fill_takes_the_high_of_the_same_candle(
    exchange: SimExchange,
) -> None:
    exchange.submit(
        intent("entry", Side.BUY),
        to_ms(T1),
        attached=[stop("99000.0"), take_profit("101000.0")],
    )

    exchange.on_candle(candle(T1, "100000.0", "101500.0", "99800.0", "101200.0"))

    assert [(f.client_order_id, f.price) for f in fills(exchange)] == [
        ("entry", Decimal("100000.0")),
        ("tp", Decimal("101000.0")),
    ]
    assert exchange.order("sl").status is OrderStatus.EXPIRED  # nothing left to protect


def test_limit_entry_filled_mid_candle_is_stopped_out_further_down_the_same_move(
    exchange: SimExchange,
) -> None:
    entry = intent("entry", Side.BUY, OrderType.LIMIT, price="99500.0")
    exchange.submit(entry, to_ms(T1), attached=[stop("99000.0")])

    exchange.on_candle(candle(T1, "100000.0", "100000.0", "98800.0", "98900.0"))

    assert [(f.client_order_id, f.price) for f in fills(exchange)] == [
        ("entry", Decimal("99500.0")),
        ("sl", Decimal("99000.0")),
    ]


def test_stop_the_open_gapped_through_is_rejected_and_the_position_stays_open(
    exchange: SimExchange,
) -> None:
    exchange.submit(intent("entry", Side.BUY), to_ms(T1), attached=[stop("99000.0")])
    exchange.drain_reports()

    exchange.on_candle(flat(T1, "98500.0"))

    fill, rejected = exchange.drain_reports()
    assert isinstance(fill, FillReport)
    assert fill.price == Decimal("98500.0")
    assert isinstance(rejected, OrderUpdate)
    assert (rejected.client_order_id, rejected.status) == ("sl", OrderStatus.REJECTED)
    assert rejected.reason.startswith(f"{BinanceCode.WOULD_IMMEDIATELY_TRIGGER}: ")
    assert exchange.ledger.position("BTCUSDT").quantity == Decimal("0.010")
    assert exchange.open_orders() == []
    with pytest.raises(OrderNotFound):
        exchange.order("sl")


def test_exits_are_sized_to_the_whole_position_once_the_entry_fills(
    exchange: SimExchange,
) -> None:
    open_long(exchange, quantity="0.010")
    exchange.submit(
        intent("add", Side.BUY, quantity="0.020"),
        to_ms(T2),
        attached=[stop("99000.0", cid="sl"), take_profit("101000.0")],
    )

    exchange.on_candle(flat(T2, "100000.0"))

    assert exchange.order("sl").intent.quantity == Decimal("0.030")
    assert exchange.order("tp").intent.quantity == Decimal("0.030")


def test_exits_of_an_entry_cancelled_before_any_fill_are_dropped(exchange: SimExchange) -> None:
    entry = intent("entry", Side.BUY, OrderType.LIMIT, price="99000.0")
    exchange.submit(entry, to_ms(T1), attached=[stop("98000.0")])
    exchange.drain_reports()

    exchange.cancel("BTCUSDT", "entry", to_ms(T1))
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "97000.0", "97500.0"))

    assert [(r.client_order_id, r.status) for r in exchange.drain_reports()] == [
        ("entry", OrderStatus.CANCELED)
    ]
    with pytest.raises(OrderNotFound):
        exchange.order("sl")


def test_exits_wait_for_a_volume_capped_entry_to_complete_and_then_cover_all_of_it() -> None:
    exchange = make_exchange(SimVenueConfig(max_volume_participation=Decimal("0.1")))
    exchange.submit(
        intent("entry", Side.BUY, quantity="0.050"), to_ms(T1), attached=[stop("98000.0")]
    )

    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0", volume="0.3"))
    assert [o.client_order_id for o in exchange.open_orders()] == ["entry"]
    exchange.on_candle(candle(T2, "100100.0", "100100.0", "100100.0", "100100.0", volume="0.3"))

    assert exchange.order("entry").status is OrderStatus.FILLED
    assert exchange.order("sl").status is OrderStatus.ACCEPTED
    assert exchange.order("sl").intent.quantity == Decimal("0.050")


def test_entry_cancelled_after_a_partial_fill_protects_what_it_bought() -> None:
    exchange = make_exchange(SimVenueConfig(max_volume_participation=Decimal("0.1")))
    entry = intent("entry", Side.BUY, OrderType.LIMIT, quantity="0.050", price="99500.0")
    exchange.submit(entry, to_ms(T1), attached=[stop("99000.0")])
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "99400.0", "99600.0", volume="0.3"))
    assert exchange.order("entry").filled_quantity == Decimal("0.030")

    exchange.cancel("BTCUSDT", "entry", to_ms(T2))

    assert exchange.order("sl").status is OrderStatus.ACCEPTED
    assert exchange.order("sl").intent.quantity == Decimal("0.030")


@pytest.mark.parametrize(
    ("exit_", "code"),
    [
        (
            intent("sl", Side.SELL, OrderType.STOP_MARKET, trigger="99000.0"),
            BinanceCode.REDUCE_ONLY_REJECTED,
        ),
        (stop("101000.0", side=Side.BUY), BinanceCode.REDUCE_ONLY_REJECTED),
        (
            intent(
                "sl",
                Side.SELL,
                OrderType.STOP_MARKET,
                trigger="2400.00",
                reduce_only=True,
                symbol="ETHUSDT",
            ),
            BinanceCode.INVALID_SYMBOL,
        ),
        (stop("99000.05"), BinanceCode.BAD_PRECISION),
        (stop("99000.0", cid="entry"), BinanceCode.DUPLICATE_CLIENT_ORDER_ID),
    ],
    ids=["not-reduce-only", "same-side", "other-symbol", "off-tick", "the-entrys-id"],
)
def test_an_entry_with_a_malformed_exit_is_rejected_and_nothing_changes(
    exchange: SimExchange, exit_: OrderIntent, code: BinanceCode
) -> None:
    entry = intent("entry", Side.BUY, OrderType.LIMIT, price="99500.0")

    with pytest.raises(OrderRejected) as raised:
        exchange.submit(entry, to_ms(T1), attached=[exit_])

    assert raised.value.code == code
    assert exchange.open_orders() == []
    assert exchange.drain_reports() == []
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "98000.0", "98500.0"))
    assert fills(exchange) == []


def test_a_reduce_only_order_cannot_carry_exits(exchange: SimExchange) -> None:
    open_long(exchange)
    exit_ = intent("exit", Side.SELL, OrderType.LIMIT, price="101000.0", reduce_only=True)

    with pytest.raises(OrderRejected) as raised:
        exchange.submit(exit_, to_ms(T2), attached=[stop("99000.0", side=Side.BUY)])

    assert raised.value.code == BinanceCode.REDUCE_ONLY_REJECTED


def test_an_exit_id_already_waiting_on_another_entry_is_a_duplicate(exchange: SimExchange) -> None:
    first = intent("first", Side.BUY, OrderType.LIMIT, price="99500.0")
    exchange.submit(first, to_ms(T1), attached=[stop("99000.0")])

    with pytest.raises(OrderRejected) as raised:
        exchange.submit(intent("sl", Side.BUY, OrderType.LIMIT, price="99400.0"), to_ms(T1))

    assert raised.value.code == BinanceCode.DUPLICATE_CLIENT_ORDER_ID


def test_exits_meet_the_filters_of_the_moment_they_are_placed(exchange: SimExchange) -> None:
    exchange.instruments = InstrumentRegistry(list(exchange.instruments))  # not the shared one
    exchange.submit(intent("entry", Side.BUY), to_ms(T1), attached=[stop("98000.0")])
    # New filters between the entry and its fill: the stop passed the old ones, not these.
    btc = exchange.instruments.get("BTCUSDT")
    stricter = dataclasses.replace(btc, market_min_qty=Decimal("1"))
    others = [i for i in exchange.instruments if i.symbol != "BTCUSDT"]
    exchange.instruments.replace_with(InstrumentRegistry([stricter, *others]))
    exchange.drain_reports()

    exchange.on_candle(flat(T1, "100000.0"))

    rejected = [
        r
        for r in exchange.drain_reports()
        if isinstance(r, OrderUpdate) and r.client_order_id == "sl"
    ]
    assert [(r.status, r.code) for r in rejected] == [
        (OrderStatus.REJECTED, int(BinanceCode.FILTER_FAILURE))
    ]
