"""Batch backtests: several agents or symbol sets at once, in parallel on Ray.

Each run is an ordinary backtest with a folder of its own under the batch's folder
(`OUT/AGENT-SYMBOLS/result.json` and `report.html`), prepared and run inside a Ray task from
its request alone: a request is plain data, so it crosses to a worker on this machine or on
a cluster unchanged (on a cluster, the data's path must hold the same files on every node).
The documents come back to the command, which writes them. Every request is checked before
any runs; a run that fails later (its data, say, or its worker) is recorded with its message
and the others go on. `OUT/batch.json` lists them all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from trading_agents.backtest.command import (
    BacktestRequest,
    BacktestRequestError,
    check_request,
    prepare,
    run_documents,
    write_documents,
)
from trading_agents.backtest.run import run_to_end
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
    # Absolute: a worker's working folder is not the command's.
    base = replace(
        base,
        data=base.data.resolve(),
        funding=None if base.funding is None else base.funding.resolve(),
        out=base.out.resolve(),
    )
    requests = []
    for agent in dict.fromkeys(agents):
        for symbols in dict.fromkeys(symbol_sets):
            folder = base.out / f"{agent}-{'+'.join(symbols)}"
            requests.append(replace(base, agent=agent, symbols=symbols, out=folder))
    return requests


def check(request: BacktestRequest) -> None:
    """Refuse a request that cannot run, before any of the batch does."""
    if request.brain == "llm" or request.llm_cache is not None:
        raise BacktestRequestError("a batch runs rule-brained agents; run an LLM backtest alone")
    check_request(request)


class Ran(NamedTuple):
    """A run of the batch: its line of batch.json, and its documents unless it failed."""

    line: dict[str, Any]
    result: dict[str, Any] | None
    report: str | None


def run_one(request: BacktestRequest) -> Ran:
    """Prepare and run one backtest; return its documents, or the error as a message."""
    started = time.perf_counter()
    try:
        backtest = prepare(request)
        result, report = run_to_end(backtest, run_documents(backtest, request, None, started))
    except Exception as error:  # one run's failure is its line of the batch, not the end of it
        return Ran(_line(request, f"{error}" if _expected(error) else f"{error!r}"), None, None)
    line = {
        **_line(request, None),
        "trades_sha256": result["trades_sha256"],
        "final_equity": result["final_equity"],
        "metrics": result["metrics"],
        "gaps": len(result["gaps"]),
        "elapsed_s": result["elapsed_s"],
    }
    return Ran(line, result, report)


def _expected(error: Exception) -> bool:
    return isinstance(error, ConfigurationError | RunAborted | ValueError | OSError)


def _line(request: BacktestRequest, error: str | None) -> dict[str, Any]:
    return {
        "agent": request.agent,
        "symbols": list(request.symbols),
        "folder": request.out.name,
        "error": error,
    }


class SerialBatch:
    """Run the backtests one after the other in this process."""

    description = "in this process, one at a time"

    def run(self, requests: Sequence[BacktestRequest]) -> Iterator[Ran]:
        """Run each request in turn."""
        for request in requests:
            yield run_one(request)

    def close(self) -> None:
        """Hold nothing to release."""


class RayBatch:
    """Run the backtests as Ray tasks, one CPU each."""

    def __init__(self, address: str | None, workers: int | None) -> None:
        from trading_agents.backtest.ray_pool import RayPool

        self._pool = RayPool(address, workers)
        self.description = self._pool.description

    def run(self, requests: Sequence[BacktestRequest]) -> Iterator[Ran]:
        """Start every run at once; yield them in the order of the requests."""
        return self._pool.map(run_one, requests, failed=_lost)

    def close(self) -> None:
        """Disconnect from Ray; a local instance stops with it."""
        self._pool.close()


def _lost(request: BacktestRequest, error: Exception) -> Ran:
    """Return the line of a run whose task died (its worker lost, say)."""
    return Ran(_line(request, f"{type(error).__name__}: {error}"), None, None)


def run_batch(
    requests: Sequence[BacktestRequest],
    runner: SerialBatch | RayBatch,
    out: Path,
    done: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every request on `runner`; write each run's documents here, then OUT/batch.json."""
    started = time.perf_counter()
    lines = []
    for ran in runner.run(requests):
        # Written here, by the command, whichever machine ran it.
        if ran.result is not None and ran.report is not None:
            write_documents(out / ran.line["folder"], ran.result, ran.report)
        lines.append(ran.line)
        if done is not None:
            done(ran.line)
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
