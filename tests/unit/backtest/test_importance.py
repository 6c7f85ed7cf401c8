"""Parameter importance: the parameter that sets the best trials apart weighs the most."""

from __future__ import annotations

import math

import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import FrozenTrial, create_trial

from trading_agents.backtest.importance import parameter_importance

SPACE = {"stop": FloatDistribution(1.0, 4.0), "fast": IntDistribution(3, 30)}


def _trials(count: int) -> list[FrozenTrial]:
    sampler = optuna.samplers.RandomSampler(seed=5)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    trials = []
    for _ in range(count):
        trial = study.ask(SPACE)
        # The score follows the stop; the fast EMA only nudges it.
        value = -((trial.params["stop"] - 2.0) ** 2) + 0.001 * trial.params["fast"]
        trials.append(create_trial(params=trial.params, distributions=SPACE, value=value))
        study.tell(trial, value)
    return trials


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_the_parameter_that_decides_the_score_has_the_largest_share() -> None:
    importance = parameter_importance(_trials(60))

    assert importance.shares is not None
    assert importance.shares["stop"] > importance.shares["fast"]
    assert math.isclose(sum(importance.shares.values()), 1.0)
    assert importance == parameter_importance(_trials(60))  # no randomness in it


def test_too_few_scored_trials_give_no_importance_but_a_reason() -> None:
    rejected = create_trial(params={"stop": 2.0, "fast": 9}, distributions=SPACE, value=-math.inf)

    importance = parameter_importance([*_trials(1), rejected])

    assert importance.shares is None
    assert importance.note == "importance compares trials: it needs two with a finite score"
