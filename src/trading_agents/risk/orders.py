"""The order intents an approval carries: the order itself and the exits that protect it."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ZERO
from trading_agents.core.ids import client_order_id
from trading_agents.model.members import (
    CONDITIONAL_TYPES,
    GTC,
    IOC,
    LIMIT,
    OPPOSITES,
    SELL,
    STOP_MARKET,
    TAKE_PROFIT_MARKET,
)
from trading_agents.model.orders import OrderIntent
from trading_agents.model.requests import OrderRequest
from trading_agents.risk.prices import EntryPrices
from trading_agents.risk.rules import (
    InstrumentRules,
    on_step,
    tick_down,
    tick_up,
)
from trading_agents.risk.verdicts import Approved, DenialCode, Denied, Verdict

STOP_LOSS_PREFIX: Final = "sl"
TAKE_PROFIT_PREFIX: Final = "tp"


def entry_orders(
    request: OrderRequest,
    quantity: Decimal,
    prices: EntryPrices,
) -> tuple[OrderIntent, tuple[OrderIntent, ...]]:
    """Build an approved entry and its reduce-only stop loss and take profit."""
    symbol, parent = request.symbol, request.client_order_id
    # Every entry is a limit order at the venue; a market one is marketable and IOC at its
    # cap, so it trades at once or not at all, and never beyond the cap.
    order = OrderIntent(
        parent,
        symbol,
        request.side,
        LIMIT,
        quantity,
        prices.worst,
        None,
        False,
        GTC if request.order_type is LIMIT else IOC,
    )
    exit_side = OPPOSITES[request.side]
    protective: tuple[OrderIntent, ...] = ()
    stop, take_profit = prices.stop, prices.take_profit
    if stop is not None:
        protective = (
            OrderIntent(
                client_order_id(STOP_LOSS_PREFIX, parent),
                symbol,
                exit_side,
                STOP_MARKET,
                quantity,
                trigger_price=stop,
                reduce_only=True,
            ),
        )
    if take_profit is not None:
        protective += (
            OrderIntent(
                client_order_id(TAKE_PROFIT_PREFIX, parent),
                symbol,
                exit_side,
                TAKE_PROFIT_MARKET,
                quantity,
                trigger_price=take_profit,
                reduce_only=True,
            ),
        )
    return order, protective


def reducing_order(
    request: OrderRequest, rules: InstrumentRules, held: Decimal, leverage: int
) -> Verdict:
    """Approve a reduce-only order for at most the `held` quantity, or deny a malformed one."""
    order_type, side, unit = request.order_type, request.side, rules.unit
    price = trigger = None
    if order_type is LIMIT:
        if request.price is None or request.price <= ZERO:
            return _invalid(f"a reduce-only limit needs a price above zero, got {request.price}")
        # Rounded to the passive side: never pay more, nor sell for less, than asked.
        price = _round(request.price, rules.tick, up=side is SELL)
    elif order_type in CONDITIONAL_TYPES:
        if request.trigger_price is None or request.trigger_price <= ZERO:
            return _invalid(f"a {order_type} needs a trigger price above zero")
        # Rounded toward the market, so the exit triggers no later than asked.
        stop = order_type is STOP_MARKET
        trigger = _round(request.trigger_price, rules.tick, up=stop == (side is SELL))
    adjustments: tuple[str, ...] = ()
    asked = request.quantity
    if asked is None:
        quantity = held
    elif asked <= ZERO:
        return _invalid(f"quantity must be above zero, got {asked}")
    elif asked >= held:
        quantity = held
        if asked > held:
            adjustments = (f"size cut from {asked} to {held} {unit}, the position held",)
    else:
        step = rules.lot(order_type).step
        quantity = on_step(asked, step)
        if not quantity:
            return Denied(
                DenialCode.SIZE_BELOW_MINIMUM,
                f"size {asked} {unit} is below one step of {step} {unit}",
            )
        if quantity != asked:
            adjustments = (f"size rounded down from {asked} to {quantity} {unit}, the {step} step",)
    order = OrderIntent(
        request.client_order_id,
        request.symbol,
        side,
        order_type,
        quantity,
        price=price,
        trigger_price=trigger,
        reduce_only=True,
        exit_reason=request.exit_reason,
    )
    return Approved(order, leverage, (), adjustments)


def _round(price: Decimal, tick: Decimal, *, up: bool) -> Decimal:
    return tick_up(price, tick) if up else tick_down(price, tick)


def _invalid(reason: str) -> Denied:
    return Denied(DenialCode.INVALID_REQUEST, reason)
