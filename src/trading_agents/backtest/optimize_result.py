"""The optimisation's result document, DIR/result.json, and the summary the command prints.

Money is written as exact decimal strings, as in the backtest's result.json; scores and
statistics are floats. A score is null where the trial failed (its parameters refused) or was
rejected (past the drawdown cap), with the reason beside it. Everything but `execution`
(where and how fast the trials ran) and `command` (which names the run folder) is the same
for the same settings and seed, however the run was interrupted and wherever it ran.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from optuna.trial import FrozenTrial, TrialState

from trading_agents.backtest.importance import Importance
from trading_agents.backtest.result import equity_document, metrics_document, trade_document
from trading_agents.backtest.run import BacktestRun
from trading_agents.backtest.search_space import plain_values
from trading_agents.backtest.trial_statistics import FoldStatistics
from trading_agents.backtest.trials import TrialOutcome
from trading_agents.backtest.walkforward import Fold
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import iso_utc
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.metrics import compute_metrics
from trading_agents.portfolio.trades import RoundTrip

if TYPE_CHECKING:
    from trading_agents.backtest.optimize import Optimization


@dataclass(frozen=True, slots=True)
class FoldResult:
    """A finished fold: its trials, the one chosen, and that one's out-of-sample test."""

    fold: Fold
    trials: Sequence[FrozenTrial]
    best: FrozenTrial
    values: dict[str, Any]  # the chosen parameters, as the profile holds them
    chosen: AgentProfile
    initial_equity: Decimal  # of the test
    run: BacktestRun  # the test
    outcome: TrialOutcome  # the test, scored by the search's objective
    statistics: FoldStatistics
    importance: Importance


def result_document(
    optimization: Optimization,
    folds: Sequence[FoldResult],
    command: str,
    elapsed_s: float,
    trials_run: int,
    runner: str,
) -> dict[str, Any]:
    """Return the result as result.json holds it."""
    request = optimization.request
    stored = sum(len(fold.trials) for fold in folds)
    pbos = [f.statistics.pbo.probability for f in folds if f.statistics.pbo is not None]
    last = folds[-1]
    return {
        "kind": "optimization",
        "command": command,
        "seed": request.seed,
        "agent": optimization.profile.name,
        "strategy": request.strategy,
        "symbols": list(optimization.market.series),
        "interval": f"{next(iter(optimization.market.series.values())).interval_ms // 60_000}m",
        "timeframe": optimization.profile.timeframe,
        "from": iso_utc(optimization.window.start_ms),
        "to": iso_utc(optimization.window.end_ms),
        "initial_equity": str(optimization.initial_equity),
        "objective": {
            "name": str(optimization.objective),
            "drawdown_cap": _text(optimization.drawdown_cap),
            "basis": "hourly equity returns over the window, annualised ratios",
        },
        "search": {
            "trials_per_fold": request.trials,
            "batch": request.batch,
            "sampler": "optuna TPESampler, seeded per trial",
            "fold_mode": request.fold_mode,
            "folds": len(folds),
            "space": optimization.space.describe(),
            "space_source": optimization.space.source,
        },
        "folds": [_fold_document(fold, optimization.objective.value) for fold in folds],
        "out_of_sample": _joined_document(folds),
        "overfitting": {
            "pbo_mean": sum(pbos) / len(pbos) if pbos else None,
            "pbo_per_fold": [_probability(f.statistics.pbo) for f in folds],
            "dsr_per_fold": [_probability(f.statistics.dsr) for f in folds],
            "dsr_last_fold": _probability(last.statistics.dsr),
        },
        "chosen": {"fold": last.fold.index + 1, "params": plain_values(last.values)},
        "written_profile": None,
        "execution": {
            "runner": runner,
            "trials_stored": stored,
            "trials_run": trials_run,
            "elapsed_s": round(elapsed_s, 3),
            "trials_per_s": round(trials_run / elapsed_s, 3) if elapsed_s > 0 else None,
        },
    }


def _fold_document(result: FoldResult, objective: str) -> dict[str, Any]:
    fold, best, run = result.fold, result.best, result.run
    portfolio = run.account.portfolio
    points = [(point.ts_ms, point.equity) for point in portfolio.equity_curve]
    return {
        "fold": fold.index + 1,
        "train": fold.train.describe(),
        "test": fold.test.describe(),
        "best_trial": best.number,
        "params": plain_values(result.values),
        "in_sample": {
            objective: _score(best.value),
            "metrics": best.user_attrs["metrics"],
            "final_equity": best.user_attrs["final_equity"],
        },
        "out_of_sample": {
            objective: _score(result.outcome.value),
            "rejected": result.outcome.rejected,
            "metrics": result.outcome.metrics,
            "initial_equity": str(result.initial_equity),
            "final_equity": str(result.outcome.final_equity),
            "equity_curve": equity_document(points),
            "trades": [trade_document(trip) for trip in portfolio.trades],
        },
        "overfitting": result.statistics.describe(),
        "importance": result.importance.shares,
        "importance_note": result.importance.note,
        "trials": [_trial_document(trial) for trial in result.trials],
    }


def _trial_document(trial: FrozenTrial) -> dict[str, Any]:
    attributes = trial.user_attrs
    failed = trial.state is not TrialState.COMPLETE
    return {
        "number": trial.number,
        "state": "failed" if failed else "rejected" if attributes.get("rejected") else "complete",
        "value": None if failed else _score(trial.value),
        "params": attributes["values"],
        "reason": attributes.get("failure") if failed else attributes.get("rejected"),
        "metrics": attributes.get("metrics"),
        "final_equity": attributes.get("final_equity"),
    }


def _joined_document(folds: Sequence[FoldResult]) -> dict[str, Any]:
    """Return the tests joined: one curve, every trade, metrics over the whole."""
    first = folds[0]
    # Each test books its starting equity as a deposit; joined, only the first one is money
    # put in: the others are the previous test's equity carried on.
    deposited = first.initial_equity
    points = [EquityPoint(first.fold.test.start_ms, deposited, deposited)]
    trips: list[RoundTrip] = []
    trades: list[dict[str, Any]] = []
    for fold in folds:
        portfolio = fold.run.account.portfolio
        points.extend(EquityPoint(p.ts_ms, p.equity, deposited) for p in portfolio.equity_curve)
        trips.extend(portfolio.trades)
        trades.extend(
            {"fold": fold.fold.index + 1, **trade_document(trip)} for trip in portfolio.trades
        )
    final = folds[-1].outcome.final_equity
    return {
        "from": iso_utc(first.fold.test.start_ms),
        "to": iso_utc(folds[-1].fold.test.end_ms),
        "initial_equity": str(first.initial_equity),
        "final_equity": str(final),
        "metrics": metrics_document(compute_metrics(trips, points)),
        "equity_curve": equity_document((p.ts_ms, p.equity) for p in points),
        "trades": trades,
    }


def summary_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the figures the command prints, as label and value."""
    objective = result["objective"]["name"]
    joined = result["out_of_sample"]
    metrics = joined["metrics"]
    chosen = result["chosen"]["params"]
    rows = [
        ("agent", f"{result['agent']} ({result['strategy'] or 'own strategy'})"),
        ("symbols", ", ".join(result["symbols"])),
        ("period", f"{result['from']} to {result['to']}"),
        ("search", f"{result['search']['trials_per_fold']} trials a fold, "
                   f"{len(result['folds'])} {result['search']['fold_mode']} folds, "
                   f"objective {objective}, seed {result['seed']}"),
    ]  # fmt: skip
    for fold in result["folds"]:
        overfitting = fold["overfitting"]
        rows.append(
            (
                f"fold {fold['fold']}",
                f"in-sample {objective} {_shown(fold['in_sample'][objective])}, out-of-sample"
                f" {_shown(fold['out_of_sample'][objective])}; PBO"
                f" {_shown(_probability_of(overfitting['pbo']))}, DSR"
                f" {_shown(_probability_of(overfitting['dsr']))}",
            )
        )
    rows += [
        ("out of sample", f"{joined['from']} to {joined['to']}"),
        ("trades", str(metrics["total_trades"])),
        ("net profit", f"{Decimal(metrics['net_profit']):,.2f} USDT"),
        ("max drawdown", f"{Decimal(metrics['max_drawdown']):.2%}"),
        ("final equity", f"{Decimal(joined['final_equity']):,.2f} USDT"),
        ("PBO (mean of folds)", _shown(result["overfitting"]["pbo_mean"])),
        ("DSR (last fold)", _shown(result["overfitting"]["dsr_last_fold"])),
        ("chosen (last fold)", ", ".join(f"{k}={v}" for k, v in chosen.items())),
        ("trials", f"{result['execution']['trials_run']} run now, "
                   f"{result['execution']['trials_stored']} in all, "
                   f"{result['execution']['runner']}"),
        ("elapsed", f"{result['execution']['elapsed_s']} s"),
    ]  # fmt: skip
    if result["written_profile"]:
        rows.append(("profile written", result["written_profile"]))
    return rows


def _score(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _probability(figure: Any) -> float | None:
    return None if figure is None else float(figure.probability)


def _probability_of(document: dict[str, Any] | None) -> float | None:
    return None if document is None else float(document["probability"])


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
