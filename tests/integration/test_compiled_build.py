"""The compiled hot path and the pure-Python modules give the same backtest, to the last digit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.market_data import market_dir
from trading_agents import _compiled

CLI = Path(sys.executable).parent / "trading-agents"


def _backtest(out: Path, pure: bool) -> dict[str, object]:
    env = {**os.environ, "TRADING_AGENTS_PURE": "1" if pure else "0"}
    arguments = [
        "backtest", "--quiet", "--agent", "atlas", "--symbols", "BTCUSDT,ETHUSDT",
        "--data", str(market_dir() / "futures_um" / "1m"),
        "--funding", str(market_dir() / "funding"),
        "--from", "2025-05-04", "--to", "2025-06-25", "--out", str(out),
    ]  # fmt: skip
    subprocess.run([str(CLI), *arguments], env=env, check=True, capture_output=True)
    version = subprocess.run(
        [str(CLI), "version"], env=env, check=True, capture_output=True, text=True
    ).stdout
    kernel = subprocess.run(
        [sys.executable, "-c", "import trading_agents.engine.kernel as k; print(k.__file__)"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    result: dict[str, object] = json.loads((out / "result.json").read_text())
    result.pop("elapsed_s")
    result["mode"] = version.strip().split(" (", 1)[1][:-1]  # "0.1.0 (compiled)"
    result["kernel"] = Path(kernel).suffix  # what was imported, not what the mode says
    return result


@pytest.mark.skipif(
    _compiled.MODE != "compiled", reason=f"no compiled build to compare: {_compiled.MODE}"
)
def test_the_compiled_and_the_pure_python_backtests_are_identical(tmp_path: Path) -> None:
    compiled = _backtest(tmp_path / "compiled", pure=False)
    pure = _backtest(tmp_path / "pure", pure=True)

    assert compiled.pop("mode") == "compiled"
    assert pure.pop("mode") == "pure Python (TRADING_AGENTS_PURE=1)"
    assert compiled.pop("kernel") == ".so"
    assert pure.pop("kernel") == ".py"
    assert compiled["trades_sha256"] == pure["trades_sha256"]
    assert compiled == pure
