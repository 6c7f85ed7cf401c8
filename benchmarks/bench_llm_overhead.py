"""Measure what an LLM decision costs outside the model, and the tokens of a decision.

The service's desk runs Atlas with the LLM brain on BTCUSDT and ETHUSDT (the replayed
sample, SQLite journal) against the project's fake OpenAI server on loopback, which answers
at once. Each of BENCH_DECISIONS signals goes the whole way: validation, the gate, the
decision graph, the prompt and tools, the real ChatOpenAI client and its HTTP round trip,
parsing and validating the answer, the risk check and the journal's transaction. The answer
is a `hold` tool call (an order's fill path is measured by `bench_signal_latency.py`).
Reported: p50 and p99 of that time, and the tokens one decision sends, estimated from the
request's characters (four a token: no tokenizer can be fetched on this machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

DECISIONS = int(os.environ.get("BENCH_DECISIONS", "1000"))
# The fake OpenAI server lives with the tests; the benchmark runs from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def measure() -> list[dict[str, object]]:
    """Start the LLM agent, then time its decisions on signals."""
    from tests.support.fake_openai import FakeOpenAI
    from trading_agents.config.settings import Settings
    from trading_agents.core.clock import LiveClock
    from trading_agents.service.build import build_desk
    from trading_agents.service.signal_intake import SignalIntake

    folder = tempfile.mkdtemp(prefix="bench-llm-")
    with FakeOpenAI() as fake:
        os.environ.update(
            {
                "MARKET_DATA": "replay",
                "REPLAY_SPEED": "0.001",
                "DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'journal.db'}",
                "TRADING_AGENTS_SPOOL_DIR": str(Path(folder) / "spool"),
                "OPENAI_BASE_URL": fake.url,
                "OPENAI_API_KEY": "sk-bench",
                "LLM_SERVER": "openai",
                "LLM_MODEL": "gpt-4o-mini",
            }
        )
        desk = await build_desk(Settings())
        try:
            intake = SignalIntake(desk, LiveClock(), 300_000)
            await desk.start("atlas", "bench", Decimal(10_000), brain="llm")
            took: list[float] = []
            for index in range(DECISIONS + 20):
                payload = {
                    "symbol": "BTCUSDT" if index % 2 else "ETHUSDT",
                    "action": "buy",
                    "confidence": 0.85,
                    "price": 105000.0 if index % 2 else 2500.0,
                    "signal_id": f"bench-{index}",  # each one new: a repeat is not decided
                }
                started = time.perf_counter()
                decided = await intake.receive("atlas", "bench", payload, "api")
                if decided is None:
                    raise SystemExit(f"signal {index} was not decided: nothing to time")
                if index >= 20:  # the first decisions warm caches and the connection up
                    took.append((time.perf_counter() - started) * 1000)
        finally:
            await desk.close()
            shutil.rmtree(folder, ignore_errors=True)
        request = fake.requests[-1]
        sent = json.dumps(request["messages"]) + json.dumps(request["tools"])
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    return [
        {"benchmark": "llm_decision_overhead p50", "figure": round(cuts[49], 2), "unit": "ms"},
        {"benchmark": "llm_decision_overhead p99", "figure": round(cuts[98], 2), "unit": "ms"},
        {
            "benchmark": "llm_decision_input_tokens (two symbols, estimated)",
            "figure": round(len(sent) / 4),
            "unit": "tokens",
        },
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(json.dumps(row))
