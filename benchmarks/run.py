"""Run every benchmarks/bench_*.py and rewrite the latest-figures table in docs/BENCHMARKS.md.

Each script is run on its own with this interpreter, from the repository root, and must print
one JSON object per figure, a line each, on its standard output:

    {"benchmark": "backtest, reference strategy, 1 year of 1m", "figure": 7600.5,
     "unit": "candles/s"}

"benchmark" defaults to the script's name. Other lines of output are ignored. The table is
rewritten only when every script succeeded, so that all its figures come from one run.

The scripts that time a loaded service (REPEATED) swing by tens of percent from one pass to
the next on a small machine, the p99s most; each runs BENCH_REPEAT times (default 3) and
every figure is the median of its passes. The others already take medians inside.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_DIR / "benchmarks"
DOC = REPO_DIR / "docs" / "BENCHMARKS.md"
START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"
COLUMNS = ("benchmark", "figure", "unit", "command", "machine", "date")
REPEATED = frozenset(
    {
        "bench_llm_overhead.py",
        "bench_metrics.py",
        "bench_service_agents.py",
        "bench_signal_latency.py",
        "bench_webhook.py",
    }
)
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


class BenchError(Exception):
    """A benchmark script failed or printed no figure."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure and how it was produced."""

    benchmark: str
    figure: float | int
    unit: str
    command: str


def machine() -> str:
    """Describe this machine: CPUs available, CPU model and Python version."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 0
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " ".join(line.partition(":")[2].split())
                break
    except OSError:
        pass
    return f"{cpus} CPUs, {model}, Python {platform.python_version()}"


def parse_figures(script: Path, stdout: str) -> list[Figure]:
    """Take every JSON object line out of a script's output: one figure each."""
    objects = []
    for line in stdout.splitlines():
        text = line.strip()
        if text.startswith("{") and text.endswith("}"):
            try:
                objects.append(json.loads(text))
            except json.JSONDecodeError:
                continue
    if not objects:
        raise BenchError(f"{script.name}: printed no JSON line with a figure")
    return [_figure(script, data) for data in objects]


def _figure(script: Path, data: dict[str, object]) -> Figure:
    figure, unit = data.get("figure"), data.get("unit")
    if isinstance(figure, bool) or not isinstance(figure, int | float):
        raise BenchError(
            f"{script.name}: 'figure' must be a number, not {figure!r}; the line needs "
            f'{{"benchmark": ..., "figure": <number>, "unit": ...}} and had keys {sorted(data)}'
        )
    if not isinstance(unit, str) or not unit:
        raise BenchError(f"{script.name}: 'unit' must be a non-empty string, not {unit!r}")
    return Figure(
        benchmark=str(data.get("benchmark") or script.stem),
        figure=figure,
        unit=unit,
        command=f"uv run --frozen python benchmarks/{script.name}",
    )


def run_repeated(script: Path) -> list[Figure]:
    """Run a script REPEAT times if it is a noisy one; return each figure's median."""
    passes = REPEAT if script.name in REPEATED else 1
    runs = [run_script(script) for _ in range(max(1, passes))]
    if len(runs) == 1:
        return runs[0]
    medians = []
    for first in runs[0]:
        values = sorted(
            figure.figure for run in runs for figure in run if figure.benchmark == first.benchmark
        )
        if len(values) != len(runs):
            raise BenchError(f"{script.name}: {first.benchmark!r} is missing from a pass")
        middle = values[len(values) // 2]
        medians.append(
            Figure(first.benchmark, middle, first.unit, f"{first.command} (median of {len(runs)})")
        )
    return medians


def run_script(script: Path) -> list[Figure]:
    """Run one benchmark script and return its figures."""
    print(f"==> {script.relative_to(REPO_DIR)}", flush=True)
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO_DIR,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    sys.stdout.write(completed.stdout)
    if completed.returncode != 0:
        raise BenchError(f"{script.name} exited with status {completed.returncode}")
    return parse_figures(script, completed.stdout)


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(figures: list[Figure], machine_text: str, date: str) -> str:
    """Render the figures as a Markdown table (a note when there are none)."""
    if not figures:
        return f"_No `benchmarks/bench_*.py` scripts yet (checked {date})._"
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for f in figures:
        cells = (f.benchmark, _number(f.figure), f.unit, f"`{f.command}`", machine_text, date)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def rewrite(doc: Path, block: str) -> None:
    """Replace what lies between the bench markers in `doc` with `block`."""
    text = doc.read_text()
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        raise BenchError(f"{doc}: markers {START_MARK} ... {END_MARK} not found in that order")
    head = text[: start + len(START_MARK)]
    doc.write_text(f"{head}\n{block}\n{text[end:]}")


def main() -> int:
    """Run the benchmarks and update the document; return the exit status."""
    # Benchmarks are an entry point: reading the wall clock for the date is allowed here.
    date = datetime.now(UTC).date().isoformat()
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    figures: list[Figure] = []
    failures: list[str] = []
    for script in scripts:
        try:
            figures.extend(run_repeated(script))
        except BenchError as exc:
            failures.append(str(exc))
    if failures:
        for failure in failures:
            print(f"bench FAILED: {failure}", file=sys.stderr)
        print(f"{DOC.relative_to(REPO_DIR)} left unchanged", file=sys.stderr)
        return 1
    try:
        rewrite(DOC, table(figures, machine(), date))
    except (BenchError, OSError) as exc:
        print(f"bench FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"{len(figures)} figures written to {DOC.relative_to(REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
