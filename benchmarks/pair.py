"""Compare two checkouts benchmark by benchmark, each script run for both in turn.

    python benchmarks/pair.py OLD_CHECKOUT NEW_CHECKOUT

Each `benchmarks/bench_*.py` of NEW (and of OLD where OLD has its own, for an API that
changed) runs for OLD, then for NEW, with that checkout's `src` first on `PYTHONPATH`; the
service benchmarks run three times, alternating which goes first, and report medians. Run
one after the other, the two sides see the same machine: on a small shared machine, two
`make bench` runs an hour apart differed by 20 % on the same code. Prints a Markdown table
with the ratio NEW / OLD.

    PAIR_ONLY=bench_backtest.py PAIR_TURNS=5 BENCH_RUNS=1 python benchmarks/pair.py OLD NEW

`PAIR_ONLY` (names, comma-separated) runs only those scripts; `PAIR_TURNS` sets how many
turns every script takes, alternating which goes first (on a machine whose speed drifts
minute to minute, many short turns compare better than one long one).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPEATED = {
    "bench_llm_overhead.py",
    "bench_service_agents.py",
    "bench_signal_latency.py",
    "bench_webhook.py",
}
Figures = dict[str, tuple[float, str]]


def _run(side: Path, script: str, harness: Path) -> Figures:
    own = side / "benchmarks" / script
    path = own if own.exists() else harness / "benchmarks" / script
    env = {**os.environ, "PYTHONPATH": f"{side / 'src'}:{side}"}
    done = subprocess.run(
        [sys.executable, str(path)], cwd=side, env=env, capture_output=True, text=True, check=True
    )
    figures: Figures = {}
    for line in done.stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and "figure" in row:
            figures[str(row.get("benchmark", script))] = (float(row["figure"]), row.get("unit", ""))
    return figures


def main(old: Path, new: Path) -> None:
    """Run every benchmark both NEW and OLD have, and print the table."""
    only = {name for name in os.environ.get("PAIR_ONLY", "").split(",") if name}
    turns = int(os.environ.get("PAIR_TURNS", "0"))
    scripts = sorted(
        p.name
        for p in (new / "benchmarks").glob("bench_*.py")
        if (old / "benchmarks" / p.name).exists() and (not only or p.name in only)
    )
    medians: dict[str, Figures] = {"old": {}, "new": {}}
    for script in scripts:
        runs: dict[str, list[Figures]] = {"old": [], "new": []}
        for attempt in range(turns or (3 if script in REPEATED else 1)):
            order = [("old", old), ("new", new)]
            for name, side in order if attempt % 2 == 0 else reversed(order):
                runs[name].append(_run(side, script, new))
        for name, figures in runs.items():
            for key, (_, unit) in figures[0].items():
                values = [f[key][0] for f in figures if key in f]
                medians[name][key] = (statistics.median(values), unit)
    print("| benchmark | old | new | unit | new / old |\n|---|---|---|---|---|")
    for key, (value, unit) in medians["new"].items():
        before = medians["old"].get(key)
        if before and before[0]:
            print(f"| {key} | {before[0]:g} | {value:g} | {unit} | {value / before[0]:.3f} |")
        elif before is None:  # measured by NEW only (a case OLD's script does not have)
            print(f"| {key} | (not measured) | {value:g} | {unit} | |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python benchmarks/pair.py OLD_CHECKOUT NEW_CHECKOUT")
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
