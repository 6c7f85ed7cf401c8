"""One trial: an agent's backtest over one window, reduced to its score and figures.

A trial is a plain function of its task and the market data, so it runs the same in this
process or in a Ray worker on another machine; only the small outcome travels back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from trading_agents.backtest.objectives import Objective, period_returns, score
from trading_agents.backtest.result import metrics_document
from trading_agents.backtest.run import Backtest, BacktestRun, BacktestSetup, run_to_end
from trading_agents.backtest.walkforward import Window
from trading_agents.config.profiles import AgentProfile
from trading_agents.market.series import CandleSeries
from trading_agents.venues.sim.config import SimVenueConfig


@dataclass(frozen=True, slots=True)
class MarketData:
    """The candles and the venue's costs every trial of a search shares."""

    series: Mapping[str, CandleSeries]  # on one grid, covering every fold's windows
    venue_config: SimVenueConfig


@dataclass(frozen=True, slots=True)
class TrialTask:
    """What one trial runs: a profile on a window, scored by an objective."""

    profile: AgentProfile
    window: Window
    initial_equity: Decimal
    objective: Objective
    drawdown_cap: Decimal | None


@dataclass(frozen=True, slots=True)
class TrialOutcome:
    """What a trial reports back: its score, its metrics and its hourly returns."""

    value: float  # minus infinity when rejected
    rejected: str | None
    metrics: dict[str, Any]  # as result.json holds them: exact decimals as strings
    final_equity: Decimal
    returns: tuple[float, ...]  # per hour of the window


class TrialRunner(Protocol):
    """Something that runs trials and gives their outcomes back in the order given."""

    description: str

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Start every task; yield the outcomes in the order of the tasks."""
        ...

    def close(self) -> None:
        """Release what the runner holds."""
        ...


def run_window(
    profile: AgentProfile, market: MarketData, window: Window, initial_equity: Decimal
) -> BacktestRun:
    """Backtest the profile on the window's candles, starting flat with `initial_equity`."""
    series = {s: c.between(window.start_ms, window.end_ms) for s, c in market.series.items()}
    backtest = Backtest(BacktestSetup(profile, series, market.venue_config, initial_equity))
    return run_to_end(backtest, backtest.run())


def outcome_of(run: BacktestRun, task: TrialTask) -> TrialOutcome:
    """Score a finished run as the task asks."""
    portfolio = run.account.portfolio
    metrics = portfolio.metrics()
    last = portfolio.equity_curve.last
    final = task.initial_equity if last is None else last.equity
    window = task.window
    returns = period_returns(
        portfolio.equity_curve, window.start_ms, window.end_ms, task.initial_equity
    )
    scored = score(
        task.objective,
        metrics,
        returns,
        task.initial_equity,
        final,
        window.end_ms - window.start_ms,
        task.drawdown_cap,
    )
    return TrialOutcome(
        scored.value, scored.rejected, metrics_document(metrics), final, tuple(returns.tolist())
    )


def evaluate_trial(task: TrialTask, market: MarketData) -> TrialOutcome:
    """Run one trial and return its outcome."""
    return outcome_of(run_window(task.profile, market, task.window, task.initial_equity), task)


class SerialTrials:
    """Run trials one after the other in this process."""

    description = "in this process, one trial at a time"

    def __init__(self, market: MarketData) -> None:
        self._market = market

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Run each task in turn."""
        for task in tasks:
            yield evaluate_trial(task, self._market)

    def close(self) -> None:
        """Hold nothing to release."""
