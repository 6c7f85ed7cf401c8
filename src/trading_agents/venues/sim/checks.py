"""Pre-trade checks of the simulated venue: it refuses what Binance refuses, with its codes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from trading_agents.core.decimals import ZERO, is_multiple
from trading_agents.model.enums import Side
from trading_agents.model.instruments import Instrument
from trading_agents.model.members import BUY, SELL, STOP_MARKET
from trading_agents.model.orders import OrderIntent
from trading_agents.venues.errors import BinanceCode, OrderRejected


def _reject(code: BinanceCode, message: str, intent: OrderIntent) -> OrderRejected:
    return OrderRejected(int(code), message, intent.client_order_id)


def check_filters(intent: OrderIntent, instrument: Instrument, last_price: Decimal) -> None:
    """Raise OrderRejected when the order breaks a price, lot, notional or percent filter."""
    check_form(intent, instrument)
    check_price_limits(intent, instrument, last_price)


def check_form(intent: OrderIntent, instrument: Instrument) -> None:
    """Raise OrderRejected when the order's quantity or prices break the lot or price filter."""
    lot = instrument.lot(intent.order_type)
    step, low, high = lot.step, lot.min_qty, lot.max_qty
    if not is_multiple(intent.quantity, step):
        raise _reject(
            BinanceCode.BAD_PRECISION,
            f"Precision is over the maximum defined for this asset: quantity {intent.quantity} "
            f"is not a multiple of the step {step}",
            intent,
        )
    if not low <= intent.quantity <= high:
        raise _reject(
            BinanceCode.FILTER_FAILURE,
            f"Filter failure: LOT_SIZE: quantity {intent.quantity} outside {low}..{high}",
            intent,
        )
    price, trigger = intent.price, intent.trigger_price
    if price is not None and not instrument.price_fits(price):
        raise _off_tick("price", price, instrument, intent)
    if trigger is not None and not instrument.price_fits(trigger):
        raise _off_tick("trigger price", trigger, instrument, intent)


def check_price_limits(intent: OrderIntent, instrument: Instrument, last_price: Decimal) -> None:
    """Raise OrderRejected when the order breaks a filter measured from the last price."""
    price = intent.price
    if price is not None:
        if intent.side is BUY:
            ceiling = last_price * instrument.percent_up
            if price > ceiling:
                raise _reject(
                    BinanceCode.PRICE_ABOVE_PERCENT_LIMIT,
                    f"Limit price can't be higher than {ceiling}",
                    intent,
                )
        elif intent.side is SELL:
            floor = last_price * instrument.percent_down
            if price < floor:
                raise _reject(
                    BinanceCode.PRICE_BELOW_PERCENT_LIMIT,
                    f"Limit price can't be lower than {floor}",
                    intent,
                )
    if intent.reduce_only:
        return  # Binance waives the minimum notional for reduce-only orders.
    notional = intent.quantity * (price or intent.trigger_price or last_price)
    if notional < instrument.min_notional:
        raise _reject(
            BinanceCode.MIN_NOTIONAL,
            f"Order's notional must be no smaller than {instrument.min_notional} "
            f"(unless you choose reduce only); it is {notional}",
            intent,
        )


def _off_tick(
    label: str, price: Decimal, instrument: Instrument, intent: OrderIntent
) -> OrderRejected:
    return _reject(
        BinanceCode.BAD_PRECISION,
        f"Precision is over the maximum defined for this asset: {label} {price} is not "
        f"on the tick {instrument.tick_size} within {instrument.min_price}.."
        f"{instrument.max_price}",
        intent,
    )


def check_trigger(intent: OrderIntent, last_price: Decimal) -> None:
    """Raise OrderRejected when a stop or take-profit would trigger at once."""
    trigger = intent.trigger_price
    if trigger is None:
        return
    # A buy stop waits for the price to rise; a buy take-profit waits for it to fall.
    rises = (intent.side is BUY) == (intent.order_type is STOP_MARKET)
    if (rises and trigger <= last_price) or (not rises and trigger >= last_price):
        raise _reject(
            BinanceCode.WOULD_IMMEDIATELY_TRIGGER,
            f"Order would immediately trigger: trigger {trigger}, last price {last_price}",
            intent,
        )


def check_reduce_only(intent: OrderIntent, position_quantity: Decimal) -> None:
    """Raise OrderRejected when a reduce-only order could not reduce the position."""
    if not intent.reduce_only:
        return
    if reducing_quantity(intent.side, intent.quantity, position_quantity) == ZERO:
        raise _reject(
            BinanceCode.REDUCE_ONLY_REJECTED,
            f"ReduceOnly Order is rejected: position is {position_quantity}",
            intent,
        )


def check_attached(
    entry: OrderIntent, exits: Sequence[OrderIntent], instrument: Instrument, last_price: Decimal
) -> None:
    """Raise OrderRejected when an exit attached to an entry could never protect it."""
    if not exits:
        return
    seen = {entry.client_order_id}
    for exit_ in exits:
        if exit_.symbol != entry.symbol:
            raise _reject(
                BinanceCode.INVALID_SYMBOL,
                f"Attached order is on {exit_.symbol}, its entry on {entry.symbol}",
                exit_,
            )
        if entry.reduce_only or not exit_.reduce_only or exit_.side is entry.side:
            raise _reject(
                BinanceCode.REDUCE_ONLY_REJECTED,
                "ReduceOnly Order is rejected: an attached order must be a reduce-only "
                f"{entry.side.opposite} protecting an entry that is not reduce-only",
                exit_,
            )
        if exit_.client_order_id in seen:
            raise _reject(
                BinanceCode.DUPLICATE_CLIENT_ORDER_ID,
                f"Duplicate clientOrderId {exit_.client_order_id}",
                exit_,
            )
        seen.add(exit_.client_order_id)
        check_filters(exit_, instrument, last_price)


def opening_quantity(side: Side, quantity: Decimal, position_quantity: Decimal) -> Decimal:
    """Return the part of an order that opens or grows a position rather than reducing one."""
    # Flat, or holding the order's side: none of it reduces the position.
    if position_quantity >= ZERO if side is BUY else position_quantity <= ZERO:
        return quantity
    return max(ZERO, quantity - abs(position_quantity))


def reducing_quantity(side: Side, quantity: Decimal, position_quantity: Decimal) -> Decimal:
    """Return the part of an order that takes quantity off the position."""
    return quantity - opening_quantity(side, quantity, position_quantity)


def check_margin(
    intent: OrderIntent,
    opening: Decimal,
    price: Decimal,
    leverage: int,
    fee_rate: Decimal,
    available: Decimal,
) -> None:
    """Raise OrderRejected when the account cannot post the margin and fee the order needs."""
    if not opening:
        return
    needed = opening * price / leverage + opening * price * fee_rate
    if needed > available:
        raise _reject(
            BinanceCode.MARGIN_INSUFFICIENT,
            f"Margin is insufficient: needs {needed:.8f} USDT, {available:.8f} available",
            intent,
        )


def check_leverage_bracket(
    intent: OrderIntent, instrument: Instrument, notional_after: Decimal, leverage: int
) -> None:
    """Raise OrderRejected when the resulting position is too large for the set leverage."""
    allowed = instrument.max_leverage_for(notional_after)
    if leverage > allowed:
        raise _reject(
            BinanceCode.MAX_POSITION_AT_LEVERAGE,
            f"Exceeded the maximum allowable position at current leverage: {leverage}x allows "
            f"less than {notional_after} USDT notional (at most {allowed}x there)",
            intent,
        )
