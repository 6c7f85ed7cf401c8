"""A trial's score: hourly returns of its equity, the objective's figure, the drawdown cap."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from trading_agents.backtest.objectives import Objective, period_returns, score
from trading_agents.core.clock import MS_PER_DAY, MS_PER_HOUR
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.metrics import compute_metrics

START = 1_746_489_600_000  # 2025-05-06T00:00:00Z
DAY = START + MS_PER_DAY


def _curve(*equities: str) -> list[EquityPoint]:
    """Return one mark an hour from START + 1 h, with 10,000 deposited."""
    return [
        EquityPoint(START + (hour + 1) * MS_PER_HOUR, Decimal(value), Decimal(10_000))
        for hour, value in enumerate(equities)
    ]


def test_hourly_returns_take_each_hour_s_last_mark_and_start_from_the_initial_equity() -> None:
    curve = _curve("10100", "10100", "9999.99")

    returns = period_returns(curve, START, START + 4 * MS_PER_HOUR, Decimal(10_000))

    assert returns.tolist() == pytest.approx([0.01, 0.0, 9999.99 / 10100 - 1, 0.0])


def test_an_account_never_marked_has_no_returns_to_show() -> None:
    returns = period_returns([], START, START + 3 * MS_PER_HOUR, Decimal(10_000))

    assert returns.tolist() == [0.0, 0.0, 0.0]


def _opening() -> list[EquityPoint]:
    """Return the mark of the window's start, as a run's joined curve has it."""
    return [EquityPoint(START, Decimal(10_000), Decimal(10_000))]


def _score(objective: Objective, curve: list[EquityPoint]) -> float:
    returns = period_returns(curve, START, DAY, Decimal(10_000))
    metrics = compute_metrics([], _opening() + curve)
    final = curve[-1].equity
    return score(objective, metrics, returns, Decimal(10_000), final, DAY - START, None).value


def test_profit_is_the_equity_gained_over_the_window() -> None:
    assert _score(Objective.PROFIT, _curve("10050", "9990", "10012.5")) == 12.5


def test_sharpe_and_sortino_annualise_hourly_returns_and_a_flat_run_scores_zero() -> None:
    rising = _curve(*[str(10_000 + 10 * hour + (hour % 2) * 5) for hour in range(24)])
    hourly = np.diff([10_000.0, *[float(p.equity) for p in rising]]) / np.array(
        [10_000.0, *[float(p.equity) for p in rising[:-1]]]
    )

    sharpe = _score(Objective.SHARPE, rising)

    expected = hourly.mean() / hourly.std(ddof=1) * math.sqrt(24 * 365)
    assert sharpe == pytest.approx(expected)
    assert _score(Objective.SHARPE, _curve(*["10000"] * 24)) == 0.0
    assert _score(Objective.SORTINO, _curve(*["10000"] * 24)) == 0.0


def test_calmar_is_the_return_a_year_over_the_deepest_drawdown() -> None:
    curve = _curve("9900", "10100")  # 1 % down from the start, then 1 % up in a day

    calmar = _score(Objective.CALMAR, curve)

    assert calmar == pytest.approx(0.01 * 365 / 0.01)


def test_a_trial_past_the_drawdown_cap_scores_minus_infinity_with_the_reason() -> None:
    curve = _curve("9000", "10500")
    returns = period_returns(curve, START, DAY, Decimal(10_000))

    scored = score(
        Objective.PROFIT, compute_metrics([], _opening() + curve), returns, Decimal(10_000),
        Decimal(10_500), DAY - START, Decimal("0.05"),
    )  # fmt: skip

    assert scored.value == -math.inf
    assert scored.rejected == "max drawdown 10.00% above the cap of 5.00%"
