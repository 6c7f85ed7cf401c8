"""Price levels of the simulated book: where a resting order trades and from which side."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ZERO
from trading_agents.market.candles import Candle
from trading_agents.model.members import BUY, LIMIT, MARKET, STOP_MARKET
from trading_agents.model.orders import Order, OrderIntent

UP: Final = 1
DOWN: Final = -1


def direction_needed(order: Order) -> int:
    """Return which way the price must move to reach the order's level."""
    intent = order.intent
    # A stop waits for the price to run toward its side; a limit or take-profit, away from it.
    if intent.order_type is STOP_MARKET:
        return UP if intent.side is BUY else DOWN
    return DOWN if intent.side is BUY else UP


def level(order: Order) -> Decimal:
    """Return the limit or trigger price at which a resting order comes alive."""
    intent = order.intent
    price = intent.price if intent.order_type is LIMIT else intent.trigger_price
    assert price is not None  # guaranteed by OrderIntent's own validation
    return price


def marketable(intent: OrderIntent, last: Decimal) -> bool:
    """Tell whether a limit order would trade at once at the last price."""
    if intent.order_type is not LIMIT or intent.price is None:
        return False
    return intent.price >= last if intent.side is BUY else intent.price <= last


def nearer(level: Decimal, other: Decimal, direction: int) -> bool:
    """Tell whether `level` comes strictly before `other` on a move in `direction`."""
    # Strictly: on a tie the order that was already found (an order) goes first.
    return level < other if direction == UP else level > other


def path(candle: Candle, quantity: Decimal) -> tuple[tuple[Decimal, Decimal], ...]:
    """Return the candle's path as segments: to the low first when that is adverse to the holder."""
    low_first = quantity > ZERO or (not quantity and candle.close >= candle.open)
    first, second = (candle.low, candle.high) if low_first else (candle.high, candle.low)
    return ((candle.open, first), (first, second), (second, candle.close))


def any_within(
    resting: Iterable[Order], liquidation_price: Decimal | None, low: Decimal, high: Decimal
) -> bool:
    """Tell whether the liquidation price or a resting order's level lies within low..high."""
    if liquidation_price is not None and low <= liquidation_price <= high:
        return True
    # Market orders have no level: they trade at the next price, not on a touch.
    return any(
        order.intent.order_type is not MARKET and low <= level(order) <= high for order in resting
    )


def quiet_band(
    resting: Iterable[Order],
    liquidation_price: Decimal | None,
    position_quantity: Decimal,
    last: Decimal,
) -> tuple[float, float] | None:
    """Return the prices strictly between which no resting order or liquidation can be reached.

    A downward level is reached only by a move ending at or below it, an upward one only by a
    move ending at or above it. None when the last price is not strictly inside: an order held
    back by the volume cap behind the price would then be reached or not depending on which
    close the next gap starts from.
    """
    below: Decimal | None = None
    above: Decimal | None = None
    for order in resting:
        price = level(order)
        if direction_needed(order) == DOWN:
            below = price if below is None else max(below, price)
        else:
            above = price if above is None else min(above, price)
    if liquidation_price is not None and position_quantity:
        if position_quantity > ZERO:
            below = liquidation_price if below is None else max(below, liquidation_price)
        else:
            above = liquidation_price if above is None else min(above, liquidation_price)
    if (below is not None and below >= last) or (above is not None and above <= last):
        return None
    # float() rounds monotonically, so a float low above float(below) is an exact low above it.
    return (
        -math.inf if below is None else float(below),
        math.inf if above is None else float(above),
    )
