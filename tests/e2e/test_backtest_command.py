"""`trading-agents backtest`: real files in, result.json and a report a browser draws out;
bad input exits non-zero with a message that says what is wrong, and writes nothing."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.browser import Chromium, require_chromium
from tests.support.market_data import candle_file, market_dir
from trading_agents.backtest.command import BacktestRequest, execute, prepare
from trading_agents.cli import app

WINDOW = ["--from", "2025-05-06", "--to", "2025-05-09"]
METRICS = {
    "total_trades",
    "win_rate",
    "total_profit",
    "total_loss",
    "net_profit",
    "max_drawdown",
    "sharpe",
    "sortino",
    "profit_factor",
    "fees",
    "funding",
}


def _backtest(*arguments: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["backtest", "--quiet", *map(str, arguments)])
    return result.exit_code, result.output


def _shared_run(out: Path, *extra: str) -> tuple[int, str]:
    return _backtest(
        "--agent", "atlas", "--symbols", "BTCUSDT,ETHUSDT",
        "--data", market_dir() / "futures_um" / "1m",
        "--funding", market_dir() / "funding",
        *WINDOW, "--out", out, *extra,
    )  # fmt: skip


def test_a_backtest_on_the_shared_files_writes_the_result_and_prints_a_summary(
    tmp_path: Path,
) -> None:
    code, output = _shared_run(tmp_path / "run")

    assert code == 0, output
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert set(result["metrics"]) >= METRICS
    assert {"trades", "equity_curve", "candles", "elapsed_s"} <= set(result)
    assert result["candles"] == 2 * 3 * 24 * 60
    assert (tmp_path / "run" / "report.html").is_file()
    assert "net profit" in output
    assert "trades" in output


def test_the_report_of_a_real_run_draws_its_charts_in_chromium(tmp_path: Path) -> None:
    chromium = Chromium(require_chromium(), tmp_path / "profile")
    code, output = _shared_run(tmp_path / "run", "--strategy", "reference", "--equity", "10000")
    assert code == 0, output
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["metrics"]["total_trades"] > 10

    dom = chromium.dump_dom(tmp_path / "run" / "report.html")

    assert 'data-charts-ready="true"' in dom
    for chart in ("equity", "drawdown", "price-BTCUSDT", "price-ETHUSDT"):
        assert f'data-chart="{chart}"' in dom
    assert dom.count("marker entry") >= result["metrics"]["total_trades"]


def test_a_rule_brain_backtest_runs_without_an_event_loop(tmp_path: Path) -> None:
    # The rule brain and the simulated venue answer at once: the command spares itself
    # asyncio (its imports, a loop's set-up and tear-down), and trades as in an event loop.
    script = (
        "import sys\n"
        "from trading_agents.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        "print('asyncio imported:', 'asyncio' in sys.modules)\n"
    )
    data, funding = market_dir() / "futures_um" / "1m", market_dir() / "funding"
    command = subprocess.run(
        [
            sys.executable, "-c", script, "backtest", "--quiet", "--agent", "atlas",
            "--symbols", "BTCUSDT,ETHUSDT", "--data", str(data), "--funding", str(funding),
            *WINDOW, "--out", str(tmp_path / "command"),
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    request = BacktestRequest(
        agent="atlas", symbols=("BTCUSDT", "ETHUSDT"), data=data, funding=funding,
        start=WINDOW[1], end=WINDOW[3], out=tmp_path / "in-a-loop",
    )  # fmt: skip
    in_a_loop = asyncio.run(execute(prepare(request), request, None, 0.0))

    assert command.stdout.strip().splitlines()[-1] == "asyncio imported: False"
    without_loop = json.loads((tmp_path / "command" / "result.json").read_text())
    assert without_loop["trades_sha256"] == in_a_loop["trades_sha256"]
    assert without_loop["metrics"] == in_a_loop["metrics"]
    assert in_a_loop["metrics"]["total_trades"] > 0


def _binance_rows(hours: int) -> list[list[str]]:
    """Return real BTCUSDT candles as Binance's 12-column kline rows, times in microseconds."""
    with gzip.open(candle_file("futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"), "rt") as f:
        rows = list(csv.DictReader(f))[: hours * 60]
    return [
        [
            str(int(row["open_time_ms"]) * 1000),
            row["open"], row["high"], row["low"], row["close"], row["volume"],
            str((int(row["open_time_ms"]) + 59_999) * 1000),
            "0", "0", "0", "0", "0",
        ]
        for row in rows
    ]  # fmt: skip


def _zip(path: Path, rows: list[list[str]], header: bool) -> Path:
    text = io.StringIO()
    writer = csv.writer(text)
    if header:
        writer.writerow(["open_time", "open", "high", "low", "close", "volume", "close_time",
                         "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume",
                         "ignore"])  # fmt: skip
    writer.writerows(rows)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(path.with_suffix(".csv").name, text.getvalue())
    return path


@pytest.mark.parametrize("header", [False, True], ids=["no header", "header"])
def test_a_backtest_runs_on_a_binance_kline_dump(tmp_path: Path, header: bool) -> None:
    dump = _zip(tmp_path / "BTCUSDT-1m-2025-05.zip", _binance_rows(hours=48), header)

    code, output = _backtest(
        "--agent", "nova", "--symbols", "BTCUSDT", "--data", dump, "--out", tmp_path / "run"
    )  # fmt: skip

    assert code == 0, output
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["candles"] == 48 * 60
    assert result["from"] == "2025-05-04T15:33:00Z"


def _bad(tmp_path: Path, *arguments: str | Path) -> str:
    code, output = _backtest(*arguments, "--out", tmp_path / "out")
    assert code != 0
    assert not (tmp_path / "out").exists()
    return output


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    output = _bad(
        tmp_path, "--agent", "atlas", "--symbols", "BTCUSDT", "--data", tmp_path / "no.csv"
    )

    assert "no.csv" in output
    assert "does not exist" in output


def test_an_unknown_symbol_is_named_with_the_known_ones(tmp_path: Path) -> None:
    output = _bad(tmp_path, "--agent", "atlas", "--symbols", "FOOUSDT", "--data", market_dir())

    assert "unknown symbol 'FOOUSDT'" in output
    assert "BTCUSDT" in output


def test_an_unknown_agent_is_named_with_the_known_ones(tmp_path: Path) -> None:
    output = _bad(tmp_path, "--agent", "zeus", "--symbols", "BTCUSDT", "--data", market_dir())

    assert "unknown agent 'zeus'" in output
    assert "atlas" in output


def test_from_after_to_is_refused(tmp_path: Path) -> None:
    output = _bad(
        tmp_path, "--agent", "atlas", "--symbols", "BTCUSDT", "--data", market_dir(),
        "--from", "2025-06-10", "--to", "2025-05-10",
    )  # fmt: skip

    assert "--from 2025-06-10 is not before --to 2025-05-10" in output


def test_a_gap_in_the_candles_is_refused(tmp_path: Path) -> None:
    rows = _binance_rows(hours=3)
    del rows[100]
    dump = _zip(tmp_path / "BTCUSDT-1m-2025-05.zip", rows, header=False)

    output = _bad(tmp_path, "--agent", "nova", "--symbols", "BTCUSDT", "--data", dump)

    assert "gap" in output
    assert "2025-05-04T17:12:00Z" in output


def test_an_unsorted_file_is_refused(tmp_path: Path) -> None:
    rows = _binance_rows(hours=3)
    rows[10], rows[11] = rows[11], rows[10]
    dump = _zip(tmp_path / "BTCUSDT-1m-2025-05.zip", rows, header=False)

    output = _bad(tmp_path, "--agent", "nova", "--symbols", "BTCUSDT", "--data", dump)

    assert "BTCUSDT-1m-2025-05.zip" in output
    assert "order" in output or "sorted" in output


def test_an_agent_added_as_a_file_is_listed_and_backtests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    atlas = Path(__file__).parents[2] / "src/trading_agents/config/data/agents/atlas.yaml"
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    text = atlas.read_text().replace("name: atlas", "name: vega")
    text = text.replace("timeframe: 15m", "timeframe: 5m").replace("interval: 15m", "interval: 5m")
    (profiles / "vega.yaml").write_text(text)
    monkeypatch.setenv("TRADING_AGENTS_PROFILES_DIR", str(profiles))

    listed = CliRunner().invoke(app, ["agents"])
    code, output = _backtest(
        "--agent", "vega", "--symbols", "BTCUSDT", "--data", candle_file(
            "futures_um/1m/BTCUSDT_1m_2025-07-06_2025-07-17"), "--out", tmp_path / "run",
    )  # fmt: skip

    assert listed.exit_code == 0
    assert "vega" in listed.output
    assert code == 0, output
    assert json.loads((tmp_path / "run" / "result.json").read_text())["timeframe"] == "5m"
