"""An optimisation stopped with Ctrl-C mid-search resumes to the result of one never stopped."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.market_data import market_dir

CLI = Path(sys.executable).parent / "trading-agents"
PER_RUN = {"execution", "command"}  # where and how fast it ran, and the run folder's name


def _command(out: Path) -> list[str]:
    return [
        str(CLI), "optimize", "--quiet", "--agent", "nova", "--symbols", "BTCUSDT",
        "--data", str(market_dir() / "futures_um" / "1m"),
        "--funding", str(market_dir() / "funding"), "--from", "2025-05-06", "--to", "2025-05-09",
        "--folds", "2", "--trials", "8", "--batch", "2", "--seed", "3", "--workers", "0",
        "--out", str(out),
    ]  # fmt: skip


def _finished_trials(out: Path) -> int:
    database = out / "study.db"
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as connection:
            (count,) = connection.execute(
                "SELECT count(*) FROM trials WHERE state = 'COMPLETE'"
            ).fetchone()
    except sqlite3.OperationalError:  # the tables are not made yet, or the writer holds them
        return 0
    return int(count)


def _same_run(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "result.json").read_text())
    return {key: value for key, value in result.items() if key not in PER_RUN}


def test_a_run_interrupted_mid_search_resumes_where_it_stopped(tmp_path: Path) -> None:
    straight = tmp_path / "straight"
    subprocess.run(_command(straight), check=True, capture_output=True, timeout=300)

    stopped = tmp_path / "stopped"
    process = subprocess.Popen(
        _command(stopped), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while _finished_trials(stopped) < 3 and process.poll() is None:
        assert time.monotonic() < deadline, "no trial finished within two minutes"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)  # Ctrl-C
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert "run the same command again to resume" in stderr
    assert not (stopped / "result.json").exists()
    before = _finished_trials(stopped)
    assert 3 <= before < 16

    resumed = subprocess.run(_command(stopped), capture_output=True, text=True, timeout=300)

    assert resumed.returncode == 0, resumed.stderr
    result = json.loads((stopped / "result.json").read_text())
    assert result["execution"]["trials_run"] == 16 - before  # none of the stored ones again
    assert _same_run(stopped) == _same_run(straight)
