"""Round an order to the instrument's filters before a venue sees it, as Binance requires."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from trading_agents.core.decimals import ZERO, round_down_to_step
from trading_agents.model.enums import OrderType
from trading_agents.model.instruments import Instrument
from trading_agents.model.orders import OrderIntent


def round_intent(intent: OrderIntent, instrument: Instrument) -> OrderIntent:
    """Round the quantity down to the lot step and the prices to the tick, as Binance needs."""
    market = intent.order_type is not OrderType.LIMIT
    step = instrument.market_step_size if market else instrument.step_size
    quantity = round_down_to_step(intent.quantity, step)
    if quantity <= ZERO:
        quantity = intent.quantity  # let the exchange refuse it, with its own code
    price = None if intent.price is None else _to_tick(intent.price, instrument.tick_size)
    trigger = (
        None
        if intent.trigger_price is None
        else _to_tick(intent.trigger_price, instrument.tick_size)
    )
    if (quantity, price, trigger) == (intent.quantity, intent.price, intent.trigger_price):
        return intent
    return OrderIntent(
        intent.client_order_id,
        intent.symbol,
        intent.side,
        intent.order_type,
        quantity,
        price,
        trigger,
        intent.reduce_only,
        intent.time_in_force,
        intent.exit_reason,
    )


def _to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick
