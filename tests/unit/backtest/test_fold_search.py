"""A fold's search proposes the same trials however it is run, cut short or extended.

The trials here are scored by a formula of their parameters instead of a backtest (the
runner is the search's port), so a search runs past TPE's ten random start-up trials into
the part where what it proposes depends on what it has seen, in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import optuna
import pytest
from optuna.storages import BaseStorage, InMemoryStorage
from optuna.trial import FrozenTrial, TrialState

from trading_agents.backtest.objectives import Objective
from trading_agents.backtest.search import FINISHED, FoldSearch, best_trial
from trading_agents.backtest.search_space import parse_space
from trading_agents.backtest.trials import TrialOutcome, TrialTask
from trading_agents.backtest.walkforward import Window
from trading_agents.config.profiles import AgentProfile, shipped_profiles

SPACE = parse_space(
    """
strategy:
  ema_fast: {low: 3, high: 30}
  stop_loss_atr: {low: 1, high: 4, step: 0.25}
  stop: [atr, percent]
risk:
  risk_per_trade: {low: 0.001, high: 0.02, log: true}
""",
    "space.yaml",
)
WINDOW = Window(0, 3_600_000)


class ScoringRunner:
    """Score each trial by its distance from ema_fast 12 and a stop of 2 ATR, in reverse order.

    Finishing the last task first, as a parallel runner may, must not change the result.
    """

    description = "a formula, last task first"

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.scored: list[int] = []
        self._interrupt_after = interrupt_after

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        outcomes = [self._score(task) for task in reversed(tasks)][::-1]
        for outcome in outcomes:
            if self._interrupt_after is not None and len(self.scored) >= self._interrupt_after:
                raise KeyboardInterrupt
            self.scored.append(1)
            yield outcome

    def close(self) -> None:
        pass

    def _score(self, task: TrialTask) -> TrialOutcome:
        strategy = task.profile.strategy
        value = -((strategy.ema_fast - 12) ** 2) - float(strategy.stop_loss_atr - 2) ** 2
        return TrialOutcome(value, None, {}, Decimal(10_000), (0.0, 0.001))


def _task(profile: AgentProfile) -> TrialTask:
    return TrialTask(profile, WINDOW, Decimal(10_000), Objective.SHARPE, None)


def _search(
    storage: BaseStorage, runner: ScoringRunner, trials: int, batch: int = 4
) -> list[FrozenTrial]:
    study = optuna.create_study(
        storage=storage, study_name="fold-1", direction="maximize", load_if_exists=True
    )
    search = FoldSearch(study, SPACE, fold=0, seed=11, batch=batch)
    return search.run(trials, _task, shipped_profiles()["orion"], runner, lambda n, t: None)


def _record(trials: Sequence[FrozenTrial]) -> list[tuple[int, dict[str, object], float | None]]:
    return [(t.number, t.params, t.value) for t in trials]


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture
def straight() -> list[FrozenTrial]:
    return _search(InMemoryStorage(), ScoringRunner(), trials=18)


def test_a_search_past_its_random_start_homes_in_on_the_best_region(
    straight: list[FrozenTrial],
) -> None:
    random_start = [t.value for t in straight[:10] if t.value is not None]
    guided = [t.value for t in straight[10:] if t.value is not None]

    assert len(straight) == 18
    assert [t.number for t in straight] == list(range(18))
    assert sum(guided) / len(guided) > sum(random_start) / len(random_start)


def test_a_search_interrupted_mid_batch_resumes_to_the_same_trials(
    straight: list[FrozenTrial],
) -> None:
    storage = InMemoryStorage()
    with pytest.raises(KeyboardInterrupt):
        _search(storage, ScoringRunner(interrupt_after=12), trials=18)
    kept = optuna.load_study(study_name="fold-1", storage=storage).get_trials(states=FINISHED)
    assert 12 < len(kept) < 18
    assert len(kept) % 4  # cut within a batch

    resumed_runner = ScoringRunner()
    resumed = _search(storage, resumed_runner, trials=18)

    assert _record(resumed) == _record(straight)
    run_again = [t for t in resumed[len(kept) :] if t.state is TrialState.COMPLETE]
    assert len(resumed_runner.scored) == len(run_again)


def test_a_finished_search_extended_to_more_trials_matches_one_run_with_that_many(
    straight: list[FrozenTrial],
) -> None:
    storage = InMemoryStorage()
    _search(storage, ScoringRunner(), trials=7)

    extended = _search(storage, ScoringRunner(), trials=18)

    assert _record(extended) == _record(straight)


def test_a_search_already_done_runs_no_trial() -> None:
    storage = InMemoryStorage()
    _search(storage, ScoringRunner(), trials=6)
    again = ScoringRunner()

    trials = _search(storage, again, trials=6)

    assert again.scored == []
    assert len(trials) == 6


def test_parameters_the_profile_refuses_make_a_failed_trial_and_never_the_best() -> None:
    # Orion's ema_slow is 26: an ema_fast from 26 up breaks the profile's own check.
    trials = _search(InMemoryStorage(), ScoringRunner(), trials=18)

    failed = [t for t in trials if t.state is TrialState.FAIL]
    assert failed
    assert all(t.params["strategy.ema_fast"] >= 26 for t in failed)
    assert all("must be below ema_slow" in t.user_attrs["failure"] for t in failed)
    best = best_trial(trials)
    assert best is not None
    assert best.state is TrialState.COMPLETE


def test_the_batch_size_is_part_of_what_the_search_proposes(
    straight: list[FrozenTrial],
) -> None:
    other = _search(InMemoryStorage(), ScoringRunner(), trials=18, batch=6)

    assert _record(other)[:10] == _record(straight)[:10]  # random start-up: per trial
    assert _record(other) != _record(straight)


def test_a_trial_past_the_drawdown_cap_is_never_chosen() -> None:
    from optuna.distributions import IntDistribution
    from optuna.trial import TrialState, create_trial

    from trading_agents.backtest.search import best_trial

    space = {"x": IntDistribution(1, 9)}
    capped = create_trial(params={"x": 1}, distributions=space, value=float("-inf"))
    worse = create_trial(params={"x": 2}, distributions=space, value=-3.0)
    failed = create_trial(params={"x": 3}, distributions=space, state=TrialState.FAIL)

    assert best_trial([capped, failed]) is None
    assert best_trial([capped, worse, failed]) is worse
