"""How likely a search's best result is an accident: the deflated Sharpe ratio and the PBO.

Both from the published formulas, in code of the project's own:

- **Deflated Sharpe ratio** (Bailey and López de Prado, "The Deflated Sharpe Ratio:
  Correcting for Selection Bias, Backtest Overfitting and Non-Normality", 2014): the
  probability that the best trial's true Sharpe ratio is above the best one N trials of no
  skill would show by luck, given the length, skewness and kurtosis of its returns.
- **Probability of backtest overfitting** by combinatorially symmetric cross-validation
  (Bailey, Borwein, López de Prado and Zhu, "The Probability of Backtest Overfitting",
  2015): split the trials' returns into S blocks of time; for every choice of half the
  blocks as in-sample, take the trial best in-sample and see where it ranks out of sample;
  PBO is the share of choices where it ranks in the bottom half.

Sharpe ratios here are per observation (not annualized): annualize after, if at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

EULER_MASCHERONI = 0.5772156649015329
_NORMAL = NormalDist()
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    """The best trial's Sharpe ratio against the best luck would give over the trials."""

    sharpe: float  # the best trial's, per observation
    expected_max: float  # the best Sharpe ratio N trials of no skill would show
    probability: float  # that the true Sharpe ratio is above expected_max (the DSR)


@dataclass(frozen=True, slots=True)
class Overfitting:
    """The probability of backtest overfitting and what it was measured on."""

    probability: float  # the share of splits whose in-sample best ranks below the median
    logits: tuple[float, ...]  # per split: ln(w / (1 - w)), w its out-of-sample rank share
    splits: int  # S, the blocks of time
    combinations: int  # C(S, S/2), the in-sample choices tried
    # Per split: the in-sample best's metric in sample and out of sample (the paper's
    # "performance degradation": a cloud below the diagonal is what overfitting looks like).
    degradation: tuple[tuple[float, float], ...] = ()


def expected_max_sharpe(trials: int, variance: float, mean: float = 0.0) -> float:
    """Return the expected best Sharpe ratio of `trials` independent trials of no skill."""
    if trials < 1:
        raise ValueError(f"there must be at least one trial, not {trials}")
    if variance < 0:
        raise ValueError(f"a variance is not negative, not {variance}")
    if trials == 1:
        return mean
    gamma = EULER_MASCHERONI
    spread = (1 - gamma) * _NORMAL.inv_cdf(1 - 1 / trials) + gamma * _NORMAL.inv_cdf(
        1 - 1 / (trials * math.e)
    )
    return mean + math.sqrt(variance) * spread


def probabilistic_sharpe(
    sharpe: float, benchmark: float, observations: int, skewness: float, kurtosis: float
) -> float:
    """Return the probability that the true Sharpe ratio is above `benchmark` (the PSR).

    `kurtosis` is the plain (not excess) kurtosis: 3 for normal returns.
    """
    if observations < 2:
        raise ValueError(f"a Sharpe ratio needs at least two observations, not {observations}")
    spread = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe**2
    if spread <= 0:
        raise ValueError("the returns' skewness and kurtosis leave the estimate no spread")
    return _NORMAL.cdf((sharpe - benchmark) * math.sqrt(observations - 1) / math.sqrt(spread))


def deflated_sharpe(
    sharpe: float,
    trial_sharpes: Sequence[float],
    observations: int,
    skewness: float,
    kurtosis: float,
) -> DeflatedSharpe:
    """Return the deflated Sharpe ratio of the best trial among `trial_sharpes`."""
    trials = len(trial_sharpes)
    variance = float(np.var(trial_sharpes, ddof=1)) if trials > 1 else 0.0
    benchmark = expected_max_sharpe(trials, variance)
    return DeflatedSharpe(
        sharpe, benchmark, probabilistic_sharpe(sharpe, benchmark, observations, skewness, kurtosis)
    )


def sharpe_of(returns: Matrix) -> npt.NDArray[np.float64]:
    """Return each column's Sharpe ratio per observation (0 where it never moved)."""
    mean = returns.mean(axis=0)
    spread = returns.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spread > 0, mean / np.where(spread > 0, spread, 1), 0.0)
    return np.asarray(ratio, dtype=np.float64)


def probability_of_overfitting(
    returns: Matrix,
    splits: int = 16,
    metric: Callable[[Matrix], npt.NDArray[np.float64]] = sharpe_of,
) -> Overfitting:
    """Return the PBO of choosing the best of the trials (columns) over time (rows).

    The rows are cut into `splits` blocks of equal length (the last rows that do not fill a
    block are left out); every half of the blocks in turn is in-sample, the rest out of
    sample. Ties in rank are broken toward the worse rank, so a flat result is not read as
    skill.
    """
    rows, trials = returns.shape
    if splits < 2 or splits % 2:
        raise ValueError(f"the splits must be an even number of at least 2, not {splits}")
    if trials < 2:
        raise ValueError("overfitting is measured over at least two trials")
    size = rows // splits
    if size < 2:
        raise ValueError(f"{rows} rows cannot be cut into {splits} blocks of two rows or more")
    blocks = [returns[at * size : (at + 1) * size] for at in range(splits)]
    logits = []
    degradation = []
    chosen = list(combinations(range(splits), splits // 2))
    for inside in chosen:
        outside = [at for at in range(splits) if at not in inside]
        in_sample = metric(np.vstack([blocks[at] for at in inside]))
        out_of_sample = metric(np.vstack([blocks[at] for at in outside]))
        best = int(np.argmax(in_sample))
        degradation.append((float(in_sample[best]), float(out_of_sample[best])))
        # Its rank out of sample, 1 (worst) to N (best), ties counted against it.
        rank = int(np.sum(out_of_sample < out_of_sample[best])) + 1
        share = rank / (trials + 1)
        logits.append(math.log(share / (1 - share)))
    below = sum(1 for value in logits if value <= 0)
    return Overfitting(below / len(logits), tuple(logits), splits, len(chosen), tuple(degradation))
