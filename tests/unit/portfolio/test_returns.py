"""Daily returns, and the Sharpe and Sortino ratios computed on them."""

from __future__ import annotations

import math

import pytest

from tests.unit.portfolio.builders import D, curve, day
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.returns import (
    daily_closes,
    daily_returns,
    sharpe_ratio,
    sortino_ratio,
)


def test_a_day_closes_at_its_last_mark() -> None:
    points = [
        EquityPoint(day(0, 0), D("1000"), D("1000")),
        EquityPoint(day(0, 600), D("1200"), D("1000")),
        EquityPoint(day(0, 1439), D("1010"), D("1000")),
        EquityPoint(day(1, 1), D("999.9"), D("1000")),
    ]

    assert daily_closes(points) == [points[2], points[3]]
    assert daily_returns(points) == [pytest.approx(999.9 / 1010 - 1)]


def test_a_deposit_during_the_day_is_not_a_return() -> None:
    points = curve("1000", "1510", net_deposits=("1000", "1500"))

    assert daily_returns(points) == [pytest.approx(0.01)]  # 10 earned on 1,000


def test_a_withdrawal_during_the_day_is_not_a_loss() -> None:
    points = curve("1000", "790", net_deposits=("1000", "800"))

    assert daily_returns(points) == [pytest.approx(-0.01)]


def test_days_without_marks_are_skipped_and_the_return_spans_the_gap() -> None:
    points = [
        EquityPoint(day(0), D("1000"), D("1000")),
        EquityPoint(day(3), D("1030"), D("1000")),
    ]

    assert daily_returns(points) == [pytest.approx(0.03)]


def test_a_day_after_a_close_at_zero_has_no_return() -> None:
    assert daily_returns(curve("0", "100", net_deposits=("0", "100"))) == []


def test_sharpe_and_sortino_match_the_hand_computation() -> None:
    returns = daily_returns(curve("1000", "1010", "999.9", "1019.898"))

    # Returns 1 %, -1 %, 2 %: mean 1/150, sample variance 7/30,000, downside variance
    # (0.01² / 3) = 1/30,000; annualised by √365.
    assert returns == pytest.approx([0.01, -0.01, 0.02])
    assert sharpe_ratio(returns) == pytest.approx(math.sqrt(365 * 30_000 / 7) / 150)
    assert sharpe_ratio(returns) == pytest.approx(8.33809, rel=1e-6)
    assert sortino_ratio(returns) == pytest.approx(math.sqrt(365 * 30_000) / 150)
    assert sortino_ratio(returns) == pytest.approx(22.06052, rel=1e-6)


def test_ratios_need_two_returns() -> None:
    assert sharpe_ratio([0.01]) is None
    assert sortino_ratio([-0.01]) is None


def test_ratios_are_undefined_without_deviation() -> None:
    assert sharpe_ratio([0.01, 0.01, 0.01]) is None
    assert sortino_ratio([0.01, 0.02, 0.0]) is None  # no day below zero
