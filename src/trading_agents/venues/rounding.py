"""Round an order to the instrument's filters before a venue sees it, as Binance requires."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from trading_agents.core.decimals import ZERO, is_multiple, round_down_to_step
from trading_agents.model.instruments import Instrument
from trading_agents.model.members import LIMIT
from trading_agents.model.orders import OrderIntent


def round_intent(intent: OrderIntent, instrument: Instrument) -> OrderIntent:
    """Round the quantity down to the lot step and the prices to the tick, as Binance needs."""
    market = intent.order_type is not LIMIT
    step = instrument.market_step_size if market else instrument.step_size
    tick = instrument.tick_size
    if (
        _on_grid(intent.quantity, step)
        and (intent.price is None or _on_grid(intent.price, tick))
        and (intent.trigger_price is None or _on_grid(intent.trigger_price, tick))
    ):
        return intent  # already on the grid, as the risk engine sends it: nothing to round
    quantity = round_down_to_step(intent.quantity, step)
    if quantity <= ZERO:
        quantity = intent.quantity  # let the exchange refuse it, with its own code
    price = None if intent.price is None else _to_tick(intent.price, tick)
    trigger = None if intent.trigger_price is None else _to_tick(intent.trigger_price, tick)
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


def _on_grid(value: Decimal, unit: Decimal) -> bool:
    # One remainder is cheaper than rounding and comparing. An infinite value has none, and
    # one of more multiples than the context's 28 digits hold would raise instead of rounding.
    return (
        value.is_finite() and value.adjusted() - unit.adjusted() < 27 and is_multiple(value, unit)
    )


def _to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick
