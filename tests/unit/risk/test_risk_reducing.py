"""Reduce-only orders: they pass in any state and never exceed the position held."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.support.risk import account, long_btc, reduce
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.risk import Approved, DenialCode, Denied, RiskEngine, TradingState, Verdict

LONG_BTC = account(positions={"BTCUSDT": "0.030"})


def approved(verdict: Verdict) -> Approved:
    assert isinstance(verdict, Approved), verdict
    return verdict


def test_a_reduce_only_order_without_a_size_closes_the_whole_position(
    atlas_risk: RiskEngine,
) -> None:
    verdict = approved(atlas_risk.check(reduce("BTCUSDT", Side.SELL), LONG_BTC))

    assert verdict.order == OrderIntent(
        "atlas-exit-1",
        "BTCUSDT",
        Side.SELL,
        OrderType.MARKET,
        Decimal("0.030"),
        reduce_only=True,
    )
    assert verdict.protective == ()


def test_a_reduce_only_order_above_the_position_is_cut_to_it(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(reduce("BTCUSDT", Side.SELL, "0.5"), LONG_BTC))

    assert verdict.order.quantity == Decimal("0.030")
    assert verdict.adjustments == ("size cut from 0.5 to 0.030 BTC, the position held",)


def test_a_partial_reduce_is_rounded_down_to_the_step(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(reduce("BTCUSDT", Side.SELL, "0.0105"), LONG_BTC))

    assert verdict.order.quantity == Decimal("0.010")


def test_a_short_is_reduced_by_a_buy(atlas_risk: RiskEngine) -> None:
    state = account(positions={"BTCUSDT": "-0.020"})

    verdict = approved(atlas_risk.check(reduce("BTCUSDT", Side.BUY), state))

    assert (verdict.order.side, verdict.order.quantity) == (Side.BUY, Decimal("0.020"))


def test_a_reduce_only_limit_is_rounded_to_the_passive_side(atlas_risk: RiskEngine) -> None:
    request = reduce("BTCUSDT", Side.SELL, order_type=OrderType.LIMIT, price="101000.01")

    verdict = approved(atlas_risk.check(request, LONG_BTC))

    assert verdict.order.price == Decimal("101000.1")


def test_a_reduce_only_stop_triggers_no_later_than_asked(atlas_risk: RiskEngine) -> None:
    request = reduce("BTCUSDT", Side.SELL, order_type=OrderType.STOP_MARKET, trigger="97000.01")

    verdict = approved(atlas_risk.check(request, LONG_BTC))

    assert verdict.order.trigger_price == Decimal("97000.1")


def test_a_reduce_only_stop_without_a_trigger_is_invalid(atlas_risk: RiskEngine) -> None:
    request = reduce("BTCUSDT", Side.SELL, order_type=OrderType.STOP_MARKET)

    verdict = atlas_risk.check(request, LONG_BTC)

    assert isinstance(verdict, Denied)
    assert verdict.code is DenialCode.INVALID_REQUEST


def _peak_far_above_the_account(risk: RiskEngine) -> None:
    risk.update_equity(Decimal("20000"))


def _three_failures(risk: RiskEngine) -> None:
    for _ in range(3):
        risk.record_execution_failure()


def _operator_pause(risk: RiskEngine) -> None:
    risk.set_reducing("operator pause")


@pytest.mark.parametrize(
    "restrict", [_peak_far_above_the_account, _three_failures, _operator_pause]
)
def test_a_reduce_only_order_passes_when_entries_do_not(
    atlas_risk: RiskEngine, restrict: Callable[[RiskEngine], None]
) -> None:
    restrict(atlas_risk)

    assert isinstance(atlas_risk.check(long_btc(), LONG_BTC), Denied)
    assert isinstance(atlas_risk.check(reduce("BTCUSDT", Side.SELL), LONG_BTC), Approved)


def test_a_halted_agent_can_still_close_its_positions(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("12000"))
    atlas_risk.update_equity(Decimal("10000"))  # 16.7 % below the peak

    verdict = atlas_risk.check(reduce("BTCUSDT", Side.SELL), LONG_BTC)

    assert atlas_risk.state is TradingState.HALTED
    assert approved(verdict).order.quantity == Decimal("0.030")


def test_reduce_only_orders_take_no_slot_of_the_order_rate(atlas_risk: RiskEngine) -> None:
    for _ in range(10):
        approved(atlas_risk.check(reduce("BTCUSDT", Side.SELL, "0.001"), LONG_BTC))

    assert isinstance(atlas_risk.check(long_btc(), LONG_BTC), Approved)
