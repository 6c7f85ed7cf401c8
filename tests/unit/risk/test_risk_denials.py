"""Every denial code: what triggers it, and a reason a person can read."""

from __future__ import annotations

from decimal import Decimal

from tests.support.instruments import btcusdt, ethusdt, registry
from tests.support.risk import account, atlas_limits, entry, long_btc, long_eth, reduce, short_btc
from trading_agents.core.clock import SimulatedClock
from trading_agents.model.enums import OrderType, Side
from trading_agents.risk import Approved, DenialCode, Denied, RiskEngine, Verdict


def denial(verdict: Verdict) -> Denied:
    assert isinstance(verdict, Denied), verdict
    return verdict


def test_a_limit_entry_without_a_price_is_an_invalid_request(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(order_type=OrderType.LIMIT), account())

    assert denial(verdict).code is DenialCode.INVALID_REQUEST
    assert "needs a price" in denial(verdict).reason


def test_a_negative_quantity_is_an_invalid_request(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc("-0.01"), account())

    assert denial(verdict).code is DenialCode.INVALID_REQUEST


def test_an_entry_without_a_stop_or_a_size_cannot_be_sized(clock: SimulatedClock) -> None:
    risk = RiskEngine(atlas_limits(require_stop_loss=False), registry(), clock)

    verdict = risk.check(long_btc(stop=None), account())

    assert denial(verdict) == Denied(
        DenialCode.INVALID_REQUEST, "no quantity was given and no stop loss to size it from"
    )


def test_a_stop_market_entry_is_an_unsupported_order_type(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(order_type=OrderType.STOP_MARKET), account())

    assert denial(verdict).code is DenialCode.UNSUPPORTED_ORDER_TYPE


def test_a_symbol_without_an_instrument_is_unknown(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(entry("DOGEUSDT", Side.BUY, stop="0.1"), account())

    assert denial(verdict) == Denied(
        DenialCode.UNKNOWN_SYMBOL, "no instrument is known as DOGEUSDT"
    )


def test_a_known_symbol_outside_the_agents_list_is_not_allowed(clock: SimulatedClock) -> None:
    risk = RiskEngine(atlas_limits(allowed_symbols=frozenset({"BTCUSDT"})), registry(), clock)

    verdict = risk.check(long_eth(), account())

    assert denial(verdict) == Denied(
        DenialCode.SYMBOL_NOT_ALLOWED, "ETHUSDT is not among this agent's symbols"
    )


def test_a_signal_without_confidence_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(confidence=None), account())

    assert denial(verdict).code is DenialCode.CONFIDENCE_MISSING


def test_a_signal_below_the_minimum_confidence_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(confidence="0.55"), account())

    assert denial(verdict) == Denied(
        DenialCode.CONFIDENCE_BELOW_MINIMUM, "confidence 0.55 below the minimum of 0.6"
    )


def test_leverage_above_the_agents_limit_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(leverage=8), account())

    assert denial(verdict) == Denied(
        DenialCode.LEVERAGE_ABOVE_LIMIT, "leverage 8x above the limit of 2x"
    )


def test_leverage_above_the_instruments_maximum_is_denied(clock: SimulatedClock) -> None:
    risk = RiskEngine(atlas_limits(max_leverage=200), registry(), clock)

    verdict = risk.check(long_btc(leverage=150), account())

    assert denial(verdict) == Denied(
        DenialCode.LEVERAGE_ABOVE_INSTRUMENT_MAX,
        "leverage 150x above the BTCUSDT maximum of 125x",
    )


def test_an_entry_without_a_stop_loss_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(stop=None), account())

    assert denial(verdict) == Denied(DenialCode.STOP_LOSS_REQUIRED, "every entry needs a stop loss")


def test_a_long_with_its_stop_above_the_entry_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(stop="100500"), account())

    assert denial(verdict).code is DenialCode.STOP_LOSS_INVALID
    assert "must be strictly below 100000" in denial(verdict).reason


def test_a_short_with_its_stop_below_the_mark_is_denied(atlas_risk: RiskEngine) -> None:
    # The limit sits above the mark: a stop between them would trigger before the entry fills.
    request = short_btc(limit="101000", stop="100500")

    verdict = atlas_risk.check(request, account())

    assert denial(verdict).code is DenialCode.STOP_LOSS_INVALID
    assert "must be strictly above 101000" in denial(verdict).reason


def test_a_stop_within_a_tick_of_the_entry_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(stop="99999.95"), account())

    assert denial(verdict).code is DenialCode.STOP_LOSS_INVALID


def test_a_long_with_its_take_profit_below_the_entry_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(take_profit="99000"), account())

    assert denial(verdict).code is DenialCode.TAKE_PROFIT_INVALID
    assert "must be strictly above 100000" in denial(verdict).reason


def test_an_entry_without_a_mark_price_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(), account(marks={"ETHUSDT": "4000"}))

    assert denial(verdict) == Denied(DenialCode.NO_MARK_PRICE, "no mark price for BTCUSDT")


def test_an_open_position_without_a_mark_leaves_exposure_unknown(atlas_risk: RiskEngine) -> None:
    state = account(positions={"ETHUSDT": "1"}, marks={"BTCUSDT": "100000"})

    verdict = atlas_risk.check(long_btc(), state)

    assert denial(verdict).code is DenialCode.NO_MARK_PRICE
    assert "ETHUSDT" in denial(verdict).reason


def test_a_limit_price_outside_the_band_around_the_mark_is_denied(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(limit="97900", stop="96000"), account())

    assert denial(verdict) == Denied(
        DenialCode.PRICE_OUTSIDE_BAND, "limit price 97900.0 is more than 2% from the mark 100000"
    )


def test_a_limit_price_on_the_edge_of_the_band_passes(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc(limit="98000", stop="96000"), account())

    assert isinstance(verdict, Approved)


def test_a_new_symbol_beyond_the_open_position_limit_is_denied(clock: SimulatedClock) -> None:
    risk = RiskEngine(atlas_limits(max_open_positions=1), registry(), clock)

    verdict = risk.check(long_eth(), account(positions={"BTCUSDT": "0.01"}))

    assert denial(verdict).code is DenialCode.MAX_OPEN_POSITIONS


def test_adding_to_a_held_symbol_at_the_open_position_limit_passes(clock: SimulatedClock) -> None:
    risk = RiskEngine(atlas_limits(max_open_positions=1), registry(), clock)

    verdict = risk.check(long_btc(), account(positions={"BTCUSDT": "0.01"}))

    assert isinstance(verdict, Approved)


def test_an_entry_against_an_open_position_is_a_conflict(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(short_btc(), account(positions={"BTCUSDT": "0.01"}))

    assert denial(verdict) == Denied(
        DenialCode.POSITION_CONFLICT,
        "a sell entry meets a long BTCUSDT position of 0.01; close it first",
    )


def test_a_reduce_only_order_without_a_position_has_nothing_to_reduce(
    atlas_risk: RiskEngine,
) -> None:
    verdict = atlas_risk.check(reduce("BTCUSDT", Side.SELL), account())

    assert denial(verdict).code is DenialCode.NOTHING_TO_REDUCE


def test_a_reduce_only_order_on_the_positions_side_has_nothing_to_reduce(
    atlas_risk: RiskEngine,
) -> None:
    verdict = atlas_risk.check(reduce("BTCUSDT", Side.BUY), account(positions={"BTCUSDT": "0.01"}))

    assert denial(verdict) == Denied(
        DenialCode.NOTHING_TO_REDUCE, "a reduce-only buy finds a long BTCUSDT position"
    )


def test_entries_beyond_the_rate_limit_are_throttled(atlas_risk: RiskEngine) -> None:
    for _ in range(6):
        assert isinstance(atlas_risk.check(long_btc("0.002"), account()), Approved)

    verdict = atlas_risk.check(long_btc("0.002"), account())

    assert denial(verdict) == Denied(
        DenialCode.ORDER_RATE_LIMIT, "6 entries already approved in the last minute"
    )


def test_entries_after_the_daily_loss_limit_are_denied(atlas_risk: RiskEngine) -> None:
    atlas_risk.record_realized(Decimal("-200"), equity=Decimal("9800"))  # 2 % of 10,000

    verdict = atlas_risk.check(long_btc(), account("9800"))

    assert denial(verdict).code is DenialCode.DAILY_LOSS_LIMIT
    assert "resume on the next UTC day" in denial(verdict).reason


def test_entries_after_the_maximum_drawdown_are_denied(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("10000"))

    verdict = atlas_risk.check(long_btc(), account("9000"))  # 10 % below the peak

    assert denial(verdict).code is DenialCode.DRAWDOWN_KILL_SWITCH


def test_entries_while_the_circuit_breaker_is_open_are_denied(atlas_risk: RiskEngine) -> None:
    for _ in range(3):
        atlas_risk.record_execution_failure()

    verdict = atlas_risk.check(long_btc(), account())

    assert denial(verdict).code is DenialCode.CIRCUIT_BREAKER_OPEN


def test_entries_while_set_to_reducing_are_denied_with_the_reason(atlas_risk: RiskEngine) -> None:
    atlas_risk.set_reducing("paused by the operator")

    verdict = atlas_risk.check(long_btc(), account())

    assert denial(verdict) == Denied(
        DenialCode.TRADING_REDUCING, "only reducing orders pass: paused by the operator"
    )


def test_a_size_below_the_minimum_quantity_is_denied(atlas_risk: RiskEngine) -> None:
    # 0.5 % of 300 USDT is 1.5 USDT: 0.00075 BTC at a 2,000 USDT stop distance.
    verdict = atlas_risk.check(long_btc(), account("300"))

    assert denial(verdict) == Denied(
        DenialCode.SIZE_BELOW_MINIMUM,
        "size 0.000 BTC is below the BTCUSDT minimum of 0.001 BTC; bound by risk per trade",
    )


def test_a_size_below_the_minimum_notional_is_denied(clock: SimulatedClock) -> None:
    risk = RiskEngine(atlas_limits(), registry(btcusdt(), ethusdt()), clock)
    state = account("1000", marks={"BTCUSDT": "50000"})

    verdict = risk.check(long_btc(stop="45000"), state)  # 5 USDT at risk buys 0.001 BTC

    assert denial(verdict) == Denied(
        DenialCode.SIZE_BELOW_MINIMUM,
        "notional 50.00 USDT of 0.001 BTC is below the BTCUSDT minimum of 100 USDT;"
        " size bound by risk per trade",
    )


def test_a_size_cut_to_nothing_by_a_cap_names_the_cap(atlas_risk: RiskEngine) -> None:
    verdict = atlas_risk.check(long_btc("0.01"), account(available="0"))

    assert denial(verdict).code is DenialCode.SIZE_BELOW_MINIMUM
    assert denial(verdict).reason.endswith("bound by available margin")


def test_a_request_with_a_number_that_cannot_be_computed_is_invalid(
    atlas_risk: RiskEngine,
) -> None:
    verdict = atlas_risk.check(long_btc(stop="NaN"), account())

    assert denial(verdict).code is DenialCode.INVALID_REQUEST
