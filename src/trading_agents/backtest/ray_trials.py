"""Trials as Ray tasks: on this machine's cores, or on a Ray cluster.

The market data goes into Ray's object store once; every task gets it by reference, so a
worker on this machine maps the same memory and one on another machine fetches it once.
Outcomes are taken back in the order the tasks were given, whichever finishes first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from trading_agents.backtest.ray_pool import RayPool
from trading_agents.backtest.trials import MarketData, TrialOutcome, TrialTask, evaluate_trial


class RayTrials:
    """Run trials as Ray tasks, one CPU each."""

    def __init__(self, market: MarketData, address: str | None, workers: int | None) -> None:
        self._pool = RayPool(address, workers)
        self.description = self._pool.description
        try:
            self._market = self._pool.share(market)
        except BaseException:
            self._pool.close()
            raise

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Start every task at once; yield the outcomes in the order of the tasks."""
        return self._pool.map(evaluate_trial, tasks, self._market)

    def close(self) -> None:
        """Disconnect from Ray; a local instance stops with it."""
        self._pool.close()
