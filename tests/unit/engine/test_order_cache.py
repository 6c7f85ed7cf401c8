"""The account's order cache: opened when sent, moved only by what the venue reports."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from trading_agents.engine.orders import OrderCache
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent, OrderTriggered
from trading_agents.model.reports import FillReport, FundingReport, OrderUpdate

SYMBOL = "BTCUSDT"


def entry(cid: str = "e1", quantity: str = "0.010") -> OrderIntent:
    return OrderIntent(cid, SYMBOL, Side.BUY, OrderType.MARKET, Decimal(quantity))


def stop(cid: str = "sl-e1", quantity: str = "0.010", trigger: str = "99000") -> OrderIntent:
    return OrderIntent(
        cid,
        SYMBOL,
        Side.SELL,
        OrderType.STOP_MARKET,
        Decimal(quantity),
        trigger_price=Decimal(trigger),
        reduce_only=True,
    )


def accepted(intent: OrderIntent, venue_id: str = "1", ts: int = 2) -> OrderUpdate:
    return OrderUpdate(
        intent.client_order_id,
        SYMBOL,
        OrderStatus.ACCEPTED,
        ts,
        venue_order_id=venue_id,
        intent=intent,
    )


def fill(cid: str, quantity: str, status: OrderStatus, trade: str = "t1") -> FillReport:
    return FillReport(
        cid,
        trade,
        SYMBOL,
        Side.BUY,
        Decimal(quantity),
        Decimal("100000"),
        Decimal("0.4"),
        Liquidity.TAKER,
        3,
        status,
        Decimal(0),
    )


def test_an_order_is_open_as_submitted_once_sent_and_listed_as_changed() -> None:
    cache = OrderCache(track_changes=True)
    cache.open(entry(), 1)

    ((order, venue_id),) = cache.take_changed()
    assert (order.client_order_id, order.status, order.created_ms) == (
        "e1",
        OrderStatus.SUBMITTED,
        1,
    )
    assert venue_id == ""
    assert cache.take_changed() == []  # told once


def test_reports_move_it_to_filled_with_the_venue_id_average_price_and_fees() -> None:
    cache = OrderCache()
    cache.open(entry(quantity="0.020"), 1)
    cache.apply(accepted(entry(quantity="0.020"), "77"))
    cache.apply(fill("e1", "0.005", OrderStatus.PARTIALLY_FILLED, "t1"))
    cache.apply(fill("e1", "0.015", OrderStatus.FILLED, "t2"))

    order = cache.get("e1")
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal("0.020")
    assert order.fees == Decimal("0.8")
    assert cache.venue_order_id("e1") == "77"
    assert cache.unexplained == 0


def test_the_order_as_the_venue_placed_it_replaces_the_one_sent() -> None:
    cache = OrderCache()
    cache.open(entry(quantity="0.0104"), 1)
    cache.apply(accepted(entry(quantity="0.010")))  # rounded to the lot step by the venue
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))

    order = cache.get("e1")
    assert order is not None
    assert (order.intent.quantity, order.status) == (Decimal("0.010"), OrderStatus.FILLED)
    assert cache.unexplained == 0


def test_news_told_twice_or_late_changes_nothing() -> None:
    cache = OrderCache()
    cache.open(entry(), 1)
    cache.apply(accepted(entry()))
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))
    late = dataclasses.replace(
        accepted(entry()), intent=None
    )  # only an order's first news carries it
    cache.apply(late)

    order = cache.get("e1")
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert len(order.events) == 2
    assert cache.unexplained == 0


def test_a_fill_with_no_acceptance_heard_implies_it_and_a_stop_fill_its_trigger() -> None:
    cache = OrderCache()
    cache.open(entry(), 1)
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))
    cache.apply(accepted(stop()))
    cache.apply(fill("sl-e1", "0.010", OrderStatus.FILLED, "t2"))

    entry_order, exit_order = cache.orders()
    assert entry_order.status is OrderStatus.FILLED
    assert exit_order.status is OrderStatus.FILLED
    assert [type(e).__name__ for e in exit_order.events] == [
        "OrderAccepted",
        "OrderTriggered",
        "OrderFilled",
    ]


def test_an_exit_the_venue_places_is_opened_by_its_report_with_the_size_it_got() -> None:
    cache = OrderCache()
    cache.open(entry(quantity="0.020"), 1, attached=[stop(quantity="0.020")])
    cache.apply(fill("e1", "0.020", OrderStatus.FILLED))
    cache.apply(accepted(stop(quantity="0.015"), "9"))  # sized to the position

    exit_order = cache.get("sl-e1")
    assert exit_order is not None
    assert (exit_order.status, exit_order.intent.quantity) == (
        OrderStatus.ACCEPTED,
        Decimal("0.015"),
    )
    assert cache.venue_order_id("sl-e1") == "9"


def test_a_refused_exit_is_kept_as_rejected_with_the_venue_code() -> None:
    cache = OrderCache()
    refused = OrderUpdate(
        "sl-e1", SYMBOL, OrderStatus.REJECTED, 5, "-2021: would trigger", intent=stop(), code=-2021
    )
    assert cache.apply(refused)

    order = cache.get("sl-e1")
    assert order is not None
    assert order.status is OrderStatus.REJECTED
    assert order.events[-1].code == -2021  # type: ignore[union-attr]


def test_an_armed_exit_heard_of_before_its_placement_is_opened_from_what_was_sent() -> None:
    cache = OrderCache()
    cache.open(entry(), 1, attached=[stop()])
    cache.apply(OrderUpdate("sl-e1", SYMBOL, OrderStatus.TRIGGERED, 4))

    order = cache.get("sl-e1")
    assert order is not None
    assert order.status is OrderStatus.TRIGGERED


def test_reports_of_no_order_of_the_account_are_left_alone() -> None:
    cache = OrderCache(track_changes=True)
    liquidation = fill("autoclose-BTCUSDT-5", "0.010", OrderStatus.FILLED)
    funding = FundingReport(SYMBOL, 5, None, None, Decimal("0.01"), Decimal("-0.1"))

    assert not cache.apply(liquidation)
    assert not cache.apply(funding)
    assert not cache.apply(OrderUpdate("other", SYMBOL, OrderStatus.CANCELED, 5))
    assert cache.orders() == []
    assert cache.take_changed() == []


def test_an_order_refused_outright_is_forgotten_and_gives_back_the_one_whose_id_it_took() -> None:
    cache = OrderCache(track_changes=True)
    cache.open(entry(), 1)
    cache.apply(accepted(entry()))
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))
    cache.take_changed()

    cache.open(entry(), 9)  # the same id again, once the first ended
    cache.refused("e1")

    order = cache.get("e1")
    assert order is not None
    assert (order.status, order.created_ms) == (OrderStatus.FILLED, 1)
    assert cache.take_changed() == []


def test_a_contradicting_report_is_counted_not_applied() -> None:
    cache = OrderCache()
    cache.open(entry(), 1)
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED, "t9"))  # a fill on a filled order

    order = cache.get("e1")
    assert order is not None
    assert order.filled_quantity == Decimal("0.010")
    assert cache.unexplained == 1


def test_restore_takes_back_orders_and_venue_ids() -> None:
    first = OrderCache()
    first.open(entry(), 1)
    first.apply(accepted(entry(), "5"))

    second = OrderCache()
    second.restore(first.orders(), first.venue_ids())

    assert [o.client_order_id for o in second.orders()] == ["e1"]
    assert second.venue_order_id("e1") == "5"


def test_an_exit_placed_under_an_ended_orders_id_is_a_new_order() -> None:
    cache = OrderCache()
    cache.apply(accepted(stop(), "1"))
    cache.apply(OrderUpdate("sl-e1", SYMBOL, OrderStatus.EXPIRED, 5, "position closed"))
    cache.apply(accepted(stop(quantity="0.020"), "2", ts=9))

    order = cache.get("sl-e1")
    assert order is not None
    assert (order.status, order.intent.quantity, order.created_ms) == (
        OrderStatus.ACCEPTED,
        Decimal("0.020"),
        9,
    )
    assert cache.venue_order_id("sl-e1") == "2"


def test_a_stop_refused_when_it_triggers_ends_rejected() -> None:
    cache = OrderCache()
    cache.apply(accepted(stop()))
    cache.apply(OrderUpdate("sl-e1", SYMBOL, OrderStatus.TRIGGERED, 5, price=Decimal("98990")))
    cache.apply(OrderUpdate("sl-e1", SYMBOL, OrderStatus.REJECTED, 6, "ReduceOnly rejected"))

    order = cache.get("sl-e1")
    assert order is not None
    assert order.status is OrderStatus.REJECTED
    assert order.events[1] == OrderTriggered(5, Decimal("98990"))
    assert cache.unexplained == 0


def test_without_history_an_order_is_let_go_once_it_ends() -> None:
    cache = OrderCache(keep_ended=False)
    cache.open(entry(), 1)
    cache.open(entry("e2"), 1)
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))

    assert [o.client_order_id for o in cache.orders()] == ["e2"]
    assert cache.venue_order_id("e1") == ""


def test_the_resting_stop_of_a_symbol_is_its_open_stop_order_until_it_ends() -> None:
    cache = OrderCache()
    cache.open(entry(), 1, attached=[stop()])
    assert cache.resting_stop(SYMBOL) is None  # armed, not placed: no stop rests yet
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))
    cache.apply(accepted(stop(), "9"))

    assert cache.resting_stop(SYMBOL) == Decimal("99000")
    assert cache.resting_stop("ETHUSDT") is None

    cache.apply(OrderUpdate("sl-e1", SYMBOL, OrderStatus.CANCELED, 5))
    assert cache.resting_stop(SYMBOL) is None


def test_a_refused_stop_never_rests_and_a_restored_one_does() -> None:
    cache = OrderCache()
    cache.open(stop("sl-1"), 1)
    cache.refused("sl-1")
    assert cache.resting_stop(SYMBOL) is None

    restored = OrderCache()
    restored.restore([o for o in _resting_stop_cache().orders()], {"sl-e1": "9"})
    assert restored.resting_stop(SYMBOL) == Decimal("99000")


def test_the_newest_open_stop_is_the_one_that_rests() -> None:
    cache = OrderCache()
    cache.open(stop("sl-1"), 1)
    cache.apply(accepted(stop("sl-1"), "1"))
    newer = stop("sl-2", trigger="98500")
    cache.open(newer, 2)
    cache.apply(accepted(newer, "2", ts=3))
    assert cache.resting_stop(SYMBOL) == Decimal("98500")

    cache.apply(OrderUpdate("sl-2", SYMBOL, OrderStatus.CANCELED, 4))
    assert cache.resting_stop(SYMBOL) == Decimal("99000")


def _resting_stop_cache() -> OrderCache:
    cache = OrderCache()
    cache.open(entry(), 1, attached=[stop()])
    cache.apply(fill("e1", "0.010", OrderStatus.FILLED))
    cache.apply(accepted(stop(), "9"))
    return cache
