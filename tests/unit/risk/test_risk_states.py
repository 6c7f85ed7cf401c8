"""The trading state: ACTIVE, REDUCING until a cause clears, HALTED until the switch is reset."""

from __future__ import annotations

from decimal import Decimal

from tests.support.instruments import registry
from tests.support.risk import account, atlas_limits, entry, long_btc
from trading_agents.core.clock import SimulatedClock
from trading_agents.model.enums import Side
from trading_agents.risk import Approved, DenialCode, Denied, RiskEngine, TradingState, Verdict


def code_of(verdict: Verdict) -> DenialCode | None:
    return verdict.code if isinstance(verdict, Denied) else None


def state_of(risk: RiskEngine) -> TradingState:
    # A call, not the property, so that a type checker does not pin the state between reads.
    return risk.state


def test_a_fresh_engine_is_active(atlas_risk: RiskEngine) -> None:
    assert state_of(atlas_risk) is TradingState.ACTIVE


def test_daily_loss_limit_halts_new_entries_until_the_next_utc_day(
    atlas_risk: RiskEngine, clock: SimulatedClock
) -> None:
    atlas_risk.record_realized(Decimal("-210"), equity=Decimal("9790"))  # 2.1 % > 2 %

    assert (
        code_of(atlas_risk.check(long_btc("0.01"), account("9790"))) is DenialCode.DAILY_LOSS_LIMIT
    )
    assert state_of(atlas_risk) is TradingState.REDUCING

    clock.advance_to("2025-06-05T23:59:59.999Z")
    assert state_of(atlas_risk) is TradingState.REDUCING
    clock.advance_to("2025-06-06T00:00:00Z")
    assert state_of(atlas_risk) is TradingState.ACTIVE
    assert isinstance(atlas_risk.check(long_btc("0.01"), account("9790")), Approved)


def test_the_daily_loss_is_measured_against_the_days_first_equity(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("10000"))
    atlas_risk.record_realized(Decimal("-150"), equity=Decimal("9850"))
    atlas_risk.record_realized(Decimal("-49"), equity=Decimal("9801"))

    assert state_of(atlas_risk) is TradingState.ACTIVE  # 199 < 200
    atlas_risk.record_realized(Decimal("-1"), equity=Decimal("9800"))
    assert state_of(atlas_risk) is TradingState.REDUCING


def test_profits_offset_losses_within_the_day(atlas_risk: RiskEngine) -> None:
    atlas_risk.record_realized(Decimal("-190"), equity=Decimal("9810"))
    atlas_risk.record_realized(Decimal("100"), equity=Decimal("9910"))
    atlas_risk.record_realized(Decimal("-100"), equity=Decimal("9810"))

    assert state_of(atlas_risk) is TradingState.ACTIVE


def test_the_drawdown_kill_switch_is_sticky_until_reset(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("10000"))
    atlas_risk.update_equity(Decimal("8900"))  # 11 % below the peak

    assert state_of(atlas_risk) is TradingState.HALTED
    atlas_risk.update_equity(Decimal("10500"))
    assert state_of(atlas_risk) is TradingState.HALTED
    assert (
        code_of(atlas_risk.check(long_btc(), account("10500"))) is DenialCode.DRAWDOWN_KILL_SWITCH
    )

    atlas_risk.reset_kill_switch()
    assert state_of(atlas_risk) is TradingState.ACTIVE
    assert isinstance(atlas_risk.check(long_btc(), account("10500")), Approved)


def test_reset_measures_the_next_drawdown_from_the_equity_at_reset(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("10000"))
    atlas_risk.update_equity(Decimal("8000"))
    atlas_risk.reset_kill_switch()

    atlas_risk.update_equity(Decimal("7300"))  # 8.75 % below 8,000
    assert state_of(atlas_risk) is TradingState.ACTIVE
    atlas_risk.update_equity(Decimal("7200"))  # 10 % below 8,000
    assert state_of(atlas_risk) is TradingState.HALTED


def test_the_equity_a_check_sees_can_trip_the_kill_switch(atlas_risk: RiskEngine) -> None:
    assert isinstance(atlas_risk.check(long_btc(), account("10000")), Approved)

    verdict = atlas_risk.check(long_btc(), account("8999"))

    assert code_of(verdict) is DenialCode.DRAWDOWN_KILL_SWITCH
    assert state_of(atlas_risk) is TradingState.HALTED


def test_a_withdrawal_is_not_a_drawdown(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("10000"))

    atlas_risk.record_cash_flow(Decimal("-5000"))
    atlas_risk.update_equity(Decimal("5000"))

    assert state_of(atlas_risk) is TradingState.ACTIVE
    atlas_risk.update_equity(Decimal("4500"))  # 10 % below the shifted peak of 5,000
    assert state_of(atlas_risk) is TradingState.HALTED


def test_a_deposit_does_not_raise_the_bar_for_a_drawdown(atlas_risk: RiskEngine) -> None:
    atlas_risk.update_equity(Decimal("10000"))
    atlas_risk.update_equity(Decimal("9500"))

    atlas_risk.record_cash_flow(Decimal("10000"))
    atlas_risk.update_equity(Decimal("19500"))

    assert state_of(atlas_risk) is TradingState.ACTIVE  # still 500 below a peak of 20,000
    atlas_risk.update_equity(Decimal("18000"))
    assert state_of(atlas_risk) is TradingState.HALTED


def test_the_circuit_breaker_opens_after_consecutive_failures_and_stays_open(
    atlas_risk: RiskEngine,
) -> None:
    atlas_risk.record_execution_failure()
    atlas_risk.record_execution_failure()
    assert state_of(atlas_risk) is TradingState.ACTIVE

    atlas_risk.record_execution_failure()
    assert state_of(atlas_risk) is TradingState.REDUCING
    atlas_risk.record_execution_success()
    assert state_of(atlas_risk) is TradingState.REDUCING
    assert code_of(atlas_risk.check(long_btc(), account())) is DenialCode.CIRCUIT_BREAKER_OPEN

    atlas_risk.reset_circuit_breaker()
    assert state_of(atlas_risk) is TradingState.ACTIVE


def test_a_success_between_failures_restarts_the_count(atlas_risk: RiskEngine) -> None:
    for _ in range(5):
        atlas_risk.record_execution_failure()
        atlas_risk.record_execution_failure()
        atlas_risk.record_execution_success()

    assert state_of(atlas_risk) is TradingState.ACTIVE


def test_set_reducing_holds_until_cleared(atlas_risk: RiskEngine) -> None:
    atlas_risk.set_reducing("ML engine unreachable")
    assert state_of(atlas_risk) is TradingState.REDUCING

    atlas_risk.clear_reducing()
    assert state_of(atlas_risk) is TradingState.ACTIVE


def test_the_kill_switch_outranks_every_reducing_cause(atlas_risk: RiskEngine) -> None:
    atlas_risk.set_reducing("operator pause")
    for _ in range(3):
        atlas_risk.record_execution_failure()
    atlas_risk.update_equity(Decimal("10000"))
    atlas_risk.update_equity(Decimal("5000"))

    assert state_of(atlas_risk) is TradingState.HALTED
    assert code_of(atlas_risk.check(long_btc(), account("5000"))) is DenialCode.DRAWDOWN_KILL_SWITCH


def test_the_order_rate_window_slides(atlas_risk: RiskEngine, clock: SimulatedClock) -> None:
    for second in range(0, 60, 10):  # one entry every 10 s fills the six slots of a minute
        clock.advance_to(f"2025-06-05T12:00:{second:02d}Z")
        assert isinstance(atlas_risk.check(long_btc("0.002"), account()), Approved)

    clock.advance_to("2025-06-05T12:00:59.999Z")
    assert code_of(atlas_risk.check(long_btc("0.002"), account())) is DenialCode.ORDER_RATE_LIMIT
    clock.advance_to("2025-06-05T12:01:00Z")  # the first entry leaves the window
    assert isinstance(atlas_risk.check(long_btc("0.002"), account()), Approved)
    assert code_of(atlas_risk.check(long_btc("0.002"), account())) is DenialCode.ORDER_RATE_LIMIT
    clock.advance_to("2025-06-05T12:01:10Z")
    assert isinstance(atlas_risk.check(long_btc("0.002"), account()), Approved)


def test_a_denied_entry_takes_no_slot_of_the_order_rate(atlas_risk: RiskEngine) -> None:
    for _ in range(10):
        assert isinstance(atlas_risk.check(long_btc(confidence="0.1"), account()), Denied)

    assert isinstance(atlas_risk.check(long_btc(), account()), Approved)


def test_a_second_check_of_an_approved_entry_neither_counts_nor_hits_the_throttle() -> None:
    clock = SimulatedClock("2025-06-05T12:00:00Z")
    risk = RiskEngine(atlas_limits(max_orders_per_minute=1), registry(), clock)
    request = entry("BTCUSDT", Side.BUY, stop="98000")

    first = risk.check(request, account())
    again = risk.confirm(request, account())
    another = risk.check(entry("BTCUSDT", Side.BUY, stop="98000", client_order_id="e-2"), account())

    assert isinstance(first, Approved)
    assert again == first
    assert isinstance(another, Denied)
    assert another.code is DenialCode.ORDER_RATE_LIMIT  # the one entry of the minute was counted
