"""`make install` builds .venv with the fastest Python 3.11 on PATH that can compile the build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "pick_python.py"


def _interpreter(
    folder: Path,
    *,
    seconds: float,
    version: str = "3.11.7",
    headers: bool = True,
    runs: bool = True,
) -> Path:
    """Write a stand-in `python3.11` that answers the tool's probe and times its workload."""
    folder.mkdir(parents=True)
    path = folder / "python3.11"
    facts = json.dumps(
        {
            "executable": str(path),
            "version": [int(n) for n in version.split(".")],
            "headers": headers,
        }
    )
    # The tool probes with `-I -c CODE` and times with `-I -S -c CODE`.
    workload = f"echo {seconds}" if runs else "exit 1"
    path.write_text(f'#!/bin/sh\nif [ "$2" = "-S" ]; then {workload}; else echo \'{facts}\'; fi\n')
    path.chmod(0o755)
    return path


def _pick(*folders: Path, **env: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, str(TOOL)],
        env={**os.environ, "PATH": os.pathsep.join(map(str, folders)), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip(), done.stderr


def test_a_clearly_faster_python_later_on_path_is_chosen(tmp_path: Path) -> None:
    slow = _interpreter(tmp_path / "pyenv", seconds=0.055)
    fast = _interpreter(tmp_path / "debian", seconds=0.035, version="3.11.2")

    chosen, said = _pick(slow.parent, fast.parent)

    assert chosen == str(fast)
    assert "55 ms" in said
    assert "35 ms" in said


def test_the_first_on_path_stays_when_another_is_only_a_little_faster(tmp_path: Path) -> None:
    first = _interpreter(tmp_path / "first", seconds=0.050)
    _interpreter(tmp_path / "second", seconds=0.047)

    chosen, _ = _pick(first.parent, tmp_path / "second")

    assert chosen == str(first)


def test_a_python_without_c_headers_is_passed_over_however_fast(tmp_path: Path) -> None:
    slow = _interpreter(tmp_path / "with", seconds=0.055)
    _interpreter(tmp_path / "without", seconds=0.010, headers=False)

    chosen, said = _pick(slow.parent, tmp_path / "without")

    assert chosen == str(slow)
    assert "no C headers" in said


def test_a_python_the_workload_does_not_run_on_is_passed_over(tmp_path: Path) -> None:
    _interpreter(tmp_path / "partial", seconds=0.010, runs=False)
    whole = _interpreter(tmp_path / "whole", seconds=0.055)

    chosen, said = _pick(tmp_path / "partial", whole.parent)

    assert chosen == str(whole)
    assert "did not run" in said


def test_only_python_3_11_is_considered(tmp_path: Path) -> None:
    eleven = _interpreter(tmp_path / "eleven", seconds=0.055)
    _interpreter(tmp_path / "twelve", seconds=0.010, version="3.12.1")

    chosen, _ = _pick(eleven.parent, tmp_path / "twelve")

    assert chosen == str(eleven)


def test_uv_python_chooses_when_it_is_set(tmp_path: Path) -> None:
    _interpreter(tmp_path / "fast", seconds=0.010)

    chosen, said = _pick(tmp_path / "fast", UV_PYTHON="/opt/python3.11")

    assert chosen == "/opt/python3.11"
    assert "UV_PYTHON" in said


def test_with_no_python_3_11_on_path_uv_is_left_to_find_one(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    chosen, said = _pick(tmp_path / "empty")

    assert chosen == "3.11"
    assert "uv finds" in said
