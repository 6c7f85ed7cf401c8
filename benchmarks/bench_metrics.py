"""Measure what the Prometheus metrics cost: the page with 1,000 agents, and the step with them.

Two desks run 1,000 Atlas sessions each, on separate accounts, over the same one-minute steps
of the replayed real sample (as `bench_service_agents.py` does), each in a process of its
own: one without metrics, one with the metrics following the event stream from before the
first start, every event of a step counted inside the step's timing. Reported: the mean
step's CPU seconds of each and their ratio, and the median time to render `/metrics` (every
account's series, after the steps) over 20 scrapes, with the page's length in lines.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

AGENTS = int(os.environ.get("BENCH_AGENTS", "1000"))
STEPS = int(os.environ.get("BENCH_STEPS", "120"))
SCRAPES = 20


async def _run(with_metrics: bool) -> tuple[float, float | None, int]:
    """Return the mean step CPU, the median render seconds (with metrics) and the page's size."""
    from trading_agents.config.settings import Settings
    from trading_agents.engine.moments import moments
    from trading_agents.service.build import build_desk
    from trading_agents.service.telemetry import Telemetry, desk_readings

    folder = tempfile.mkdtemp(prefix="bench-journal-")
    os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{Path(folder) / 'journal.db'}"
    os.environ["TRADING_AGENTS_SPOOL_DIR"] = str(Path(folder) / "spool")
    desk = await build_desk(Settings())
    telemetry = Telemetry(desk_readings(desk, lambda: "off"))
    try:
        if with_metrics:
            telemetry.follow(desk.events)
        for index in range(AGENTS):
            await desk.start("atlas", f"account-{index}", Decimal(10_000))
        telemetry.drain()
        cpu: list[float] = []
        async for moment in moments(desk.source.feed, desk.symbols):
            before = time.process_time()
            await desk.step(moment)
            telemetry.drain()  # the consumer's work for the step, timed with it
            cpu.append(time.process_time() - before)
            if len(cpu) == STEPS:
                break
        renders: list[float] = []
        page = b""
        if with_metrics:
            for _ in range(SCRAPES):
                began = time.perf_counter()
                page, _ = telemetry.render()
                renders.append(time.perf_counter() - began)
        return (
            statistics.fmean(cpu),
            statistics.median(renders) if renders else None,
            page.count(b"\n"),
        )
    finally:
        await telemetry.close()
        await desk.close()
        shutil.rmtree(folder, ignore_errors=True)


def _child(mode: str) -> tuple[float, float | None, int]:
    """Run one mode in a fresh interpreter: neither desk warms or weighs on the other."""
    done = subprocess.run(
        [sys.executable, __file__, mode], check=True, capture_output=True, text=True
    )
    step_s, render_s, lines = json.loads(done.stdout.strip().splitlines()[-1])
    return step_s, render_s, lines


def measure() -> list[dict[str, object]]:
    """Run the desk without metrics, then with them."""
    off, _, _ = _child("off")
    on, render_s, lines = _child("on")
    if render_s is None:
        raise SystemExit("the run with metrics rendered no page")
    return [
        {
            "benchmark": f"metrics_{AGENTS}_agents_step_cpu_off",
            "figure": round(off, 4),
            "unit": "s",
        },
        {"benchmark": f"metrics_{AGENTS}_agents_step_cpu_on", "figure": round(on, 4), "unit": "s"},
        {
            "benchmark": f"metrics_{AGENTS}_agents_step_cpu_on_over_off",
            "figure": round(on / off, 3),
            "unit": "ratio",
        },
        {
            "benchmark": f"metrics_{AGENTS}_agents_render",
            "figure": round(render_s * 1000, 1),
            "unit": "ms",
        },
        {"benchmark": f"metrics_{AGENTS}_agents_page", "figure": lines, "unit": "lines"},
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        os.environ["MARKET_DATA"] = "replay"
        os.environ["REPLAY_SPEED"] = "100000"  # CPU is measured: no need to wait for candles
        print(json.dumps(asyncio.run(_run(with_metrics=sys.argv[1] == "on"))))
    else:
        for row in measure():
            print(json.dumps(row))
