"""Measure what the Prometheus metrics cost: the page with 1,000 agents, and the step with them.

The desk runs 1,000 Atlas sessions, each on its own account, over one-minute steps of the
replayed real sample (as `bench_service_agents.py` does). Each step is taken with the
metrics following the event stream or without, chosen at random (seeded) so that the
quarter-hour candles and hourly marks fall on both kinds alike: with them, the step's events
are delivered to one more subscription and counted inside the step's timing. Reported: the
median step CPU seconds of each kind (a mean would go with where the few hourly steps, ten
times the others, happened to fall) and their ratio, and the median time to render
`/metrics` (every open account's series) over 20 scrapes, with the page's length in lines.
Both kinds run in one process, on the same desk: separate processes differed by more than
the cost measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

AGENTS = int(os.environ.get("BENCH_AGENTS", "1000"))
STEPS = int(os.environ.get("BENCH_STEPS", "240"))
SCRAPES = 20
WARM_UP = 10  # steps not timed: the first after a thousand starts write their journal rows


async def measure() -> list[dict[str, object]]:
    """Start the sessions, time the steps with and without metrics, then the page."""
    os.environ["MARKET_DATA"] = "replay"
    os.environ["REPLAY_SPEED"] = "100000"  # CPU is what is measured: no need to wait for candles
    folder = tempfile.mkdtemp(prefix="bench-journal-")
    os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{Path(folder) / 'journal.db'}"
    os.environ["TRADING_AGENTS_SPOOL_DIR"] = str(Path(folder) / "spool")
    from trading_agents.config.settings import Settings
    from trading_agents.engine.moments import moments
    from trading_agents.service.build import build_desk
    from trading_agents.service.probe import desk_probe
    from trading_agents.service.telemetry import Telemetry

    desk = await build_desk(Settings())
    telemetry = Telemetry(desk_probe(desk, lambda: "off"))
    choose = random.Random(7)
    cpu: dict[bool, list[float]] = {True: [], False: []}
    try:
        for index in range(AGENTS):
            await desk.start("atlas", f"account-{index}", Decimal(10_000))
        seen = 0
        async for moment in moments(desk.source.feed, desk.symbols):
            seen += 1
            if seen <= WARM_UP:
                await desk.step(moment)
                continue
            on = choose.random() < 0.5
            subscription = desk.events.subscribe(100_000) if on else None
            before = time.process_time()
            await desk.step(moment)
            if subscription is not None:
                while (event := subscription.get_nowait()) is not None:
                    telemetry.observe(event)
                subscription.close()
            cpu[on].append(time.process_time() - before)
            if len(cpu[True]) + len(cpu[False]) == STEPS:
                break
        renders = []
        page = b""
        for _ in range(SCRAPES):
            began = time.perf_counter()
            page, _type = telemetry.render()
            renders.append(time.perf_counter() - began)
    finally:
        await desk.close()
        shutil.rmtree(folder, ignore_errors=True)
    off, on_ = statistics.median(cpu[False]), statistics.median(cpu[True])
    return [
        {
            "benchmark": f"metrics_{AGENTS}_agents_step_cpu_off",
            "figure": round(off, 4),
            "unit": "s",
        },
        {"benchmark": f"metrics_{AGENTS}_agents_step_cpu_on", "figure": round(on_, 4), "unit": "s"},
        {
            "benchmark": f"metrics_{AGENTS}_agents_step_cpu_on_over_off",
            "figure": round(on_ / off, 3),
            "unit": "ratio",
        },
        {
            "benchmark": f"metrics_{AGENTS}_agents_render",
            "figure": round(statistics.median(renders) * 1000, 1),
            "unit": "ms",
        },
        {
            "benchmark": f"metrics_{AGENTS}_agents_page",
            "figure": page.count(b"\n"),
            "unit": "lines",
        },
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(json.dumps(row))
