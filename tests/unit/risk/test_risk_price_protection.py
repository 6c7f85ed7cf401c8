"""Price protection: a signal priced off the market is denied, and entries carry a worst price."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.support.instruments import registry
from tests.support.risk import account, atlas_limits, long_btc, reduce, short_btc
from trading_agents.core.clock import SimulatedClock
from trading_agents.model.enums import OrderType, Side, TimeInForce
from trading_agents.risk import Approved, DenialCode, Denied, RiskEngine, Verdict


def approved(verdict: Verdict) -> Approved:
    assert isinstance(verdict, Approved), verdict
    return verdict


def test_a_buy_signal_priced_45000_near_a_105000_market_is_denied(
    atlas_risk: RiskEngine,
) -> None:
    request = replace(long_btc(stop="103000"), reference_price=Decimal(45_000))

    verdict = atlas_risk.check(request, account(marks={"BTCUSDT": "105800"}))

    assert verdict == Denied(
        DenialCode.SIGNAL_PRICE_OFF_MARKET,
        "the signal's price 45000 is 57.47% from the market's 105800 BTCUSDT;"
        " this agent acts within 1%",
    )


def test_a_signal_price_within_the_limit_is_acted_on(atlas_risk: RiskEngine) -> None:
    request = replace(long_btc(), reference_price=Decimal("100999"))

    assert isinstance(atlas_risk.check(request, account()), Approved)


def test_the_limit_is_the_agents_own(clock: SimulatedClock) -> None:
    wide = RiskEngine(atlas_limits(max_price_deviation=Decimal("0.02")), registry(), clock)
    request = replace(long_btc(), reference_price=Decimal(98_500))

    assert isinstance(wide.check(request, account()), Approved)


def test_a_close_on_a_signal_priced_off_the_market_still_reduces_risk(
    atlas_risk: RiskEngine,
) -> None:
    close = replace(reduce("BTCUSDT", Side.SELL), reference_price=Decimal(45_000))

    verdict = atlas_risk.check(close, account(positions={"BTCUSDT": "0.01"}))

    assert isinstance(verdict, Approved)
    assert verdict.order.quantity == Decimal("0.01")


def test_a_market_buy_goes_out_as_an_ioc_limit_capped_above_the_mark(
    atlas_risk: RiskEngine,
) -> None:
    order = approved(atlas_risk.check(long_btc(), account(marks={"BTCUSDT": "100000.07"}))).order

    # 1 % above 100,000.07 is 101,000.0707, rounded down to the 0.1 tick: never beyond 1 %.
    assert (order.order_type, order.time_in_force, order.price) == (
        OrderType.LIMIT,
        TimeInForce.IOC,
        Decimal("101000.0"),
    )


def test_a_market_sell_goes_out_as_an_ioc_limit_capped_below_the_mark(
    atlas_risk: RiskEngine,
) -> None:
    order = approved(atlas_risk.check(short_btc(), account(marks={"BTCUSDT": "100000.07"}))).order

    # 1 % below is 99,000.0693, rounded up to the tick.
    assert (order.order_type, order.time_in_force, order.price) == (
        OrderType.LIMIT,
        TimeInForce.IOC,
        Decimal("99000.1"),
    )


def test_a_limit_entry_keeps_its_own_price_and_rests(atlas_risk: RiskEngine) -> None:
    order = approved(atlas_risk.check(long_btc(limit="99500"), account())).order

    assert (order.price, order.time_in_force) == (Decimal(99_500), TimeInForce.GTC)


def test_the_size_of_a_market_entry_is_as_before_the_cap(atlas_risk: RiskEngine) -> None:
    # 0.5 % of 10,000 at risk over a 2,000 stop distance from the mark: 0.025 BTC.
    order = approved(atlas_risk.check(long_btc(), account())).order

    assert order.quantity == Decimal("0.025")


@pytest.mark.parametrize("deviation", ["0", "-0.01", "1"])
def test_the_limit_is_a_fraction_above_zero_and_below_one(deviation: str) -> None:
    with pytest.raises(ValueError, match="max_price_deviation must be within"):
        atlas_limits(max_price_deviation=Decimal(deviation))
