"""Orders move only through the transition table; every other move is a loud error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading_agents.core.errors import InvalidTransition
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, Side
from trading_agents.model.orders import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderIntent,
    OrderPartiallyFilled,
    OrderRejected,
    OrderTriggered,
    allowed_transitions,
)

QTY = Decimal("1.0")


def make_intent(order_type: OrderType) -> OrderIntent:
    return OrderIntent(
        f"o-{order_type}",
        "BTCUSDT",
        Side.BUY,
        order_type,
        QTY,
        price=Decimal("100") if order_type is OrderType.LIMIT else None,
        trigger_price=Decimal("100") if order_type.is_conditional else None,
    )


def event_of(kind: type[OrderEvent], *, remaining: Decimal = QTY) -> OrderEvent:
    """Build an event of `kind`; a fill takes all that is left, a partial fill a quarter."""
    if kind is OrderFilled:
        return OrderFilled(1, "t", remaining, Decimal("100"), Decimal(0), Liquidity.TAKER)
    if kind is OrderPartiallyFilled:
        return OrderPartiallyFilled(1, "t", QTY / 4, Decimal("100"), Decimal(0), Liquidity.TAKER)
    if kind is OrderRejected:
        return OrderRejected(1, -2019, "Margin is insufficient.")
    if kind is OrderTriggered:
        return OrderTriggered(1, Decimal("100"))
    if kind is OrderAccepted:
        return OrderAccepted(1)
    if kind is OrderCanceled:
        return OrderCanceled(1)
    return OrderExpired(1)


# The shortest event path that brings an order of each type to each status.
PATHS: dict[OrderStatus, tuple[type[OrderEvent], ...]] = {
    OrderStatus.SUBMITTED: (),
    OrderStatus.ACCEPTED: (OrderAccepted,),
    OrderStatus.TRIGGERED: (OrderAccepted, OrderTriggered),
    OrderStatus.PARTIALLY_FILLED: (OrderAccepted, OrderPartiallyFilled),
}
EVENT_TYPES: tuple[type[OrderEvent], ...] = (
    OrderAccepted,
    OrderRejected,
    OrderTriggered,
    OrderPartiallyFilled,
    OrderFilled,
    OrderCanceled,
    OrderExpired,
)


def order_in(status: OrderStatus, order_type: OrderType) -> Order:
    order = Order(make_intent(order_type), created_ms=0)
    path = PATHS[status]
    if order_type.is_conditional and status is OrderStatus.PARTIALLY_FILLED:
        path = (OrderAccepted, OrderTriggered, OrderPartiallyFilled)
    for kind in path:
        order.apply(event_of(kind))
    return order


CASES = [
    (order_type, status, kind)
    for order_type in OrderType
    for status in OrderStatus
    for kind in EVENT_TYPES
    if status in PATHS and not (status is OrderStatus.TRIGGERED and not order_type.is_conditional)
]


@pytest.mark.parametrize(("order_type", "status", "kind"), CASES)
def test_every_status_and_event_pair_follows_the_table(
    order_type: OrderType, status: OrderStatus, kind: type[OrderEvent]
) -> None:
    order = order_in(status, order_type)
    target = allowed_transitions(order_type).get((status, kind))

    if target is None:
        with pytest.raises(InvalidTransition):
            order.apply(event_of(kind, remaining=order.remaining))
        assert order.status is status
    else:
        order.apply(event_of(kind, remaining=order.remaining))
        assert order.status is target


@pytest.mark.parametrize(
    "final", [OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED]
)
@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_a_finished_order_takes_no_more_events(final: OrderStatus, kind: type[OrderEvent]) -> None:
    order = Order(make_intent(OrderType.LIMIT), created_ms=0)
    if final is OrderStatus.REJECTED:
        order.apply(OrderRejected(1, -1111, "precision"))
    else:
        order.apply(OrderAccepted(1))
        last = {
            OrderStatus.FILLED: OrderFilled,
            OrderStatus.CANCELED: OrderCanceled,
            OrderStatus.EXPIRED: OrderExpired,
        }[final]
        order.apply(event_of(last, remaining=order.remaining))

    with pytest.raises(InvalidTransition):
        order.apply(event_of(kind, remaining=order.remaining))
    assert order.status is final


def test_conditional_order_cannot_fill_before_its_trigger() -> None:
    order = order_in(OrderStatus.ACCEPTED, OrderType.STOP_MARKET)

    with pytest.raises(InvalidTransition):
        order.apply(event_of(OrderFilled, remaining=order.remaining))


def test_fills_average_the_price_and_add_up_the_fees() -> None:
    order = order_in(OrderStatus.ACCEPTED, OrderType.LIMIT)

    order.apply(
        OrderPartiallyFilled(
            1, "a", Decimal("0.4"), Decimal("100"), Decimal("0.01"), Liquidity.MAKER
        )
    )
    order.apply(
        OrderFilled(2, "b", Decimal("0.6"), Decimal("110"), Decimal("0.02"), Liquidity.MAKER)
    )

    assert order.status is OrderStatus.FILLED
    assert order.average_price == Decimal("106")
    assert order.fees == Decimal("0.03")
    assert order.remaining == 0


def test_filled_event_must_take_the_whole_remainder() -> None:
    order = order_in(OrderStatus.ACCEPTED, OrderType.LIMIT)

    with pytest.raises(InvalidTransition, match="unfilled"):
        order.apply(
            OrderFilled(1, "a", Decimal("0.5"), Decimal("100"), Decimal(0), Liquidity.MAKER)
        )


def test_partial_fill_must_leave_something() -> None:
    order = order_in(OrderStatus.ACCEPTED, OrderType.LIMIT)

    with pytest.raises(InvalidTransition):
        order.apply(OrderPartiallyFilled(1, "a", QTY, Decimal("100"), Decimal(0), Liquidity.MAKER))


@pytest.mark.parametrize(
    ("order_type", "price", "trigger", "message"),
    [
        (OrderType.LIMIT, None, None, "needs a price"),
        (OrderType.STOP_MARKET, None, None, "needs a trigger"),
        (OrderType.TAKE_PROFIT_MARKET, None, None, "needs a trigger"),
    ],
)
def test_intent_without_its_price_is_refused(
    order_type: OrderType, price: Decimal | None, trigger: Decimal | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        OrderIntent("x", "BTCUSDT", Side.BUY, order_type, QTY, price, trigger)


def test_intent_of_no_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="above zero"):
        OrderIntent("x", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(0))
