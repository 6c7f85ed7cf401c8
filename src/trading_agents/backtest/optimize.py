"""The optimize command's work: check the request, search fold by fold, test out of sample.

For each walk-forward fold the search runs on the training window (see `search`); the best
trial's parameters are then backtested on the test window that follows. The first test
starts with the run's starting equity, each later one flat with the equity the previous
test ended with (open positions valued at the last mark), so the tests join into one
out-of-sample equity curve. The search's state is an Optuna storage (DIR/study.db unless
--storage names one): run the same command again and it goes on where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import optuna
from optuna.storages import BaseStorage, RDBStorage
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy.exc import SQLAlchemyError

from trading_agents.backtest.command import BacktestRequest, BacktestRequestError, prepare
from trading_agents.backtest.importance import parameter_importance
from trading_agents.backtest.objectives import Objective
from trading_agents.backtest.optimize_report import render_optimize_report
from trading_agents.backtest.optimize_result import FoldResult, result_document
from trading_agents.backtest.profile_file import profile_destination, profile_text, write_profile
from trading_agents.backtest.search import FoldSearch, best_trial
from trading_agents.backtest.search_space import SearchSpace, apply_parameters, load_space
from trading_agents.backtest.trial_statistics import fold_statistics
from trading_agents.backtest.trials import (
    MarketData,
    TrialRunner,
    TrialTask,
    outcome_of,
    run_window,
)
from trading_agents.backtest.walkforward import Fold, FoldMode, Window, aligned_window, plan_folds
from trading_agents.config.profiles import AgentProfile, agent_for_run
from trading_agents.core.clock import MS_PER_HOUR, iso_utc

STORAGE_FILE = "study.db"
Choice = TypeVar("Choice", Objective, FoldMode)


class OptimizeRequestError(BacktestRequestError):
    """The optimisation was asked for something it cannot do; the message says what."""


@dataclass(frozen=True, slots=True)
class OptimizeRequest:
    """What the user asked for on the command line."""

    agent: str
    symbols: tuple[str, ...]
    data: Path
    out: Path
    funding: Path | None = None
    start: str | None = None
    end: str | None = None
    strategy: str | None = None
    initial_equity: Decimal | None = None
    space: Path | None = None
    objective: str = "sharpe"
    max_drawdown: Decimal | None = None  # the cap; for profit, the profile's own by default
    trials: int = 50
    folds: int = 3
    fold_mode: str = "rolling"
    train_days: float | None = None
    test_days: float | None = None
    seed: int = 0
    batch: int = 8  # trials asked at once: part of what the result depends on
    storage: str | None = None
    workers: int | None = None  # None: every core, through Ray; 0: in this process
    ray_address: str | None = None
    write_profile: str | None = None


@dataclass(frozen=True, slots=True)
class SearchProgress:
    """Where the search is: the fold, the trials stored in it and the best score so far."""

    fold: int  # from 0
    folds: int
    done: int
    trials: int
    best: float | None


ProgressCallback = Callable[[SearchProgress], None]


@dataclass(frozen=True, slots=True)
class Optimization:
    """A checked request with its data loaded: ready to search, nothing written yet."""

    request: OptimizeRequest
    profile: AgentProfile  # the agent as the search starts from it
    space: SearchSpace
    objective: Objective
    drawdown_cap: Decimal | None
    market: MarketData
    window: Window
    folds: tuple[Fold, ...]
    initial_equity: Decimal
    profile_path: Path | None

    def open_storage(self) -> BaseStorage:
        """Open the Optuna storage: --storage, or the SQLite file in the run folder."""
        url = self.request.storage or f"sqlite:///{(self.request.out / STORAGE_FILE).resolve()}"
        try:
            return RDBStorage(url)
        except (ImportError, ValueError, SQLAlchemyError) as error:
            raise OptimizeRequestError(f"--storage {url}: {error}") from None

    @property
    def settings(self) -> dict[str, Any]:
        """Return what the search's trials depend on; the same settings resume the same studies."""
        request = self.request
        return {
            "agent": self.profile.name,
            "strategy": request.strategy,
            "symbols": list(self.market.series),
            "data": str(request.data.resolve()),
            "funding": None if request.funding is None else str(request.funding.resolve()),
            "window": self.window.describe(),
            "initial_equity": str(self.initial_equity),
            "space": self.space.describe(),
            "objective": str(self.objective),
            "drawdown_cap": None if self.drawdown_cap is None else str(self.drawdown_cap),
            "folds": [{"train": f.train.describe(), "test": f.test.describe()} for f in self.folds],
            "seed": request.seed,
            "batch": request.batch,
        }

    @property
    def study_key(self) -> str:
        """Return what names this search's studies: a digest of the settings it depends on."""
        text = json.dumps(self.settings, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def task_maker(self, window: Window) -> Callable[[AgentProfile], TrialTask]:
        """Return how a trial's profile becomes its task on a training window."""

        def make(profile: AgentProfile) -> TrialTask:
            return TrialTask(
                profile, window, self.initial_equity, self.objective, self.drawdown_cap
            )

        return make


def prepare_optimization(request: OptimizeRequest) -> Optimization:
    """Check the request and load its data; raise with a clear message on bad input."""
    objective = _choice(Objective, request.objective, "--objective")
    mode = _choice(FoldMode, request.fold_mode, "--fold-mode")
    request = replace(request, objective=objective.value, fold_mode=mode.value)
    _check_numbers(request)
    profile_path = (
        None
        if request.write_profile is None
        else profile_destination(request.write_profile, request.out)
    )
    agent, _ = agent_for_run(request.agent, request.strategy, request.symbols)
    if agent.brain != "rules":
        raise OptimizeRequestError(
            f"{agent.name} decides with the {agent.brain} brain; optimize searches the rule"
            " brain's parameters"
        )
    space = load_space(request.space, agent.name)
    backtest = prepare(
        BacktestRequest(
            agent=request.agent,
            symbols=request.symbols,
            data=request.data,
            out=request.out,
            funding=request.funding,
            start=request.start,
            end=request.end,
            strategy=request.strategy,
            initial_equity=request.initial_equity,
        )
    )
    profile = backtest.setup.profile
    unit_ms = math.lcm(profile.timeframe_ms, MS_PER_HOUR)
    base = backtest.base
    try:
        window = aligned_window(int(base.open_ms[0]), int(base.close_ms[-1]), unit_ms)
        folds = plan_folds(
            window, request.folds, mode, unit_ms, request.train_days, request.test_days
        )
    except ValueError as error:
        raise OptimizeRequestError(str(error)) from None
    _check_warm_up(profile, folds)
    cap = request.max_drawdown
    if cap is None and objective is Objective.PROFIT:
        cap = profile.risk.max_drawdown
    series = {s: c.between(window.start_ms, window.end_ms) for s, c in backtest.series.items()}
    market = MarketData(series, backtest.setup.venue_config)
    return Optimization(
        request, profile, space, objective, cap, market, window, tuple(folds),
        backtest.setup.initial_equity, profile_path,
    )  # fmt: skip


def run_optimization(
    optimization: Optimization,
    runner: TrialRunner,
    progress: ProgressCallback | None = None,
    started: float | None = None,
) -> dict[str, Any]:
    """Search every fold, test out of sample and write DIR/result.json; return the result."""
    started = time.perf_counter() if started is None else started
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    request = optimization.request
    # A storage of the user's is opened first: one that cannot be opened leaves no run folder.
    storage = optimization.open_storage() if request.storage else None
    request.out.mkdir(parents=True, exist_ok=True)
    storage = storage or optimization.open_storage()
    equity = optimization.initial_equity
    results: list[FoldResult] = []
    trials_run = 0
    for fold in optimization.folds:
        trials, ran = _search(optimization, storage, fold, runner, progress)
        trials_run += ran
        results.append(_test(optimization, fold, trials, equity))
        equity = results[-1].outcome.final_equity
    elapsed = time.perf_counter() - started
    result = result_document(optimization, results, command_line(request), elapsed, trials_run,
                             runner.description)  # fmt: skip
    if optimization.profile_path is not None:
        _write_chosen(optimization, optimization.profile_path, results[-1], result["command"])
        result["written_profile"] = str(optimization.profile_path)
    document = json.dumps(result, indent=1, allow_nan=False)
    partial = request.out / ".result.json.partial"
    partial.write_text(document, encoding="utf-8")
    partial.replace(request.out / "result.json")
    report = request.out / ".report.html.partial"
    report.write_text(render_optimize_report(result), encoding="utf-8")
    report.replace(request.out / "report.html")
    return result


def _test(
    optimization: Optimization, fold: Fold, trials: list[FrozenTrial], equity: Decimal
) -> FoldResult:
    """Backtest the fold's best parameters on its test window, starting with `equity`."""
    best = best_trial(trials)
    if best is None:
        rejected = next(
            (t.user_attrs.get("rejected") for t in trials if t.user_attrs.get("rejected")), None
        )
        if rejected is not None:
            raise OptimizeRequestError(
                f"fold {fold.index + 1}: every trial was rejected ({rejected}); widen the"
                " search space or --max-drawdown"
            )
        failure = next((t.user_attrs.get("failure") for t in trials), None)
        raise OptimizeRequestError(
            f"fold {fold.index + 1}: the profile refused every trial's parameters ({failure});"
            " change the search space"
        )
    values = optimization.space.values(best.params)
    chosen = apply_parameters(optimization.profile, values)
    run = run_window(chosen, optimization.market, fold.test, equity)
    task = TrialTask(chosen, fold.test, equity, optimization.objective, optimization.drawdown_cap)
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    statistics = fold_statistics([t.user_attrs["returns"] for t in complete], complete.index(best))
    return FoldResult(
        fold, trials, best, values, chosen, equity, run, outcome_of(run, task), statistics,
        parameter_importance(trials),
    )  # fmt: skip


def _write_chosen(optimization: Optimization, path: Path, last: FoldResult, command: str) -> None:
    """Write the last fold's choice as a new agent profile."""
    name = path.stem
    written = last.chosen.model_copy(
        update={"name": name, "display_name": f"{optimization.profile.display_name} ({name})"}
    )
    train = last.fold.train
    notes = [
        f"{optimization.profile.name} with the parameters chosen in fold {last.fold.index + 1}"
        f" (trained from {iso_utc(train.start_ms)} to {iso_utc(train.end_ms)}) by:",
        command,
    ]
    write_profile(path, profile_text(written, notes))


def _search(
    optimization: Optimization,
    storage: BaseStorage,
    fold: Fold,
    runner: TrialRunner,
    progress: ProgressCallback | None,
) -> tuple[list[FrozenTrial], int]:
    """Run the fold's search to the trials asked for; return its trials and how many ran now."""
    request = optimization.request
    study = optuna.create_study(
        storage=storage,
        study_name=f"{optimization.study_key}-fold-{fold.index + 1}",
        direction="maximize",
        load_if_exists=True,
    )
    if "settings" not in study.user_attrs:
        study.set_user_attr("settings", optimization.settings)
    search = FoldSearch(study, optimization.space, fold.index, request.seed, request.batch)
    before = search.finished()[: request.trials]
    best = best_trial(before)
    tracker = _Tracker(fold, len(optimization.folds), request.trials, progress)
    tracker.start(len(before), None if best is None else best.value)
    trials = search.run(
        request.trials, optimization.task_maker(fold.train), optimization.profile, runner,
        tracker.stored,
    )  # fmt: skip
    return trials[: request.trials], max(0, request.trials - len(before))


class _Tracker:
    """Tell the progress callback of each trial stored, with the best score so far."""

    def __init__(
        self, fold: Fold, folds: int, trials: int, progress: ProgressCallback | None
    ) -> None:
        self._fold, self._folds, self._trials, self._progress = fold, folds, trials, progress
        self._best: float | None = None
        self._done = 0

    def start(self, done: int, best: float | None) -> None:
        """Report the trials already stored when the fold's search begins."""
        self._done, self._best = done, best
        self._report()

    def stored(self, number: int, trial: FrozenTrial) -> None:
        """Report a trial just stored."""
        value = trial.value
        if value is not None and (self._best is None or value > self._best):
            self._best = value
        self._done = number + 1
        self._report()

    def _report(self) -> None:
        if self._progress is None:
            return
        best = self._best if self._best is not None and math.isfinite(self._best) else None
        self._progress(
            SearchProgress(self._fold.index, self._folds, self._done, self._trials, best)
        )


def command_line(request: OptimizeRequest) -> str:
    """Return the command that reproduces the run (wherever its trials run)."""
    words = ["trading-agents", "optimize", "--agent", request.agent,
             "--symbols", ",".join(request.symbols), "--data", str(request.data)]  # fmt: skip
    optional: list[tuple[str, Any]] = [
        ("--funding", request.funding),
        ("--from", request.start),
        ("--to", request.end),
        ("--strategy", request.strategy),
        ("--equity", request.initial_equity),
        ("--space", request.space),
        ("--max-drawdown", request.max_drawdown),
        ("--train", request.train_days),
        ("--test", request.test_days),
        ("--storage", request.storage),
        ("--write-profile", request.write_profile),
    ]
    for option, value in optional:
        if value is not None:
            words += [option, f"{value:g}" if isinstance(value, float) else str(value)]
    words += ["--objective", request.objective, "--trials", str(request.trials),
              "--folds", str(request.folds), "--fold-mode", request.fold_mode,
              "--seed", str(request.seed), "--batch", str(request.batch),
              "--out", str(request.out)]  # fmt: skip
    return shlex.join(words)


def _choice(kind: type[Choice], text: str, option: str) -> Choice:
    try:
        return kind(text.strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise OptimizeRequestError(f"{option} must be one of {known}, not {text!r}") from None


def _check_numbers(request: OptimizeRequest) -> None:
    if request.trials < 1:
        raise OptimizeRequestError(f"--trials must be at least 1, not {request.trials}")
    if request.folds < 1:
        raise OptimizeRequestError(f"--folds must be at least 1, not {request.folds}")
    if request.batch < 1:
        raise OptimizeRequestError(f"--batch must be at least 1, not {request.batch}")
    if request.seed < 0:
        raise OptimizeRequestError(f"--seed must be zero or more, not {request.seed}")
    if request.workers is not None and request.workers < 0:
        raise OptimizeRequestError(f"--workers must be zero or more, not {request.workers}")
    if request.workers == 0 and request.ray_address is not None:
        raise OptimizeRequestError("--workers 0 runs in this process: it takes no --ray-address")
    cap = request.max_drawdown
    if cap is not None and not Decimal(0) < cap <= 1:
        raise OptimizeRequestError(f"--max-drawdown is a fraction above 0 up to 1, not {cap}")
    for option, days in (("--train", request.train_days), ("--test", request.test_days)):
        if days is not None and not days > 0:
            raise OptimizeRequestError(f"{option} must be a number of days above zero, not {days}")


def _check_warm_up(profile: AgentProfile, folds: list[Fold]) -> None:
    """Refuse windows in which the agent would not get past its warm-up."""
    warm_up = profile.strategy.warmup_candles
    for label, window in (("train", folds[0].train), ("test", folds[0].test)):
        candles = (window.end_ms - window.start_ms) // profile.timeframe_ms
        if candles <= warm_up:
            raise OptimizeRequestError(
                f"a fold's {label} window of {window.days:g} days holds {candles}"
                f" {profile.timeframe} candles, no more than {profile.name}'s warm-up of"
                f" {warm_up}: nothing would trade; give longer windows (--{label}) or a longer"
                " period"
            )
