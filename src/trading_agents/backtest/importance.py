"""Which parameters mattered in a fold's search: Optuna's PED-ANOVA importances.

PED-ANOVA (Watanabe et al.) compares where the best tenth of the trials put each parameter
with where all of them did; it needs no model fitting (fANOVA would need scikit-learn) and no
randomness, so the same trials give the same importances. They sum to one. With few trials
they are rough: Optuna's authors suggest five trials or more in the best tenth.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import optuna
from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances
from optuna.trial import FrozenTrial, TrialState


@dataclass(frozen=True, slots=True)
class Importance:
    """Each parameter's share of what set the best trials apart, or why there is none."""

    shares: dict[str, float] | None
    note: str | None


def parameter_importance(trials: Sequence[FrozenTrial]) -> Importance:
    """Measure the parameters' importance over the trials that have a finite score."""
    scored = [
        trial
        for trial in trials
        if trial.state is TrialState.COMPLETE
        and trial.value is not None
        and math.isfinite(trial.value)
    ]
    if len(scored) < 2:
        return Importance(None, "importance compares trials: it needs two with a finite score")
    study = optuna.create_study(direction="maximize")
    study.add_trials(scored)
    with warnings.catch_warnings(record=True) as caught:
        # Optuna warns, rather than fails, when the trials cannot tell the parameters apart.
        warnings.simplefilter("always")
        shares = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
    if caught:
        return Importance(None, str(caught[0].message))
    return Importance({name: float(share) for name, share in shares.items()}, None)
