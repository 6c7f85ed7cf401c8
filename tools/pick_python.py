"""Print the Python 3.11 that `make install` and CI build .venv with: the fastest one here.

One machine often has two: a version manager's (pyenv builds CPython with a shared libpython
and without profile-guided optimisation) and the distribution's (Debian's is statically
linked, built with PGO and LTO). The compiled hot path spends half its time in libpython,
so the interpreter alone moves a backtest by a fifth (docs/BENCHMARKS.md). Each Python 3.11
found on PATH that has its C headers (the build compiles against them) runs the same short
workload, in turns; another than the first on PATH is chosen only when it is clearly faster.
UV_PYTHON, when set, is the choice as it stands. Standard library only: this runs before
.venv exists. The reasons go to stderr, the path to stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

NAMES = ("python3.11", "python3")
ANY_3_11 = "3.11"  # a request uv resolves itself, as pyproject.toml's requires-python allows
TURNS = 3
# Another interpreter must take at most this share of the first one's time to be chosen, so
# that noise between two alike never switches .venv from one to the other.
CLEARLY_FASTER = 0.9

# What the backtest's hot path asks of the interpreter: exact decimals, dictionaries,
# attributes, calls and short-lived objects. A few hundredths of a second.
WORKLOAD = """
import time
from decimal import Decimal
class Fill:
    __slots__ = ("price", "quantity")
    def __init__(self, price, quantity):
        self.price = price
        self.quantity = quantity
def book(books, fill, key):
    books[key] = books.get(key, Decimal(0)) + fill.price * fill.quantity
started = time.perf_counter()
books = {}
step = Decimal("0.001")
for i in range(60_000):
    book(books, Fill(Decimal(i % 97) + step, step * (i % 7)), i % 31)
    str(i)
print(time.perf_counter() - started)
"""

PROBE = """
import json, os, sys, sysconfig
from pathlib import Path
print(json.dumps({
    "executable": os.path.realpath(sys.executable),
    "version": list(sys.version_info[:3]),
    "headers": (Path(sysconfig.get_paths()["include"]) / "Python.h").exists(),
}))
"""


def say(line: str) -> None:
    """Tell the person installing what was found and chosen."""
    sys.stderr.write(f"pick_python: {line}\n")


def on_path() -> list[str]:
    """Return every python3.11 and python3 on PATH, in PATH's order."""
    found: list[str] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        for name in NAMES:
            path = Path(folder or ".") / name
            if path.is_file() and os.access(path, os.X_OK):
                found.append(str(path))
    return found


def probe(command: str) -> dict[str, object] | None:
    """Return what an interpreter says of itself, or None if it does not run."""
    try:
        done = subprocess.run(
            [command, "-I", "-c", PROBE], capture_output=True, text=True, timeout=30, check=True
        )
        facts: dict[str, object] = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return facts


def candidates() -> list[str]:
    """Return the distinct Python 3.11 interpreters with C headers, the first on PATH first."""
    chosen: list[str] = []
    for command in on_path():
        facts = probe(command)
        if facts is None or facts["version"][:2] != [3, 11]:  # type: ignore[index]
            continue
        executable = str(facts["executable"])
        if executable in chosen:
            continue
        if not facts["headers"]:
            say(f"{executable}: no C headers, so nothing could be compiled for it; passed over")
            continue
        chosen.append(executable)
    return chosen


def timed(executable: str) -> float | None:
    """Return the seconds one run of the workload takes, or None if it does not run."""
    try:
        done = subprocess.run(
            [executable, "-I", "-S", "-c", WORKLOAD],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return float(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def pick() -> str:
    """Return the interpreter to build .venv with."""
    if os.environ.get("UV_PYTHON"):
        say(f"UV_PYTHON={os.environ['UV_PYTHON']} chooses")
        return os.environ["UV_PYTHON"]
    found = candidates()
    if not found:
        say("no Python 3.11 with C headers on PATH: uv finds a 3.11 as it would unasked")
        return ANY_3_11
    if len(found) == 1:
        return found[0]
    first = found[0]
    best: dict[str, float] = {}
    for _ in range(TURNS):  # in turns, so that a busy moment falls on all of them
        for executable in list(found):
            seconds = timed(executable)
            if seconds is None:  # a partial install, say: not one to build .venv on
                say(f"{executable}: the workload did not run; passed over")
                found.remove(executable)
                best.pop(executable, None)
                continue
            best[executable] = min(best.get(executable, seconds), seconds)
    if not found:
        say("the workload ran on none of them: the first on PATH, as uv would choose")
        return first
    for executable in found:
        say(f"{executable}: {best[executable] * 1000:.0f} ms on the workload (best of {TURNS})")
    fastest = min(found, key=best.__getitem__)
    if first in found and fastest != first and best[fastest] > CLEARLY_FASTER * best[first]:
        return first
    return fastest


def main() -> None:
    """Print the chosen interpreter's path."""
    chosen = pick()
    say(f"building .venv with {chosen}")
    sys.stdout.write(chosen + "\n")


if __name__ == "__main__":
    main()
