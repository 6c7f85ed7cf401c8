"""Measure signal-to-fill latency through the API: signal posted, paper fill persisted.

The real service process (`trading-agents serve`, replayed sample, SQLite journal) runs on
loopback, on a core of its own with its journal in memory (see `isolated.py`); an open-loop
load generator on the other cores posts buy signals at a fixed rate, each to an Atlas
session of its own (Atlas allows 6 orders a minute, and an entry sends three). The call
returns once the decision ran, the entry filled at the latest price and the journal's
transaction committed, so its duration from the scheduled send time (late sends count
against the service) is the signal-to-persisted-fill latency. Every entry is checked to be
filled afterwards; a missing fill fails the benchmark.

No candle closes while signals are timed (the replay is paced far slower than the run): a
candle's step of every running agent landing inside a window or not moved the p99 fourfold
from one pass to the next. What a step costs 1,000 agents is `bench_service_agents.py`'s
figure; a signal arriving during one waits at most that long.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

# The service's process is started as the end-to-end tests start it; run from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.isolated import isolated_service

RUNS = ((1, 60.0), (100, 10.0))  # (signals per second, seconds)


async def _start_accounts(client: httpx.AsyncClient, accounts: list[str]) -> None:
    limit = asyncio.Semaphore(8)

    async def start(account: str) -> None:
        async with limit:
            answer = await client.post(
                f"/accounts/{account}/agents/atlas/start", json={"initial_equity": 10000}
            )
            answer.raise_for_status()

    await asyncio.gather(*(start(account) for account in accounts))


async def _load(
    client: httpx.AsyncClient, rate: int, seconds: float, accounts: list[str], price: float
) -> list[float]:
    """Post one signal per account on a fixed schedule; return each latency in ms."""
    latencies: list[float] = []
    failures: list[str] = []
    begin = time.perf_counter() + 0.2

    async def send(index: int, account: str) -> None:
        due = begin + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        body = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": price}
        answer = await client.post(f"/accounts/{account}/agents/atlas/signal", json=body)
        latencies.append((time.perf_counter() - due) * 1000)
        if answer.status_code != 200 or answer.json()["action"] != "open":
            failures.append(f"{account}: {answer.status_code} {answer.text[:200]}")

    await asyncio.gather(*(send(i, a) for i, a in enumerate(accounts[: int(rate * seconds)])))
    if failures:
        raise SystemExit(f"{len(failures)} signals did not open a position: {failures[:3]}")
    return latencies


async def _check_filled(client: httpx.AsyncClient, accounts: list[str]) -> None:
    for account in accounts:
        answer = await client.get(f"/accounts/{account}/agents/atlas/orders")
        if answer.status_code != 200:
            raise SystemExit(f"{account}: orders not read: {answer.status_code} {answer.text}")
        entries = [o for o in answer.json()["items"] if not o["reduce_only"]]
        if [o["status"] for o in entries] != ["filled"]:
            raise SystemExit(f"{account}: the entry is not filled: {entries}")


async def measure(url: str) -> list[dict[str, object]]:
    """Start the sessions, then run each rate and report p50 and p99."""
    rows: list[dict[str, object]] = []
    async with httpx.AsyncClient(
        base_url=url, timeout=30, limits=httpx.Limits(max_connections=200)
    ) as client:
        plans = {rate: [f"r{rate}-{i}" for i in range(int(rate * s))] for rate, s in RUNS}
        await _start_accounts(client, [a for accounts in plans.values() for a in accounts])
        price = 105_000.0  # the sample's level; the agent sizes and stops from its own analysis
        for rate, seconds in RUNS:
            latencies = await _load(client, rate, seconds, plans[rate], price)
            await _check_filled(client, plans[rate])
            cuts = statistics.quantiles(latencies, n=100, method="inclusive")
            for name, value in (("p50", cuts[49]), ("p99", cuts[98])):
                rows.append(
                    {
                        "benchmark": f"signal_to_persisted_fill_{name}_at_{rate}_per_s",
                        "figure": round(value, 1),
                        "unit": "ms",
                    }
                )
    return rows


def main() -> None:
    """Run the service (journal in a folder of its own), measure, then stop it."""
    with isolated_service(
        # The rate limit off: what is measured is what the service can take.
        {
            "MARKET_DATA": "replay",
            "REPLAY_SPEED": os.environ.get("BENCH_REPLAY_SPEED", "0.001"),
            "RATE_LIMIT_PER_S": "0",
        }
    ) as service:
        for row in asyncio.run(measure(service.url)):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
