"""Orders are rounded to the instrument's lot step and tick before a venue sees them."""

from __future__ import annotations

from decimal import Decimal

from trading_agents.config.instruments import default_instruments
from trading_agents.model.enums import OrderType, Side, TimeInForce
from trading_agents.model.orders import OrderIntent
from trading_agents.venues.rounding import round_intent

BTC = default_instruments().get("BTCUSDT")  # step 0.001, tick 0.10


def order(
    quantity: str,
    price: str | None = None,
    trigger: str | None = None,
    order_type: OrderType = OrderType.LIMIT,
) -> OrderIntent:
    return OrderIntent(
        "ta-1",
        "BTCUSDT",
        Side.BUY,
        order_type,
        Decimal(quantity),
        None if price is None else Decimal(price),
        None if trigger is None else Decimal(trigger),
        time_in_force=TimeInForce.GTC,
    )


def test_an_order_already_on_the_step_and_tick_goes_out_as_it_is() -> None:
    intent = order("0.023", price="42019.3")
    assert round_intent(intent, BTC) is intent
    stop = order("0.0230", trigger="41000.00", order_type=OrderType.STOP_MARKET)
    assert round_intent(stop, BTC) is stop  # the same values: its digits are left alone


def test_a_quantity_between_steps_is_rounded_down() -> None:
    rounded = round_intent(order("0.0239", price="42019.3"), BTC)
    assert str(rounded.quantity) == "0.023"
    assert rounded.price == Decimal("42019.3")


def test_prices_between_ticks_go_to_the_nearest_tick_half_to_even() -> None:
    rounded = round_intent(order("0.023", price="42019.35", trigger="42019.25"), BTC)
    assert str(rounded.price) == "42019.40"  # in the tick's digits (0.10)
    assert str(rounded.trigger_price) == "42019.20"


def test_a_quantity_below_one_step_is_left_for_the_venue_to_refuse() -> None:
    rounded = round_intent(order("0.0004", price="42019.35"), BTC)
    assert rounded.quantity == Decimal("0.0004")
    assert str(rounded.price) == "42019.40"  # in the tick's digits (0.10)


def test_values_no_remainder_can_be_taken_of_are_rounded_as_before() -> None:
    infinite = order("Infinity", price="42019.3")
    assert round_intent(infinite, BTC).quantity == Decimal("Infinity")
    huge = order("1E+30", price="42019.3")
    assert round_intent(huge, BTC).quantity == Decimal("1E+30")
