"""Walk-forward folds: train on one stretch of time, test on the stretch that follows.

The folds are laid from the start of the window. Fold i tests on the i-th test stretch after
the first training stretch; a rolling fold trains on the `train` time just before its test,
an anchored one on everything from the window's start up to its test. Test stretches follow
each other without a gap, so their results join into one out-of-sample curve. Every
boundary falls on a whole `unit` (an hour at least, and a whole number of the agent's
candles), so each stretch starts on a fresh candle and on an equity mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trading_agents.core.clock import MS_PER_DAY, iso_utc


class FoldMode(StrEnum):
    """How a fold's training stretch is chosen."""

    ROLLING = "rolling"  # the same length every fold, just before its test
    ANCHORED = "anchored"  # from the window's start, growing fold after fold


class FoldPlanError(ValueError):
    """The folds asked for do not fit the window; the message says what would."""


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of time, from start (inclusive) to end (exclusive), in epoch milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def days(self) -> float:
        """Return the length in days."""
        return (self.end_ms - self.start_ms) / MS_PER_DAY

    def describe(self) -> dict[str, str]:
        """Return the stretch as result.json lists it."""
        return {"from": iso_utc(self.start_ms), "to": iso_utc(self.end_ms)}


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward step: search on `train`, then test the best on `test`."""

    index: int
    train: Window
    test: Window


def aligned_window(first_open_ms: int, last_close_ms: int, unit_ms: int) -> Window:
    """Return the whole units inside the data's span."""
    start = -(-first_open_ms // unit_ms) * unit_ms
    end = last_close_ms // unit_ms * unit_ms
    if end <= start:
        raise FoldPlanError(
            f"the data from {iso_utc(first_open_ms)} to {iso_utc(last_close_ms)} holds no whole"
            f" {unit_ms // 60_000} minutes to search in"
        )
    return Window(start, end)


def plan_folds(
    window: Window,
    folds: int,
    mode: FoldMode,
    unit_ms: int,
    train_days: float | None = None,
    test_days: float | None = None,
) -> list[Fold]:
    """Lay `folds` folds over the window; split it when train or test lengths are not given.

    Given neither, each test stretch is a (folds + 2)-th of the window and the first
    training stretch takes the rest, about two tests' worth; given one, the other fills the
    window.
    """
    if folds < 1:
        raise FoldPlanError(f"--folds must be at least 1, not {folds}")
    for option, days in (("--train", train_days), ("--test", test_days)):
        if days is not None and not days > 0:
            raise FoldPlanError(f"{option} must be a number of days above zero, not {days}")
    span = window.end_ms - window.start_ms
    test = _units(test_days, unit_ms) if test_days is not None else None
    train = _units(train_days, unit_ms) if train_days is not None else None
    if test is None:
        base = span - train if train is not None else span
        share = folds if train is not None else folds + 2
        test = base // share // unit_ms * unit_ms
    if train is None:
        train = span - folds * test
    needed = train + folds * test
    if test <= 0 or train <= 0 or needed > span:
        raise FoldPlanError(
            f"{folds} folds do not fit {window.days:g} days of data "
            f"({iso_utc(window.start_ms)} to {iso_utc(window.end_ms)}): they need "
            f"{train / MS_PER_DAY:g} days to train and {folds} x {test / MS_PER_DAY:g} to test;"
            " choose a longer period, fewer folds or shorter --train/--test"
        )
    planned = []
    for index in range(folds):
        test_start = window.start_ms + train + index * test
        train_start = window.start_ms if mode is FoldMode.ANCHORED else test_start - train
        planned.append(
            Fold(index, Window(train_start, test_start), Window(test_start, test_start + test))
        )
    return planned


def _units(days: float, unit_ms: int) -> int:
    """Return `days` in milliseconds, rounded to whole units (at least one)."""
    return max(1, round(days * MS_PER_DAY / unit_ms)) * unit_ms
