"""Measure the CPU that 1,000 paper agents on separate accounts need at a one-minute cadence.

The service's desk runs 1,000 Atlas sessions, each on its own account (its own simulated
venue, books and risk engine), on the replayed real sample, journaling to SQLite as the
embedded default does. Each one-minute step of the stream (BTCUSDT and ETHUSDT candles),
the journal's transaction included, is timed in CPU seconds over four hours of data, so that
quarter-hour candles, hourly marks and the agents' decisions are in it; a step a minute is
what live one-minute candles ask for, so the share of one core is the mean step's CPU over
60 s (the slowest step is reported too).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

AGENTS = int(os.environ.get("BENCH_AGENTS", "1000"))
STEPS = int(os.environ.get("BENCH_STEPS", "240"))


async def measure() -> list[dict[str, object]]:
    """Start the sessions, then time STEPS steps of the market stream."""
    os.environ["MARKET_DATA"] = "replay"
    os.environ["REPLAY_SPEED"] = "100000"  # CPU is what is measured: no need to wait for candles
    folder = tempfile.mkdtemp(prefix="bench-journal-")
    os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{Path(folder) / 'journal.db'}"
    os.environ["TRADING_AGENTS_SPOOL_DIR"] = str(Path(folder) / "spool")
    from trading_agents.config.settings import Settings
    from trading_agents.engine.moments import moments
    from trading_agents.service.build import build_desk

    desk = await build_desk(Settings())
    started = time.perf_counter()
    for index in range(AGENTS):
        await desk.start("atlas", f"account-{index}", Decimal(10_000))
    start_s = time.perf_counter() - started
    cpu: list[float] = []
    async for moment in moments(desk.source.feed, desk.symbols):
        before = time.process_time()
        await desk.step(moment)
        cpu.append(time.process_time() - before)
        if len(cpu) == STEPS:
            break
    await desk.close()
    shutil.rmtree(folder, ignore_errors=True)
    step_s = statistics.fmean(cpu)
    return [
        {
            "benchmark": f"service_{AGENTS}_agents_cpu_share_at_1m",
            "figure": round(step_s / 60, 4),
            "unit": "cores",
        },
        {"benchmark": f"service_{AGENTS}_agents_step_cpu", "figure": round(step_s, 3), "unit": "s"},
        {
            "benchmark": f"service_{AGENTS}_agents_slowest_step_cpu",
            "figure": round(max(cpu), 3),
            "unit": "s",
        },
        {"benchmark": f"service_{AGENTS}_agents_start", "figure": round(start_s, 1), "unit": "s"},
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(json.dumps(row))
