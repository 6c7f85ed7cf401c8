"""The trackers behind the trading state, each on its own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading_agents.core.clock import MS_PER_DAY, MS_PER_MINUTE, to_ms
from trading_agents.risk import CircuitBreaker, DailyLossTracker, DrawdownTracker, OrderThrottle

NOON = to_ms("2025-06-05T12:00:00Z")


def test_a_breaker_opens_at_the_threshold_and_only_a_reset_closes_it() -> None:
    breaker = CircuitBreaker(2)

    breaker.record_failure()
    assert not breaker.is_open
    breaker.record_failure()
    assert breaker.is_open
    breaker.record_success()
    assert (breaker.is_open, breaker.consecutive_failures) == (True, 0)
    breaker.reset()
    assert not breaker.is_open


def test_a_breaker_needs_a_threshold_of_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CircuitBreaker(0)


def test_a_throttle_counts_only_the_last_window() -> None:
    throttle = OrderThrottle(2)
    throttle.record(NOON)
    throttle.record(NOON + 30_000)

    assert not throttle.allows(NOON + MS_PER_MINUTE - 1)
    assert throttle.count(NOON + MS_PER_MINUTE) == 1
    assert throttle.allows(NOON + MS_PER_MINUTE)
    assert throttle.count(NOON + 30_000 + MS_PER_MINUTE) == 0


def test_a_day_without_equity_seen_starts_from_the_equity_before_its_first_loss() -> None:
    daily = DailyLossTracker(Decimal("0.02"))

    daily.record_realized(Decimal("-100"), equity=Decimal("4900"), now_ms=NOON)

    assert daily.start_equity == Decimal("5000")
    assert daily.limit_hit(NOON) is True


def test_the_daily_loss_resets_at_the_next_utc_midnight() -> None:
    daily = DailyLossTracker(Decimal("0.02"))
    daily.observe_equity(Decimal("1000"), NOON)
    daily.record_realized(Decimal("-30"), equity=Decimal("970"), now_ms=NOON)

    assert daily.limit_hit(NOON + MS_PER_DAY // 2 - 1) is True
    assert daily.limit_hit(NOON + MS_PER_DAY // 2) is False
    assert daily.realized == Decimal(0)


def test_a_cash_flow_moves_the_days_starting_equity() -> None:
    daily = DailyLossTracker(Decimal("0.02"))
    daily.observe_equity(Decimal("1000"), NOON)

    daily.shift(Decimal("-500"))
    daily.record_realized(Decimal("-10"), equity=Decimal("490"), now_ms=NOON)

    assert daily.limit_hit(NOON) is True  # 10 is 2 % of the 500 left


def test_the_drawdown_is_the_fall_from_the_peak() -> None:
    tracker = DrawdownTracker(Decimal("0.25"))
    tracker.update(Decimal("800"))
    tracker.update(Decimal("1000"))
    tracker.update(Decimal("900"))

    assert (tracker.peak, tracker.drawdown(), tracker.tripped) == (
        Decimal("1000"),
        Decimal("0.1"),
        False,
    )
    tracker.update(Decimal("750"))
    assert tracker.tripped


def test_a_withdrawal_beyond_the_peak_leaves_no_negative_peak() -> None:
    tracker = DrawdownTracker(Decimal("0.1"))
    tracker.update(Decimal("100"))

    tracker.shift(Decimal("-150"))
    tracker.update(Decimal("20"))

    assert (tracker.peak, tracker.tripped) == (Decimal("20"), False)


def test_a_reading_from_before_the_current_day_does_not_reopen_it() -> None:
    daily = DailyLossTracker(Decimal("0.02"))
    daily.record_realized(Decimal("-30"), equity=Decimal("970"), now_ms=NOON)

    daily.observe_equity(Decimal("970"), NOON - MS_PER_DAY)  # a clock stepped back

    assert daily.limit_hit(NOON) is True
