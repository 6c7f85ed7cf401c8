"""Batch backtests: several agents or symbol sets at once, in parallel on Ray.

Each run is an ordinary backtest with a folder of its own under the batch's folder
(`OUT/AGENT-SYMBOLS/result.json` and `report.html`), prepared and run inside a Ray task from
its request alone: a request is plain data, so it crosses to a worker on this machine or on
a cluster unchanged. Every request is checked before any runs; a run that fails later (its
data, say) is recorded with its message and the others go on. `OUT/batch.json` lists them all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from trading_agents.backtest.command import (
    BacktestRequest,
    BacktestRequestError,
    execute,
    parse_moment,
    prepare,
)
from trading_agents.config.profiles import agent_for_run
from trading_agents.core.errors import ConfigurationError, RunAborted

BATCH_FILE = "batch.json"


def batch_requests(
    base: BacktestRequest, agents: Sequence[str], symbol_sets: Sequence[tuple[str, ...]]
) -> list[BacktestRequest]:
    """Return one request a combination of agent and symbol set, each with its own folder."""
    if not agents:
        raise BacktestRequestError("no agent given")
    if not symbol_sets or any(not symbols for symbols in symbol_sets):
        raise BacktestRequestError("an empty symbol set: separate sets with ';', symbols with ','")
    requests = []
    for agent in dict.fromkeys(agents):
        for symbols in dict.fromkeys(symbol_sets):
            folder = base.out / f"{agent}-{'+'.join(symbols)}"
            requests.append(replace(base, agent=agent, symbols=symbols, out=folder))
    return requests


def check(request: BacktestRequest) -> None:
    """Refuse a request that cannot run, before any of the batch does."""
    agent_for_run(request.agent, request.strategy, request.symbols)
    if request.start is not None:
        parse_moment(request.start, "--from")
    if request.end is not None:
        parse_moment(request.end, "--to")
    if not request.data.exists():
        raise BacktestRequestError(f"--data {request.data} does not exist")
    if request.funding is not None and not request.funding.exists():
        raise BacktestRequestError(f"--funding {request.funding} does not exist")
    if request.brain == "llm" or request.llm_cache is not None:
        raise BacktestRequestError("a batch runs rule-brained agents; run an LLM backtest alone")


def run_one(request: BacktestRequest) -> dict[str, Any]:
    """Prepare and run one backtest; return its line of batch.json, an error as a message."""
    started = time.perf_counter()
    line: dict[str, Any] = {
        "agent": request.agent,
        "symbols": list(request.symbols),
        "folder": request.out.name,
    }
    try:
        result = asyncio.run(execute(prepare(request), request, None, started))
    except (ConfigurationError, RunAborted, ValueError, OSError) as error:
        return {**line, "error": str(error)}
    return {
        **line,
        "error": None,
        "trades_sha256": result["trades_sha256"],
        "final_equity": result["final_equity"],
        "metrics": result["metrics"],
        "gaps": len(result["gaps"]),
        "elapsed_s": result["elapsed_s"],
    }


class SerialBatch:
    """Run the backtests one after the other in this process."""

    description = "in this process, one at a time"

    def run(self, requests: Sequence[BacktestRequest]) -> Iterator[dict[str, Any]]:
        """Run each request in turn."""
        for request in requests:
            yield run_one(request)

    def close(self) -> None:
        """Hold nothing to release."""


class RayBatch:
    """Run the backtests as Ray tasks, one CPU each."""

    def __init__(self, address: str | None, workers: int | None) -> None:
        import ray

        self._ray = ray
        if address is not None:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
            self.description = f"on the Ray cluster at {address}"
        else:
            cpus = workers or os.cpu_count() or 1
            ray.init(
                num_cpus=cpus,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
            self.description = f"on a local Ray instance ({cpus} CPUs)"
        self._run = ray.remote(num_cpus=1)(run_one)

    def run(self, requests: Sequence[BacktestRequest]) -> Iterator[dict[str, Any]]:
        """Start every run at once; yield the lines in the order of the requests."""
        pending = [self._run.remote(request) for request in requests]
        for reference in pending:
            line: dict[str, Any] = self._ray.get(reference)
            yield line

    def close(self) -> None:
        """Disconnect from Ray; a local instance stops with it."""
        self._ray.shutdown()


def run_batch(
    requests: Sequence[BacktestRequest],
    runner: SerialBatch | RayBatch,
    out: Path,
    done: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every request on `runner`, write OUT/batch.json and return it."""
    started = time.perf_counter()
    lines = []
    for line in runner.run(requests):
        lines.append(line)
        if done is not None:
            done(line)
    document = {
        "runs": lines,
        "failed": sum(1 for line in lines if line["error"] is not None),
        "runner": runner.description,
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
    out.mkdir(parents=True, exist_ok=True)
    partial = out / f".{BATCH_FILE}.partial"
    partial.write_text(json.dumps(document, indent=1), encoding="utf-8")
    partial.replace(out / BATCH_FILE)
    return document
