"""Time the whole `trading-agents backtest` command: start-up, loading, indicators, run, output.

Five runs, each the median of RUNS launches of the real command in a fresh process:
the reference strategy on the synthetic year (the side-by-side benchmark with other engines),
the reference strategy on the real BTCUSDT window, Atlas on BTCUSDT and ETHUSDT over the
real window, and the first two again from candle stores of their files (imported once, not
timed). Peak memory is the largest resident set of the command's process. Then the first two
again with the code before issue 20 (BENCH_BASELINE, taken from git), and how many times
faster the command is now.
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

REPO_DIR = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRADING_AGENTS_SHARED_DIR") or REPO_DIR.parent / "shared")
SYNTHETIC = SHARED / "data" / "synthetic"
MARKET = SHARED / "data" / "market"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

CASES = {
    "backtest_reference_year": [
        "--agent", "atlas", "--symbols", "BTCUSDT", "--strategy", "reference",
        "--data", str(SYNTHETIC / "BTCUSDT_1m_2023-01-01_2023-12-31_synthetic.csv.gz"),
        "--funding", str(SYNTHETIC / "BTCUSDT_funding_2023_synthetic.csv"),
    ],
    "backtest_reference_real_window": [
        "--agent", "atlas", "--symbols", "BTCUSDT", "--strategy", "reference",
        "--data", str(MARKET / "futures_um" / "1m" / "BTCUSDT_1m_2025-05-04_2025-06-24.csv.gz"),
        "--funding", str(MARKET / "funding"),
    ],
    "backtest_atlas_btc_eth_real_window": [
        "--agent", "atlas", "--symbols", "BTCUSDT,ETHUSDT",
        "--data", str(MARKET / "futures_um" / "1m"), "--funding", str(MARKET / "funding"),
        "--from", "2025-05-04", "--to", "2025-06-25",
    ],
}  # fmt: skip


# The code before issue 20 (a compiled hot path and a candle store), measured in the same
# run on the inputs it reads (CSV files), so that the speed-up is a ratio of one run.
# BENCH_BASELINE names another commit; empty leaves the baseline out.
BASELINE = os.environ.get("BENCH_BASELINE", "8838b5e")
BASELINE_CASES = ("backtest_reference_year", "backtest_reference_real_window")


def launch(
    arguments: list[str], out: Path, source: Path | None = None
) -> tuple[float, int, dict[str, object]]:
    """Run the command once; return wall seconds, peak resident kB and its result.

    With `source`, the package is that folder's (a baseline's source), run by this venv.
    """
    command = [str(Path(sys.executable).parent / "trading-agents"), "backtest", "--quiet"]
    env = None
    if source is not None:
        command = [sys.executable, "-c", "from trading_agents.cli import app; app()", *command[1:]]
        env = {**os.environ, "PYTHONPATH": str(source)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, *arguments, "--out", str(out)],
        cwd=REPO_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    errors = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"backtest {' '.join(arguments)} failed: {errors}")
    result = json.loads((out / "result.json").read_text())
    return wall, usage.ru_maxrss, result


REAL_WINDOW_FILES = (
    MARKET / "futures_um" / "1m" / "BTCUSDT_1m_2025-05-04_2025-06-24.csv.gz",
    MARKET / "funding" / "BTCUSDT_funding_2019-09-10_2026-05-17.csv",
)


def baseline_source(folder: Path) -> Path | None:
    """Extract the baseline commit's `src` into `folder`; None, saying why, if git cannot."""
    if not BASELINE:
        return None
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", BASELINE, "src"],
            cwd=REPO_DIR,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"no baseline {BASELINE} to measure against: {error}", file=sys.stderr)
        return None
    # The system's tar unpacks git's own archive of this repository: tarfile's extraction
    # filters (which make its extractall safe) came with Python 3.11.4, and .venv may run 3.11.2.
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def store_of_the_year(folder: Path) -> Path:
    """Import the synthetic year and its funding into a candle store (not timed)."""
    return store_of(folder / "store", (SYNTHETIC,))


def store_of(store: Path, paths: tuple[Path, ...]) -> Path:
    """Import candle and funding files into a candle store at `store` (not timed)."""
    command = [str(Path(sys.executable).parent / "trading-agents"), "data", "import"]
    subprocess.run(
        [*command, *map(str, paths), "--out", str(store)],
        cwd=REPO_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return store


def run() -> list[dict[str, object]]:
    """Return candles per second and peak memory of each case, medians of RUNS launches."""
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as stores:
        cases = dict(CASES)
        # The same runs as the first two cases, their candles and funding read from stores.
        reference = ["--agent", "atlas", "--symbols", "BTCUSDT", "--strategy", "reference"]
        cases["backtest_reference_year_store"] = [
            *reference, "--data", str(store_of_the_year(Path(stores))),
        ]  # fmt: skip
        cases["backtest_reference_real_window_store"] = [
            *reference, "--data", str(store_of(Path(stores) / "window", REAL_WINDOW_FILES)),
        ]  # fmt: skip
        rows += _cases(cases)
        source = baseline_source(Path(stores) / "baseline")
        if source is not None:
            rows += _baseline(source, rows)
    return rows


def _cases(cases: dict[str, list[str]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name, arguments in cases.items():
        rows += _measured(name, arguments)
    return rows


def _baseline(source: Path, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Measure the baseline on the CSV cases; add each case's speed-up (baseline wall / now)."""
    walls = {str(row["benchmark"]): float(row["figure"]) for row in rows}  # type: ignore[arg-type]
    added: list[dict[str, object]] = []
    for name in BASELINE_CASES:
        label = f"{name} before issue 20 ({BASELINE})"
        measured = _measured(label, CASES[name], source)
        base_wall = float(measured[1]["figure"])  # type: ignore[arg-type]
        speedup = round(base_wall / walls[f"{name} wall"], 2)
        added += [
            *measured,
            {"benchmark": f"{name} speed-up over {BASELINE}", "figure": speedup, "unit": "x"},
        ]
    return added


def _measured(
    name: str, arguments: list[str], source: Path | None = None
) -> list[dict[str, object]]:
    """Return candles/s, wall and peak memory of one case, medians of RUNS launches."""
    walls, peaks = [], []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(RUNS):
            wall, peak_kb, result = launch(arguments, Path(folder) / str(attempt), source)
            walls.append(wall)
            peaks.append(peak_kb)
    candles = int(result["candles"])  # type: ignore[call-overload]
    trades = result["metrics"]["total_trades"]  # type: ignore[index]
    wall = statistics.median(walls)
    label = f"{name} ({candles:,} candles, {trades:,} trades)"
    return [
        {"benchmark": label, "figure": round(candles / wall), "unit": "candles/s"},
        {"benchmark": f"{name} wall", "figure": round(wall, 2), "unit": "s"},
        {"benchmark": f"{name} peak memory", "figure": round(max(peaks) / 1024), "unit": "MB"},
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
