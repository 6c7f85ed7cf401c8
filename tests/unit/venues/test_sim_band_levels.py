"""The quiet band: the prices between which the next candles of a symbol cannot change anything."""

from __future__ import annotations

import math
from decimal import Decimal

from tests.support.candles import candle
from tests.unit.venues.conftest import make_exchange
from tests.unit.venues.test_sim_brackets import stop, take_profit
from tests.unit.venues.test_sim_orders import T1, T2, intent, open_long
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import OrderType, Side
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange


def test_an_empty_book_and_no_position_leave_every_price_quiet(exchange: SimExchange) -> None:
    assert exchange.quiet_band("BTCUSDT") == (-math.inf, math.inf)


def test_a_long_is_quiet_between_its_stop_and_its_take_profit(exchange: SimExchange) -> None:
    open_long(exchange)
    exchange.submit(stop("99000.0"), to_ms(T2))
    exchange.submit(take_profit("101500.0"), to_ms(T2))

    # At 1x a long cannot be liquidated: the stop is the only level below.
    assert exchange.quiet_band("BTCUSDT") == (99000.0, 101500.0)


def test_a_short_is_quiet_between_its_take_profit_below_and_its_stop_above(
    exchange: SimExchange,
) -> None:
    exchange.submit(intent("entry", Side.SELL), to_ms(T1))
    exchange.on_candle(candle(T1, "100000.0", "100000.0", "100000.0", "100000.0"))
    exchange.submit(stop("101000.0", side=Side.BUY), to_ms(T2))
    exchange.submit(take_profit("98000.0", side=Side.BUY), to_ms(T2))

    band = exchange.quiet_band("BTCUSDT")

    liquidation = exchange.ledger.position("BTCUSDT").liquidation_price()
    assert liquidation is not None
    assert liquidation > Decimal("101000.0")
    assert band == (98000.0, 101000.0)


def test_resting_limits_bound_the_band_from_both_sides(exchange: SimExchange) -> None:
    exchange.submit(intent("bid", Side.BUY, OrderType.LIMIT, price="99250.0"), to_ms(T1))
    exchange.submit(intent("ask", Side.SELL, OrderType.LIMIT, price="100750.0"), to_ms(T1))
    exchange.submit(intent("far-bid", Side.BUY, OrderType.LIMIT, price="98000.0"), to_ms(T1))

    assert exchange.quiet_band("BTCUSDT") == (99250.0, 100750.0)


def test_a_leveraged_long_is_bounded_below_by_its_liquidation_price() -> None:
    exchange = make_exchange()
    exchange.set_leverage("BTCUSDT", 20)
    open_long(exchange)

    liquidation = exchange.ledger.position("BTCUSDT").liquidation_price()

    assert liquidation is not None
    assert exchange.quiet_band("BTCUSDT") == (float(liquidation), math.inf)


def test_a_pending_market_order_leaves_no_band(exchange: SimExchange) -> None:
    exchange.submit(intent("m1", Side.BUY), to_ms(T1))

    assert exchange.quiet_band("BTCUSDT") is None


def test_a_marketable_limit_awaiting_the_next_price_leaves_no_band(exchange: SimExchange) -> None:
    exchange.submit(intent("l1", Side.BUY, OrderType.LIMIT, price="100500.0"), to_ms(T1))

    assert exchange.quiet_band("BTCUSDT") is None


def test_a_symbol_never_priced_has_no_band(exchange: SimExchange) -> None:
    assert exchange.quiet_band("SOLUSDT") is None


def test_a_candle_inside_the_band_changes_nothing_but_the_last_price(
    exchange: SimExchange,
) -> None:
    open_long(exchange)
    exchange.submit(stop("99000.0"), to_ms(T2))
    band = exchange.quiet_band("BTCUSDT")
    exchange.drain_reports()
    inside = candle(T2, "99800.0", "100900.0", "99000.1", "100200.0")
    assert band is not None
    assert band[0] < float(inside.low)
    assert float(inside.high) < band[1]

    exchange.on_candle(inside)

    assert exchange.drain_reports() == []
    assert exchange.last_price("BTCUSDT") == Decimal("100200.0")


def test_an_order_held_back_by_the_volume_cap_behind_the_price_leaves_no_band() -> None:
    exchange = make_exchange(SimVenueConfig(max_volume_participation=Decimal("0.1")))
    entry = intent("bid", Side.BUY, OrderType.LIMIT, quantity="0.050", price="99500.0")
    exchange.submit(entry, to_ms(T1))

    exchange.on_candle(candle(T1, "100000.0", "100000.0", "99400.0", "99450.0", volume="0.3"))

    assert exchange.order("bid").filled_quantity == Decimal("0.030")
    # The bid rests above the price now: whether a later gap down reaches it depends on the
    # close it gaps from, so no candle may be skipped.
    assert exchange.quiet_band("BTCUSDT") is None
