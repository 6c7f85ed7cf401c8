"""Batch backtests: several agents or symbol sets in one command, each run as it runs alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.market_data import market_dir
from trading_agents.cli import app

WINDOW = ["--from", "2025-05-10", "--to", "2025-05-13"]


def _backtest(out: Path, agents: str, symbols: str, *extra: str) -> tuple[int, str]:
    arguments = [
        "backtest", "--quiet", "--agent", agents, "--symbols", symbols,
        "--data", str(market_dir() / "futures_um" / "1m"),
        "--funding", str(market_dir() / "funding"), *WINDOW, "--out", str(out), *extra,
    ]  # fmt: skip
    result = CliRunner().invoke(app, arguments)
    return result.exit_code, result.output


def _json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def test_every_agent_runs_on_every_symbol_set_as_it_would_alone(tmp_path: Path) -> None:
    code, output = _backtest(
        tmp_path / "batch", "atlas,orion", "BTCUSDT;BTCUSDT,ETHUSDT", "--workers", "0"
    )
    assert code == 0, output
    alone_code, alone_output = _backtest(tmp_path / "alone", "orion", "BTCUSDT,ETHUSDT")
    assert alone_code == 0, alone_output

    batch = _json(tmp_path / "batch" / "batch.json")
    folders = [line["folder"] for line in batch["runs"]]
    assert folders == [
        "atlas-BTCUSDT",
        "atlas-BTCUSDT+ETHUSDT",
        "orion-BTCUSDT",
        "orion-BTCUSDT+ETHUSDT",
    ]
    assert batch["failed"] == 0
    for line in batch["runs"]:
        result = _json(tmp_path / "batch" / line["folder"] / "result.json")
        assert (tmp_path / "batch" / line["folder"] / "report.html").exists()
        assert result["agent"] == line["agent"]
        assert result["symbols"] == line["symbols"]
        assert result["trades_sha256"] == line["trades_sha256"]
    alone = _json(tmp_path / "alone" / "result.json")
    assert batch["runs"][3]["trades_sha256"] == alone["trades_sha256"]
    assert batch["runs"][3]["final_equity"] == alone["final_equity"]
    assert "orion" in output
    assert "BTCUSDT,ETHUSDT" in output


@pytest.mark.parametrize(
    ("agents", "extra", "message"),
    [
        ("atlas,zeus", [], "zeus"),
        ("atlas,orion", ["--gaps", "fill"], "--gaps must be refuse or skip"),
        ("atlas,orion", ["--equity", "0"], "the starting equity must be above zero"),
        ("atlas,orion", ["--from", "2025-05-13", "--to", "2025-05-10"], "is not before --to"),
        ("atlas,orion", ["--brain", "llm"], "a batch runs rule-brained agents"),
    ],
)
def test_a_bad_request_in_the_batch_runs_none_of_it(
    tmp_path: Path, agents: str, extra: list[str], message: str
) -> None:
    code, output = _backtest(tmp_path / "batch", agents, "BTCUSDT", "--workers", "0", *extra)

    assert code != 0
    assert message in " ".join(output.split())
    assert not (tmp_path / "batch").exists()


def test_ray_options_on_a_single_backtest_are_refused(tmp_path: Path) -> None:
    code, output = _backtest(tmp_path / "one", "atlas", "BTCUSDT", "--workers", "2")

    assert code != 0
    assert "--workers and --ray-address are for a batch" in output
    assert not (tmp_path / "one").exists()


def test_an_empty_symbol_set_is_refused(tmp_path: Path) -> None:
    code, output = _backtest(tmp_path / "batch", "atlas", "BTCUSDT;;ETHUSDT", "--workers", "0")

    assert code != 0
    assert "an empty symbol set" in output
    assert not (tmp_path / "batch").exists()


def test_a_run_that_fails_is_reported_and_the_others_finish(tmp_path: Path) -> None:
    # Orion trades SOLUSDT, but the folder holds no SOLUSDT candles: found out as it loads.
    code, output = _backtest(tmp_path / "batch", "orion", "BTCUSDT;SOLUSDT", "--workers", "0")

    assert code != 0
    assert "1 of 2 backtests failed" in output
    runs = _json(tmp_path / "batch" / "batch.json")["runs"]
    assert runs[0]["error"] is None
    assert (tmp_path / "batch" / "orion-BTCUSDT" / "result.json").exists()
    assert "no candle file for SOLUSDT" in runs[1]["error"]


def test_on_ray_the_batch_gives_the_runs_of_the_serial_batch(tmp_path: Path) -> None:
    serial_code, serial_output = _backtest(
        tmp_path / "serial", "atlas", "BTCUSDT;ETHUSDT", "--workers", "0"
    )
    assert serial_code == 0, serial_output
    code, output = _backtest(tmp_path / "ray", "atlas", "BTCUSDT;ETHUSDT", "--workers", "2")
    assert code == 0, output

    serial = _json(tmp_path / "serial" / "batch.json")
    on_ray = _json(tmp_path / "ray" / "batch.json")
    assert on_ray["runner"] == "on a local Ray instance (2 CPUs)"
    assert [line["trades_sha256"] for line in on_ray["runs"]] == [
        line["trades_sha256"] for line in serial["runs"]
    ]
