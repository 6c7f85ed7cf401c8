"""Entry sizing: from the risk at the stop, cut by every limit, rounded down to the step."""

from __future__ import annotations

from decimal import Decimal

from tests.support.instruments import registry
from tests.support.risk import account, atlas_limits, long_btc, long_eth, short_btc
from trading_agents.core.clock import SimulatedClock
from trading_agents.core.ids import client_order_id
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.risk import Approved, RiskEngine, Verdict


def approved(verdict: Verdict) -> Approved:
    assert isinstance(verdict, Approved), verdict
    return verdict


def test_an_unsized_entry_risks_the_per_trade_fraction_of_equity_at_the_stop(
    atlas_risk: RiskEngine,
) -> None:
    # 0.5 % of 10,000 USDT is 50 USDT; the stop is 2,000 USDT away: 0.025 BTC.
    verdict = approved(atlas_risk.check(long_btc(), account()))

    assert verdict.order.quantity == Decimal("0.025")
    assert verdict.adjustments == ()


def test_a_requested_size_within_every_limit_is_kept(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(long_btc("0.010"), account()))

    assert verdict.order.quantity == Decimal("0.010")
    assert verdict.adjustments == ()


def test_a_requested_size_above_the_risk_budget_is_cut_to_it(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(long_btc("0.5"), account()))

    assert verdict.order.quantity == Decimal("0.025")
    assert verdict.adjustments == ("size cut from 0.500 to 0.025 BTC by risk per trade",)


def test_the_position_notional_counts_the_position_already_held(atlas_risk: RiskEngine) -> None:
    # 8,000 USDT held; 10,000 allowed: room for 0.020 BTC although the stop allows 0.5.
    state = account(positions={"BTCUSDT": "0.08"})

    verdict = approved(atlas_risk.check(long_btc(stop="99900"), state))

    assert verdict.order.quantity == Decimal("0.020")
    assert verdict.adjustments == ("size cut from 0.500 to 0.020 BTC by max position notional",)


def test_the_total_exposure_counts_every_position(atlas_risk: RiskEngine) -> None:
    # 2 ETH at 4,000 is 8,000 of the 15,000 USDT allowed: 0.070 BTC remain.
    state = account(positions={"ETHUSDT": "2"})

    verdict = approved(atlas_risk.check(long_btc(stop="99900"), state))

    assert verdict.order.quantity == Decimal("0.070")
    assert verdict.adjustments == (
        "size cut from 0.500 to 0.100 BTC by max position notional",
        "size cut from 0.100 to 0.070 BTC by max total exposure",
    )


def test_the_margin_and_the_taker_fee_must_fit_the_available_balance(
    atlas_risk: RiskEngine,
) -> None:
    # 500 USDT at 2x buys 1,000 USDT of notional, less the fee: 0.00999 BTC, so 0.009.
    verdict = approved(atlas_risk.check(long_btc(), account(available="500")))

    assert verdict.order.quantity == Decimal("0.009")
    assert verdict.adjustments == ("size cut from 0.025 to 0.009 BTC by available margin",)


def test_the_leverage_bracket_caps_the_notional_a_leverage_may_hold(
    clock: SimulatedClock,
) -> None:
    # 100x holds BTC notionals strictly below 600,000 USDT, valued where the venue tests it: at
    # the buy's IOC cap, 101,000 (1 % over the mark). The stop would allow 50 BTC.
    limits = atlas_limits(
        max_leverage=100,
        risk_per_trade=Decimal("0.05"),
        max_position_notional=Decimal(100),
        max_total_exposure=Decimal(100),
    )
    risk = RiskEngine(limits, registry(), clock)
    state = account("1000000")

    verdict = approved(risk.check(long_btc(stop="99000", leverage=100), state))

    assert verdict.order.quantity == Decimal("5.940")
    assert verdict.adjustments == (
        "size cut from 50.000 to 5.940 BTC by the instrument's leverage bracket",
    )


def test_a_requested_size_off_the_step_is_rounded_down_saying_so(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(long_btc("0.0105"), account()))

    assert verdict.order.quantity == Decimal("0.010")
    assert verdict.adjustments == ("size rounded down from 0.0105 to 0.010 BTC, the 0.001 step",)


def test_a_limit_entry_is_sized_from_its_own_price(atlas_risk: RiskEngine) -> None:
    # 50 USDT over 99,000 - 98,000: 0.050 BTC, valued at the higher mark for the caps.
    verdict = approved(atlas_risk.check(long_btc(limit="99000"), account()))

    assert verdict.order == OrderIntent(
        "atlas-entry-1",
        "BTCUSDT",
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.050"),
        price=Decimal("99000"),
    )


def test_a_buy_limit_is_rounded_down_to_the_tick(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(long_btc(limit="99000.07"), account()))

    assert verdict.order.price == Decimal("99000.0")
    assert verdict.adjustments[0] == "limit price rounded from 99000.07 to 99000.0, the tick"


def test_an_approval_carries_a_reduce_only_stop_and_take_profit(atlas_risk: RiskEngine) -> None:
    verdict = approved(atlas_risk.check(long_btc(take_profit="104000"), account()))

    assert verdict.leverage == 2
    assert verdict.protective == (
        OrderIntent(
            client_order_id("sl", "atlas-entry-1"),
            "BTCUSDT",
            Side.SELL,
            OrderType.STOP_MARKET,
            Decimal("0.025"),
            trigger_price=Decimal("98000"),
            reduce_only=True,
        ),
        OrderIntent(
            client_order_id("tp", "atlas-entry-1"),
            "BTCUSDT",
            Side.SELL,
            OrderType.TAKE_PROFIT_MARKET,
            Decimal("0.025"),
            trigger_price=Decimal("104000"),
            reduce_only=True,
        ),
    )


def test_exit_prices_are_rounded_to_the_tick_toward_the_entry(atlas_risk: RiskEngine) -> None:
    request = short_btc(stop="102000.07", take_profit="95000.01")

    verdict = approved(atlas_risk.check(request, account()))

    stop, take_profit = verdict.protective
    assert (stop.side, stop.trigger_price) == (Side.BUY, Decimal("102000.0"))
    assert (take_profit.side, take_profit.trigger_price) == (Side.BUY, Decimal("95000.1"))


def test_the_rounded_stop_sets_the_risk_budget(atlas_risk: RiskEngine) -> None:
    # The stop 3,920.004 rounds up to 3,920.01: 50 USDT over 79.99 USDT is 0.625 ETH.
    verdict = approved(atlas_risk.check(long_eth(stop="3920.004"), account()))

    assert verdict.order.quantity == Decimal("0.625")
    assert verdict.order.quantity * Decimal("79.99") <= Decimal(50)


def test_an_approved_entry_without_a_stop_has_no_protective_orders(
    clock: SimulatedClock,
) -> None:
    risk = RiskEngine(atlas_limits(require_stop_loss=False), registry(), clock)

    verdict = approved(risk.check(long_btc("0.01", stop=None), account()))

    assert verdict.protective == ()
    assert verdict.order.quantity == Decimal("0.01")


def test_an_absurd_requested_size_is_cut_to_the_order_maximum_first(
    atlas_risk: RiskEngine,
) -> None:
    verdict = approved(atlas_risk.check(long_btc("1E+40"), account()))

    assert verdict.order.quantity == Decimal("0.025")
    assert verdict.adjustments == (
        "size cut from 1E+40 to 120.000 BTC by the instrument's maximum order size",
        "size cut from 120.000 to 0.025 BTC by risk per trade",
    )
