"""`trading-agents paper`: a replay of real candles trades through the kernel and prints
decisions and a summary; bad input exits non-zero with a message."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.support.market_data import candle_file
from trading_agents.cli import app

BTC = candle_file("futures_um/1m/BTCUSDT_1m_2025-07-06_2025-07-17")


def _paper(*arguments: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["paper", *map(str, arguments)])
    return result.exit_code, result.output


def test_a_replay_paper_run_prints_its_decisions_and_a_summary() -> None:
    code, output = _paper(
        "--agent", "nova", "--symbols", "BTCUSDT", "--market", "replay", "--data", BTC,
        "--minutes", "720",
    )  # fmt: skip

    assert code == 0, output
    assert "open" in output
    assert "BTCUSDT" in output
    assert "trades" in output
    assert "replay of BTCUSDT" in output


def test_a_replay_needs_data() -> None:
    code, output = _paper("--agent", "nova", "--market", "replay")

    assert code == 2
    assert "--market replay needs --data" in output


def test_an_unknown_market_is_refused() -> None:
    code, output = _paper("--agent", "nova", "--market", "bybit")

    assert code == 2
    assert "--market must be binance or replay" in output


def test_a_symbol_the_agent_does_not_trade_is_refused() -> None:
    code, output = _paper("--agent", "atlas", "--symbols", "DOGEUSDT", "--market", "replay")

    assert code == 2
    assert "atlas does not trade DOGEUSDT" in output
