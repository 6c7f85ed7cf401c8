"""Real data as it comes: Binance's spot candles of September 2021 miss two hours (maintenance).

A window across the gap is refused with the gap named, unless `--gaps skip`: then the run
steps over it without inventing a candle, holds what it holds, settles the funding due in the
gap at the first price after it, and lists the gap in the result.
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.support.market_data import market_dir
from trading_agents.cli import app
from trading_agents.core.clock import to_ms

GAP_FROM, GAP_TO = to_ms("2021-09-29T07:00:00Z"), to_ms("2021-09-29T09:00:00Z")
FUNDING_IN_GAP_MS = to_ms("2021-09-29T08:00:00Z")
WINDOW = ["--from", "2021-09-20", "--to", "2021-10-10"]


def _backtest(out: Path, *extra: str) -> tuple[int, str]:
    arguments = [
        "backtest", "--quiet", "--agent", "atlas", "--symbols", "BTCUSDT,ETHUSDT",
        "--data", str(market_dir() / "spot" / "1m"), "--funding", str(market_dir() / "funding"),
        *WINDOW, "--out", str(out), *extra,
    ]  # fmt: skip
    result = CliRunner().invoke(app, arguments)
    return result.exit_code, result.output


def _result(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "result.json").read_text())
    return document


def _first_open_after_gap(symbol: str) -> Decimal:
    files = sorted((market_dir() / "spot" / "1m").glob(f"{symbol}_1m_2021-09-17*.csv.gz"))
    with gzip.open(files[0], "rt") as rows:
        for row in rows:
            if row.startswith(str(GAP_TO)):
                return Decimal(row.split(",")[2])
    raise AssertionError("no candle at the end of the gap")


def _funding_rate(symbol: str, at_ms: int) -> Decimal:
    (path,) = (market_dir() / "funding").glob(f"{symbol}_funding_*.csv")
    for row in path.read_text().splitlines()[1:]:
        ts, _, rate, _ = row.split(",", 3)
        if int(ts) == at_ms:
            return Decimal(rate)
    raise AssertionError(f"no {symbol} funding at {at_ms}")


def test_a_window_across_a_gap_is_refused_with_the_gap_named(tmp_path: Path) -> None:
    code, output = _backtest(tmp_path / "run")

    assert code != 0
    assert "gap: no BTCUSDT 1m candle between 2021-09-29T06:59:00Z and 2021-09-29T09:00:00Z" in (
        " ".join(output.split())
    )
    assert "--gaps skip" in output
    assert not (tmp_path / "run").exists()


def test_an_unknown_gap_policy_is_refused(tmp_path: Path) -> None:
    code, output = _backtest(tmp_path / "run", "--gaps", "fill")

    assert code != 0
    assert "--gaps must be refuse or skip, not 'fill'" in output
    assert not (tmp_path / "run").exists()


def test_skipping_steps_over_the_gap_without_inventing_candles(tmp_path: Path) -> None:
    code, output = _backtest(tmp_path / "run", "--gaps", "skip")
    assert code == 0, output
    result = _result(tmp_path / "run")

    assert result["gaps"] == [
        {"from": "2021-09-29T07:00:00Z", "to": "2021-09-29T09:00:00Z", "missing_candles": 120}
    ]
    assert result["candles"] == 2 * (20 * 24 * 60 - 120)
    assert "gaps stepped over" in output
    page = (tmp_path / "run" / "report.html").read_text()
    assert "Gaps stepped over" in page
    assert "(120 candles)" in page
    inside = [p for p in result["equity_curve"] if GAP_FROM < p["ts_ms"] < GAP_TO]
    assert inside == []  # no mark, and no trade, in the hours without prices
    for trade in result["trades"]:
        for moment in (trade["entry_ms"], trade["exit_ms"]):
            assert not GAP_FROM < moment < GAP_TO
        assert trade["exit_reason"] in {"signal", "stop_loss", "take_profit", "liquidation"}


def test_positions_are_held_across_the_gap_and_pay_the_funding_due_in_it(tmp_path: Path) -> None:
    code, output = _backtest(tmp_path / "run", "--gaps", "skip")
    assert code == 0, output

    held = [
        trade
        for trade in _result(tmp_path / "run")["trades"]
        if trade["entry_ms"] < GAP_FROM and trade["exit_ms"] > GAP_TO
    ]

    assert held, "the window was chosen for positions open across the gap"
    for trade in held:
        symbol = trade["symbol"]
        signed = Decimal(trade["quantity"]) * (1 if trade["side"] == "long" else -1)
        # The 08:00 settlement falls in the gap: paid at the first price after it, once.
        due = -signed * _first_open_after_gap(symbol) * _funding_rate(symbol, FUNDING_IN_GAP_MS)
        assert trade["exit_ms"] < to_ms("2021-09-29T16:00:00Z")  # no other settlement held
        assert Decimal(trade["funding"]) == due.quantize(Decimal("1e-8"))
