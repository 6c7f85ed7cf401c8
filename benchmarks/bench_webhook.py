"""Measure signed webhook signals accepted per second, and their latency, on loopback.

The real service process (replayed sample, SQLite journal, WEBHOOK_SECRET set) runs 100
Atlas sessions on a core of its own with its journal and inbox in memory (see
`isolated.py`), no candle closing during the run (see `bench_signal_latency.py`); an
open-loop load generator on the other cores posts signed signals (HMAC-SHA256 over the body
and a timestamp) at BENCH_RATE per second for BENCH_SECONDS, spread over the sessions, each
with its own signal id. A signal is accepted when the answer is 202 `accepted`: verified,
validated, de-duplicated and stored in the inbox (fsync'ed). The agents then decide on each;
the signals alternate hold and buy at a confidence below Atlas's minimum, so each is a full
decision through the graph that ends in a journaled HOLD (an order's fill path is what
`bench_signal_latency.py` measures). Reported: accepted per second (over the time from the
first send to the last answer), p50/p99 latency from the scheduled send time, and decided
per second (every signal decided, from the first send).
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

from trading_agents.signals.webhook import sign

RATE = int(os.environ.get("BENCH_RATE", "500"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
SESSIONS = 100
SECRET = "bench-webhook-secret"


def _request(index: int) -> tuple[bytes, dict[str, str]]:
    stamp = str(int(time.time()))
    body = json.dumps(
        {
            "agent_name": "atlas",
            "account_id": f"w-{index % SESSIONS}",
            "signal": {
                "symbol": "BTCUSDT" if index % 2 else "ETHUSDT",
                "action": "hold" if index % 4 < 2 else "buy",
                "confidence": 0.5,
                "price": 105000.0 if index % 2 else 2500.0,
                "timestamp": time.time(),
                "signal_id": f"bench-{index}",
            },
        }
    ).encode()
    headers = {
        "content-type": "application/json",
        "X-ML-Signature": sign(SECRET.encode(), body, stamp),
        "X-ML-Timestamp": stamp,
    }
    return body, headers


async def _load(client: httpx.AsyncClient) -> tuple[float, list[float]]:
    count = int(RATE * SECONDS)
    latencies: list[float] = []
    failures: list[str] = []
    begin = time.perf_counter() + 0.2

    async def send(index: int) -> None:
        due = begin + index / RATE
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        body, headers = _request(index)
        answer = await client.post("/webhooks/ml-signals", content=body, headers=headers)
        latencies.append((time.perf_counter() - due) * 1000)
        if answer.status_code != 202 or answer.json()["status"] != "accepted":
            failures.append(f"{answer.status_code} {answer.text[:200]}")

    await asyncio.gather(*(send(i) for i in range(count)))
    elapsed = time.perf_counter() - begin
    if failures:
        raise SystemExit(f"{len(failures)} webhook signals were not accepted: {failures[:3]}")
    return count / elapsed, latencies


async def measure(url: str) -> list[dict[str, object]]:
    """Start the sessions, then post the signals."""
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        for index in range(SESSIONS):
            started = await client.post(
                f"/accounts/w-{index}/agents/atlas/start", json={"initial_equity": 10000}
            )
            started.raise_for_status()
        started_at = time.perf_counter()
        rate, latencies = await _load(client)
        decided_rate = await _decided(client, started_at, int(RATE * SECONDS))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    name = f"webhook_signals_at_{RATE}_per_s"
    return [
        {"benchmark": f"{name} accepted", "figure": round(rate), "unit": "signals/s"},
        {"benchmark": f"{name} p50", "figure": round(cuts[49], 1), "unit": "ms"},
        {"benchmark": f"{name} p99", "figure": round(cuts[98], 1), "unit": "ms"},
        {"benchmark": f"{name} decided", "figure": round(decided_rate), "unit": "signals/s"},
    ]


async def _decided(client: httpx.AsyncClient, started_at: float, count: int) -> float:
    """Wait until the agents decided on every accepted signal; return decisions per second."""
    while True:
        decided = 0
        for index in range(SESSIONS):
            answer = await client.get(f"/accounts/w-{index}/agents/atlas/decisions?limit=1000")
            decided += answer.json()["count"]
        if decided >= count:
            return count / (time.perf_counter() - started_at)
        await asyncio.sleep(0.5)


def main() -> None:
    """Run the service (journal in a folder of its own), measure, then stop it."""
    with isolated_service(
        # The rate limit off: what is measured is what the service can take.
        {
            "MARKET_DATA": "replay",
            "REPLAY_SPEED": "0.001",
            "WEBHOOK_SECRET": SECRET,
            "RATE_LIMIT_PER_S": "0",
        }
    ) as service:
        for row in asyncio.run(measure(service.url)):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
