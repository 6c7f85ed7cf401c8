"""The `trading-agents` command as installed: how it starts, and the progress bar it draws
only where someone sees it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.market_data import market_dir

WINDOW = ["--from", "2025-05-06", "--to", "2025-05-07"]

# Runs the command as the installed script does, then says what it left behind.
REPORT = (
    "import atexit, gc, json, sys\n"
    "from trading_agents.__main__ import main\n"
    "atexit.register(lambda: print(json.dumps({\n"
    "    'collector_on': gc.isenabled(),\n"
    "    'frozen': gc.get_freeze_count(),\n"
    "    'progress_imported': 'rich.progress' in sys.modules,\n"
    "})))\n"
    "sys.argv = ['trading-agents', *sys.argv[1:]]\n"
    "main()\n"
)


def _run(*arguments: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    """Run the command's entry point in a fresh interpreter, its output to a pipe."""
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *arguments],
        capture_output=True, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def _backtest(out: Path) -> list[str]:
    data, funding = market_dir() / "futures_um" / "1m", market_dir() / "funding"
    return [
        "backtest", "--agent", "atlas", "--symbols", "BTCUSDT", "--data", str(data),
        "--funding", str(funding), *WINDOW, "--out", str(out),
    ]  # fmt: skip


def test_the_command_runs_as_a_module_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trading_agents", "--help"], capture_output=True, text=True
    )

    assert done.returncode == 0
    assert "backtest" in done.stdout


def test_what_the_command_imports_is_frozen_out_of_the_collectors_way() -> None:
    code, left = _run("--help")

    assert code == 0
    assert left["collector_on"] is True  # a long-running command still collects its own cycles
    assert isinstance(left["frozen"], int)
    assert left["frozen"] > 10_000  # the modules, classes and functions imported


def test_a_backtest_into_a_pipe_draws_no_progress_bar(tmp_path: Path) -> None:
    code, left = _run(*_backtest(tmp_path / "piped"))

    assert code == 0
    assert left["progress_imported"] is False
    assert (tmp_path / "piped" / "result.json").is_file()


def test_a_backtest_on_a_terminal_draws_its_progress_bar(tmp_path: Path) -> None:
    # Rich's own switch: the output takes a terminal's escape codes, as a real one does.
    code, left = _run(*_backtest(tmp_path / "shown"), env={"TTY_COMPATIBLE": "1"})

    assert code == 0
    assert left["progress_imported"] is True
    assert json.loads((tmp_path / "shown" / "result.json").read_text())["trades"]
