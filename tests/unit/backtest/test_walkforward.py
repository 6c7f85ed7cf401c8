"""Walk-forward folds: tests follow each other, training comes just before (or from the start)."""

from __future__ import annotations

import pytest

from trading_agents.backtest.walkforward import (
    Fold,
    FoldMode,
    FoldPlanError,
    Window,
    aligned_window,
    plan_folds,
)
from trading_agents.core.clock import MS_PER_DAY, MS_PER_HOUR, to_ms

START = to_ms("2025-05-06T00:00:00Z")
THREE_DAYS = Window(START, START + 3 * MS_PER_DAY)


def _hours(fold: Fold) -> tuple[tuple[int, int], tuple[int, int]]:
    """Return the fold's train and test windows as hours from START."""
    return (
        ((fold.train.start_ms - START) // MS_PER_HOUR, (fold.train.end_ms - START) // MS_PER_HOUR),
        ((fold.test.start_ms - START) // MS_PER_HOUR, (fold.test.end_ms - START) // MS_PER_HOUR),
    )


def test_without_lengths_the_window_splits_into_a_double_training_and_equal_tests() -> None:
    folds = plan_folds(THREE_DAYS, 2, FoldMode.ROLLING, MS_PER_HOUR)

    assert [_hours(fold) for fold in folds] == [((0, 36), (36, 54)), ((18, 54), (54, 72))]


def test_an_anchored_fold_trains_on_everything_before_its_test() -> None:
    folds = plan_folds(THREE_DAYS, 3, FoldMode.ANCHORED, MS_PER_HOUR)

    assert [_hours(fold) for fold in folds] == [
        ((0, 30), (30, 44)),
        ((0, 44), (44, 58)),
        ((0, 58), (58, 72)),
    ]


def test_given_lengths_lay_the_folds_from_the_start_of_the_window() -> None:
    folds = plan_folds(THREE_DAYS, 2, FoldMode.ROLLING, MS_PER_HOUR, train_days=1, test_days=0.5)

    assert [_hours(fold) for fold in folds] == [((0, 24), (24, 36)), ((12, 36), (36, 48))]


def test_given_a_test_length_the_first_training_takes_the_rest() -> None:
    folds = plan_folds(THREE_DAYS, 2, FoldMode.ROLLING, MS_PER_HOUR, test_days=1)

    assert [_hours(fold) for fold in folds] == [((0, 24), (24, 48)), ((24, 48), (48, 72))]


def test_lengths_are_rounded_to_whole_units() -> None:
    folds = plan_folds(THREE_DAYS, 1, FoldMode.ROLLING, MS_PER_HOUR, train_days=1.01, test_days=0.5)

    assert _hours(folds[0]) == ((0, 24), (24, 36))


@pytest.mark.parametrize(
    ("folds", "train", "test", "message"),
    [
        (2, 2.0, 1.0, "2 folds do not fit 3 days of data"),
        (0, None, None, "--folds must be at least 1, not 0"),
        (1, -1.0, None, "--train must be a number of days above zero"),
        (80, None, None, "80 folds do not fit"),
    ],
)
def test_folds_that_do_not_fit_are_refused_saying_what_they_need(
    folds: int, train: float | None, test: float | None, message: str
) -> None:
    with pytest.raises(FoldPlanError, match=message):
        plan_folds(THREE_DAYS, folds, FoldMode.ROLLING, MS_PER_HOUR, train, test)


def test_the_window_keeps_only_whole_units_of_the_data() -> None:
    window = aligned_window(START + 60_000, START + 5 * MS_PER_HOUR - 60_000, MS_PER_HOUR)

    assert window == Window(START + MS_PER_HOUR, START + 4 * MS_PER_HOUR)
    with pytest.raises(FoldPlanError, match="no whole 60 minutes"):
        aligned_window(START + 60_000, START + MS_PER_HOUR + 60_000, MS_PER_HOUR)
