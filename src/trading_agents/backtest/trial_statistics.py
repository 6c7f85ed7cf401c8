"""How far a fold's chosen trial can be trusted: its PBO and deflated Sharpe ratio.

Both are measured on the trials' hourly returns over the training window (one column a
trial, one row an hour), with the functions of `overfitting`. The PBO ranks trials by the
Sharpe ratio of their returns in each half of the blocks, whatever the search's objective;
the deflated Sharpe ratio is the chosen trial's, against the best Sharpe ratio that as many
trials of no skill would show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trading_agents.backtest.overfitting import (
    DeflatedSharpe,
    Matrix,
    Overfitting,
    deflated_sharpe,
    probability_of_overfitting,
    sharpe_of,
)

MAX_SPLITS = 16  # the paper's choice: C(16, 8) = 12,870 in-sample halves
# Hours in a block at the least: fewer blocks on a short window, where blocks of an hour or
# two would each hold next to nothing (16 blocks from 64 hours of training on).
MIN_BLOCK_ROWS = 4
DRAWN_SPLITS = 500  # degradation pairs kept in result.json, for the report's scatter


@dataclass(frozen=True, slots=True)
class FoldStatistics:
    """A fold's overfitting figures; a figure that cannot be measured says why."""

    trials: int  # with returns: the columns measured
    observations: int  # hours: the rows
    pbo: Overfitting | None
    pbo_note: str | None
    dsr: DeflatedSharpe | None
    dsr_note: str | None

    def describe(self) -> dict[str, Any]:
        """Return the figures as result.json holds them."""
        pbo = self.pbo
        dsr = self.dsr
        return {
            "trials": self.trials,
            "observations": self.observations,
            "pbo": None if pbo is None else {
                "probability": pbo.probability,
                "splits": pbo.splits,
                "combinations": pbo.combinations,
                "logits": list(pbo.logits),
                # Per split: the in-sample best's Sharpe ratio in and out of sample; of
                # C(16, 8) = 12,870 splits an even sample, enough to draw the cloud.
                "degradation": [
                    list(pair)
                    for pair in pbo.degradation[:: max(1, len(pbo.degradation) // DRAWN_SPLITS)]
                ],
            },
            "pbo_note": self.pbo_note,
            "dsr": None if dsr is None else {
                "probability": dsr.probability,
                "sharpe": dsr.sharpe,
                "expected_max_sharpe": dsr.expected_max,
            },
            "dsr_note": self.dsr_note,
        }  # fmt: skip


def splits_for(rows: int) -> int | None:
    """Return the most blocks (even, at most 16) of at least four rows each, or None."""
    splits = min(MAX_SPLITS, rows // MIN_BLOCK_ROWS)
    splits -= splits % 2
    return splits if splits >= 2 else None


def fold_statistics(returns: Sequence[Sequence[float]], chosen: int) -> FoldStatistics:
    """Measure the PBO of the search and the DSR of trial `chosen` (a column of `returns`)."""
    trials = len(returns)
    rows = min((len(column) for column in returns), default=0)
    matrix = np.array([list(column[:rows]) for column in returns], dtype=np.float64).T
    pbo, pbo_note = _pbo(matrix, trials, rows)
    dsr, dsr_note = _dsr(matrix, chosen, rows)
    return FoldStatistics(trials, rows, pbo, pbo_note, dsr, dsr_note)


def _pbo(matrix: Matrix, trials: int, rows: int) -> tuple[Overfitting | None, str | None]:
    if trials < 2:
        return None, "the PBO compares trials: it needs at least two with results"
    splits = splits_for(rows)
    if splits is None:
        return None, (
            f"{rows} hours cannot be cut into two blocks of {MIN_BLOCK_ROWS} hours or more"
        )
    return probability_of_overfitting(matrix, splits), None


def _dsr(matrix: Matrix, chosen: int, rows: int) -> tuple[DeflatedSharpe | None, str | None]:
    if rows < 2:
        return None, "a Sharpe ratio needs at least two hours of returns"
    column = matrix[:, chosen]
    deviations = column - column.mean()
    variance = float(np.mean(deviations**2))
    if variance == 0:
        return None, "the chosen trial's equity never moved: it has no Sharpe ratio to deflate"
    skewness = float(np.mean(deviations**3)) / variance**1.5
    kurtosis = float(np.mean(deviations**4)) / variance**2
    sharpes = sharpe_of(matrix)
    try:
        return deflated_sharpe(
            float(sharpes[chosen]), sharpes.tolist(), rows, skewness, kurtosis
        ), None
    except ValueError as error:
        return None, str(error)
