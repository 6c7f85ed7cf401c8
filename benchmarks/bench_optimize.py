"""Optimisation trials per second: the reference strategy on a month of real 1m candles.

The same trials (Atlas with the reference strategy, BTCUSDT, 2025-05-04 to 2025-06-04, the
shipped search space's parameters drawn with a fixed seed) run in this process one at a
time and as Ray tasks on a local Ray instance with every core, in turns (`BENCH_ROUNDS`,
default 3); each figure is the median of its turns, the speed-up the median of the rounds'
ratios. Ray's start-up (the
instance, the candles put into its object store, and a first task on each worker, which
starts its process and imports the package) is timed on its own: a search pays it once,
whatever its length.

    uv run --frozen python benchmarks/bench_optimize.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import optuna

from trading_agents.backtest.objectives import Objective
from trading_agents.backtest.optimize import OptimizeRequest, prepare_optimization
from trading_agents.backtest.ray_trials import RayTrials
from trading_agents.backtest.search_space import apply_parameters
from trading_agents.backtest.trials import SerialTrials, TrialRunner, TrialTask

REPO_DIR = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRADING_AGENTS_SHARED_DIR") or REPO_DIR.parent / "shared")
DATA = SHARED / "data" / "market" / "futures_um" / "1m" / "BTCUSDT_1m_2025-05-04_2025-06-24.csv.gz"
TRIALS = int(os.environ.get("BENCH_TRIALS", "16"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # serial and Ray in turn


def tasks(out: Path) -> tuple[list[TrialTask], object]:
    """Return the benchmark's trials and the market data they run on."""
    request = OptimizeRequest(
        agent="atlas", symbols=("BTCUSDT",), data=DATA, out=out, strategy="reference",
        start="2025-05-04", end="2025-06-04", folds=1, trials=TRIALS, workers=0,
    )  # fmt: skip
    optimization = prepare_optimization(request)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
    window = optimization.window
    built = []
    for _ in range(TRIALS):
        trial = study.ask(optimization.space.distributions())
        profile = apply_parameters(optimization.profile, optimization.space.values(trial.params))
        built.append(TrialTask(profile, window, Decimal(10_000), Objective.SHARPE, None))
    return built, optimization.market


def main() -> None:
    """Print the serial and the Ray figures as JSON lines."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    built, market = tasks(Path("/tmp/bench-optimize"))
    serial = SerialTrials(market)  # type: ignore[arg-type]
    cores = os.cpu_count() or 1
    started = time.perf_counter()
    ray = RayTrials(market, None, cores)  # type: ignore[arg-type]
    # Each worker process starts and imports the package at its first task: once a search.
    list(ray.run(built[:cores]))
    startup_s = time.perf_counter() - started
    timings: dict[str, list[float]] = {"serial": [], "ray": []}
    scores: dict[str, list[float]] = {}
    try:
        # Serial and Ray take turns, who goes first swapped every round: this virtual
        # machine's speed drifts by a quarter from one minute to the next, and a ratio of two
        # figures taken minutes apart measured the drift as much as it measured Ray.
        for round_ in range(ROUNDS):
            turns: list[tuple[str, TrialRunner]] = [("serial", serial), ("ray", ray)]
            for name, runner in turns if round_ % 2 == 0 else turns[::-1]:
                began = time.perf_counter()
                values = [outcome.value for outcome in runner.run(built)]
                timings[name].append(time.perf_counter() - began)
                scores.setdefault(name, values)
    finally:
        ray.close()
    if scores["ray"] != scores["serial"]:
        raise SystemExit("the Ray trials scored differently from the serial ones")
    serial_s = statistics.median(timings["serial"])
    ray_s = statistics.median(timings["ray"])
    speedups = [s / r for s, r in zip(timings["serial"], timings["ray"], strict=True)]
    label = f"optimize_trials_reference_month ({TRIALS} trials, 44,640 candles each)"
    rows = [
        {"benchmark": f"{label} serial", "figure": round(TRIALS / serial_s, 3), "unit": "trials/s"},
        {
            "benchmark": f"{label} on Ray, {cores} cores",
            "figure": round(TRIALS / ray_s, 3),
            "unit": "trials/s",
        },
        {
            "benchmark": f"optimize_ray_speedup ({cores} cores, median of {ROUNDS} rounds)",
            "figure": round(statistics.median(speedups), 2),
            "unit": "x",
        },
        {"benchmark": "optimize_ray_startup", "figure": round(startup_s, 1), "unit": "s"},
    ]
    for row in rows:
        print(json.dumps(row))
    print("speed-ups by round:", [round(x, 2) for x in speedups], file=sys.stderr)


if __name__ == "__main__":
    main()
