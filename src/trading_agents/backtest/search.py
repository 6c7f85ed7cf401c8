"""One fold's search: Optuna proposes parameters in batches, trials run anywhere, results stay.

Determinism, whatever runs the trials and however often the search was interrupted:

- Trials are asked in batches of `batch`, numbered from zero, a batch starting at each
  multiple of `batch`. A trial's parameters come from a TPE sampler seeded for that trial
  (from the run's seed, the fold and the trial's number), shown only the trials of the
  batches before its own. So trial n is the same whether its batch ran in one go, was cut
  short and resumed, or was extended by a later, larger --trials.
- The batch's trials run together (on Ray, in parallel) and are stored in the order they
  were asked, each as soon as those before it are, never in the order they finish.
- The study in the storage holds only finished trials: a trial interrupted while running
  was never stored, and the next run asks for it again and gets the same parameters.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState, create_trial

from trading_agents.backtest.search_space import (
    ParameterError,
    SearchSpace,
    apply_parameters,
    plain_values,
)
from trading_agents.backtest.trials import TrialOutcome, TrialRunner, TrialTask
from trading_agents.config.profiles import AgentProfile

FINISHED = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
TrialDone = Callable[[int, FrozenTrial], None]  # the number and the trial just stored


@dataclass(frozen=True, slots=True)
class Proposal:
    """A trial's parameters as Optuna proposed them, and the profile they make (if valid)."""

    number: int
    params: dict[str, Any]  # as Optuna stores them
    values: dict[str, Any]  # as the profile holds them
    task: TrialTask | None  # None: the profile refused the parameters
    failure: str | None


def trial_seed(seed: int, fold: int, number: int) -> int:
    """Return the sampler's seed for one trial: the same for the same run, fold and trial."""
    digest = hashlib.sha256(f"{seed}/{fold}/{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


class FoldSearch:
    """Search one fold's training window, keeping every finished trial in an Optuna study."""

    def __init__(
        self, study: optuna.Study, space: SearchSpace, fold: int, seed: int, batch: int
    ) -> None:
        self.study = study
        self.space = space
        self.fold = fold
        self.seed = seed
        self.batch = batch

    def finished(self) -> list[FrozenTrial]:
        """Return the stored trials in the order they were asked."""
        trials = self.study.get_trials(deepcopy=False, states=FINISHED)
        return sorted(trials, key=lambda trial: trial.number)

    def run(
        self,
        trials: int,
        make_task: Callable[[AgentProfile], TrialTask],
        base: AgentProfile,
        runner: TrialRunner,
        on_trial: TrialDone,
    ) -> list[FrozenTrial]:
        """Run trials until `trials` are stored; return them all, in order."""
        stored = self.finished()
        while len(stored) < trials:
            start = len(stored) // self.batch * self.batch
            end = min(start + self.batch, trials)
            proposals = self._propose(stored, start, range(len(stored), end), make_task, base)
            outcomes = runner.run([p.task for p in proposals if p.task is not None])
            for proposal in proposals:
                outcome = None if proposal.task is None else next(outcomes)
                trial = self._record(proposal, outcome)
                self.study.add_trial(trial)
                on_trial(proposal.number, trial)
            stored = self.finished()
        return stored

    def _propose(
        self,
        stored: Sequence[FrozenTrial],
        start: int,
        numbers: range,
        make_task: Callable[[AgentProfile], TrialTask],
        base: AgentProfile,
    ) -> list[Proposal]:
        # What the trials of this batch were, are or will be proposed from: the batches
        # before it, scores and parameters only.
        seen = [
            create_trial(
                state=trial.state,
                value=trial.value,
                params=trial.params,
                distributions=trial.distributions,
            )
            for trial in stored
            if trial.number < start
        ]
        proposals = []
        for number in numbers:
            # A study of its own for each trial: TPE counts a trial asked before as running
            # and weighs it, so a batch resumed half way would be proposed differently.
            sampler = optuna.samplers.TPESampler(seed=trial_seed(self.seed, self.fold, number))
            sampling = optuna.create_study(direction="maximize", sampler=sampler)
            sampling.add_trials(seen)
            params = self.space.suggest(sampling.ask())
            values = self.space.values(params)
            try:
                task: TrialTask | None = make_task(apply_parameters(base, values))
                failure = None
            except ParameterError as error:
                task, failure = None, str(error)
            proposals.append(Proposal(number, params, values, task, failure))
        return proposals

    def _record(self, proposal: Proposal, outcome: TrialOutcome | None) -> FrozenTrial:
        attributes: dict[str, Any] = {"values": plain_values(proposal.values)}
        distributions = self.space.distributions()
        if outcome is None:
            attributes["failure"] = proposal.failure
            return create_trial(
                state=TrialState.FAIL,
                params=proposal.params,
                distributions=distributions,
                user_attrs=attributes,
            )
        attributes.update(
            rejected=outcome.rejected,
            metrics=outcome.metrics,
            final_equity=str(outcome.final_equity),
            returns=list(outcome.returns),
        )
        return create_trial(
            value=outcome.value,
            params=proposal.params,
            distributions=distributions,
            user_attrs=attributes,
        )


def best_trial(trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
    """Return the trial of the highest score, the earliest among equals; None if none scored.

    A trial past the drawdown cap scores minus infinity: it is never the best.
    """
    scored = [
        t
        for t in trials
        if t.state is TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)
    ]
    if not scored:
        return None
    return max(scored, key=lambda trial: (trial.value, -trial.number))
