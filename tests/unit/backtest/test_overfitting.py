"""The deflated Sharpe ratio and the probability of backtest overfitting, on worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading_agents.backtest.overfitting import (
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    probability_of_overfitting,
)

DAYS_A_YEAR = 250


def test_the_deflated_sharpe_ratio_of_the_paper_s_numerical_example() -> None:
    # Bailey and López de Prado (2014): 100 trials whose annualized Sharpe ratios vary by
    # 1/2, the best at 2.5 a year over 1,250 daily returns, skewness -3, kurtosis 10.
    daily = math.sqrt(DAYS_A_YEAR)
    benchmark = expected_max_sharpe(100, 0.5) / daily

    probability = probabilistic_sharpe(2.5 / daily, benchmark, 1250, -3.0, 10.0)

    assert benchmark == pytest.approx(0.1132, abs=1e-4)
    assert probability == pytest.approx(0.9004, abs=5e-4)


def test_more_trials_raise_the_bar_and_one_trial_leaves_it_at_the_mean() -> None:
    bars = [expected_max_sharpe(trials, 1.0) for trials in (1, 2, 10, 100, 1000)]

    assert bars[0] == 0.0
    assert bars == sorted(bars)
    assert expected_max_sharpe(1000, 1.0) == pytest.approx(3.26, abs=0.01)


def test_deflating_uses_the_spread_of_the_trials_sharpe_ratios() -> None:
    trials = [0.01, 0.02, 0.03, 0.05, 0.09]
    dsr = deflated_sharpe(0.09, trials, observations=1000, skewness=0.0, kurtosis=3.0)

    assert dsr.expected_max == pytest.approx(expected_max_sharpe(5, float(np.var(trials, ddof=1))))
    assert 0 < dsr.probability < probabilistic_sharpe(0.09, 0.0, 1000, 0.0, 3.0)


def test_a_trial_best_in_every_period_is_never_overfit() -> None:
    rng = np.random.default_rng(7)
    returns = rng.normal(0.0, 0.01, size=(400, 6))
    returns[:, 2] += 0.05  # far ahead in every block

    result = probability_of_overfitting(returns, splits=8)

    assert result.probability == 0.0
    assert result.combinations == math.comb(8, 4)
    assert all(value > 0 for value in result.logits)


def test_trials_best_where_they_are_tested_are_always_overfit() -> None:
    # Two halves of time: each trial shines in one and is the worst in the other, so the
    # in-sample best always ranks last out of sample.
    first = np.array([[3.0, 2.0, 1.0, 0.0]] * 10) + np.linspace(0, 0.01, 10)[:, None]
    second = np.array([[0.0, 1.0, 2.0, 3.0]] * 10) + np.linspace(0, 0.01, 10)[:, None]

    result = probability_of_overfitting(np.vstack([first, second]), splits=2, metric=_mean)

    assert result.probability == 1.0
    assert result.logits == (math.log(0.2 / 0.8),) * 2
    # The chosen trial's 3 in sample became 0 out of sample, in both splits.
    assert [pair for pair in result.degradation] == [
        (pytest.approx(3.0, abs=0.01), pytest.approx(0.0, abs=0.01))
    ] * 2


def test_trials_of_pure_noise_are_overfit_about_half_the_time() -> None:
    rng = np.random.default_rng(11)
    returns = rng.normal(0.0, 0.01, size=(1600, 50))

    result = probability_of_overfitting(returns, splits=16)

    assert result.combinations == 12_870
    assert 0.3 < result.probability < 0.7


@pytest.mark.parametrize(
    ("shape", "splits", "message"),
    [((100, 5), 3, "even number"), ((100, 1), 4, "two trials"), ((10, 5), 8, "cannot be cut")],
)
def test_bad_input_is_refused_with_a_reason(
    shape: tuple[int, int], splits: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        probability_of_overfitting(np.zeros(shape), splits=splits)


def _mean(block: np.ndarray) -> np.ndarray:
    return np.asarray(block.mean(axis=0), dtype=np.float64)
