"""Time the command line's start-up: `--help`, and a backtest before its first candle.

Each figure is the median of RUNS launches in a fresh process (default 9):
- `trading-agents --help`, the whole command;
- a backtest's start-up: a fresh interpreter importing the command line and everything the
  backtest command imports, which is what runs before the data is read (after taking the
  dataclasses' recorded code, as the command's entry does);
- the whole backtest command on one hour of the synthetic year read from a candle store
  (start-up, reading, sixty candles, result.json and report.html), the store built first
  and not timed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_backtest import REPO_DIR, store_of_the_year

RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", "9"))
COMMAND = str(Path(sys.executable).parent / "trading-agents")


def wall(arguments: list[str]) -> float:
    """Run one command to its end; return its wall seconds."""
    started = time.perf_counter()
    subprocess.run(
        arguments, cwd=REPO_DIR, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return time.perf_counter() - started


def median_wall(arguments: list[str]) -> float:
    """Return the median wall seconds of RUNS launches."""
    return statistics.median(wall(arguments) for _ in range(RUNS))


def run() -> list[dict[str, object]]:
    """Return the start-up figures in seconds."""
    # As the command's entry does: the dataclasses' recorded code first, then the imports.
    imports = (
        "from trading_agents._dataclass_code import install; install();"
        "import trading_agents.cli, trading_agents.backtest.command"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = store_of_the_year(Path(folder))
        one_hour = [
            COMMAND, "backtest", "--quiet", "--agent", "atlas", "--symbols", "BTCUSDT",
            "--strategy", "reference", "--data", str(store),
            "--from", "2023-06-01T00:00", "--to", "2023-06-01T01:00",
            "--out", str(Path(folder) / "out"),
        ]  # fmt: skip
        figures = {
            "startup_help (trading-agents --help)": median_wall([COMMAND, "--help"]),
            "startup_backtest_imports (before the data is read)": median_wall(
                [sys.executable, "-c", imports]
            ),
            "startup_backtest_one_hour_store (whole command, 60 candles)": median_wall(one_hour),
        }
    return [{"benchmark": name, "figure": round(s, 3), "unit": "s"} for name, s in figures.items()]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
