"""Trials as Ray tasks: on this machine's cores, or on a Ray cluster.

The market data goes into Ray's object store once; every task gets it by reference, so a
worker on this machine maps the same memory and one on another machine fetches it once.
Outcomes are taken back in the order the tasks were given, whichever finishes first.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Sequence

import ray

from trading_agents.backtest.trials import MarketData, TrialOutcome, TrialTask, evaluate_trial

CONNECT_TIMEOUT_S = 10


class RayTrials:
    """Run trials as Ray tasks, one CPU each."""

    def __init__(self, market: MarketData, address: str | None, workers: int | None) -> None:
        if address is not None:
            _check_answers(address)
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
            # Ray leaves cluster_resources unannotated.
            resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
            cpus = int(resources.get("CPU", 0))
            self.description = f"on the Ray cluster at {address} ({cpus} CPUs)"
        else:
            cpus = workers or os.cpu_count() or 1
            ray.init(
                num_cpus=cpus,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
            self.description = f"on a local Ray instance ({cpus} CPUs)"
        self._market = ray.put(market)
        self._evaluate = ray.remote(num_cpus=1)(evaluate_trial)

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Start every task at once; yield the outcomes in the order of the tasks."""
        pending = [self._evaluate.remote(task, self._market) for task in tasks]
        for reference in pending:
            outcome: TrialOutcome = ray.get(reference)
            yield outcome

    def close(self) -> None:
        """Disconnect from Ray; a local instance stops with it."""
        ray.shutdown()


def _check_answers(address: str) -> None:
    """Raise ConnectionError unless something listens at the address (host:port)."""
    # Ray itself waits minutes for a cluster that is not there before it gives up.
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--ray-address {address!r} is not host:port")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        raise ConnectionError(
            f"--ray-address {address}: no Ray cluster answers there ({error})"
        ) from None
