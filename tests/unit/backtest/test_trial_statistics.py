"""A fold's overfitting figures from its trials' hourly returns, or why one is missing."""

from __future__ import annotations

import numpy as np
import pytest

from trading_agents.backtest.trial_statistics import fold_statistics, splits_for


@pytest.mark.parametrize(
    ("rows", "splits"), [(3, None), (8, 2), (36, 8), (63, 14), (64, 16), (720, 16)]
)
def test_the_blocks_are_even_at_most_sixteen_and_four_hours_long_at_least(
    rows: int, splits: int | None
) -> None:
    assert splits_for(rows) == splits


def test_a_trial_best_in_every_half_is_not_overfit() -> None:
    noise = np.random.default_rng(1).normal(0, 0.01, size=(6, 64))
    noise[0] += 0.02  # trial 0 earns in every hour

    figures = fold_statistics(noise.tolist(), chosen=0)

    assert figures.pbo is not None
    assert figures.pbo.probability == 0.0
    assert figures.pbo.splits == 16
    assert figures.dsr is not None
    assert figures.dsr.probability > 0.99
    assert (figures.trials, figures.observations) == (6, 64)


def test_the_best_of_pure_noise_is_deflated_to_little() -> None:
    noise = np.random.default_rng(2).normal(0, 0.01, size=(40, 64))
    chosen = int(np.argmax(noise.mean(axis=1) / noise.std(axis=1, ddof=1)))

    figures = fold_statistics(noise.tolist(), chosen=chosen)

    assert figures.dsr is not None
    assert figures.dsr.sharpe > figures.dsr.expected_max * 0.5
    assert figures.dsr.probability < 0.9


def test_figures_that_cannot_be_measured_say_why() -> None:
    one = fold_statistics([[0.01, -0.02, 0.0, 0.01] * 4], chosen=0)
    flat = fold_statistics([[0.0] * 16, [0.01, -0.01] * 8], chosen=0)
    short = fold_statistics([[0.01, 0.02, -0.01], [0.0, 0.01, 0.0]], chosen=0)

    assert one.pbo is None
    assert one.pbo_note == "the PBO compares trials: it needs at least two with results"
    assert flat.dsr is None
    assert flat.dsr_note is not None
    assert "never moved" in flat.dsr_note
    assert short.pbo is None
    assert short.pbo_note == "3 hours cannot be cut into two blocks of 4 hours or more"
    assert one.describe()["pbo"] is None
