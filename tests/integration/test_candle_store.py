"""The candle store: real Binance files converted once, read back as the files are read.

A backtest from the store is the same run as from the files (trades, metrics, funding
charged without --funding); a window with a gap is refused as the files refuse it; bad input
leaves nothing behind; a damaged store says which file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.market_data import MARKET_DIR
from trading_agents.market.feeds.files import DataError, load_candle_paths
from trading_agents.market.feeds.funding import load_funding_paths
from trading_agents.market.feeds.store import (
    describe,
    import_store,
    is_store,
    read_funding,
    verify,
)

CANDLES = MARKET_DIR / "futures_um" / "1m"
FUNDING = MARKET_DIR / "funding"
CLI = str(Path(sys.executable).parent / "trading-agents")
WINDOW = ("--from", "2025-05-04", "--to", "2025-06-25")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import every real 1m window of BTCUSDT and ETHUSDT, with their funding."""
    out = tmp_path_factory.mktemp("stores") / "real"
    import_store([CANDLES, FUNDING], out)
    return out


def test_the_store_lists_every_span_its_gaps_and_the_sources_it_was_made_from(
    store: Path,
) -> None:
    manifest = json.loads((store / "manifest.json").read_text())
    held = {row.symbol: row for row in describe(store)}

    assert set(held) == {"BTCUSDT", "ETHUSDT"}
    btc = manifest["candles"]["BTCUSDT"]
    assert (btc["interval_ms"], len(btc["gaps"])) == (60_000, 2)  # three separate windows
    assert held["BTCUSDT"].funding == manifest["funding"]["BTCUSDT"]["settlements"] > 0
    sources = {Path(source["path"]).name for source in manifest["sources"]}
    assert "BTCUSDT_1m_2025-05-04_2025-06-24.csv.gz" in sources
    assert all(len(source["sha256"]) == 64 for source in manifest["sources"])
    assert verify(store) == []


def test_a_window_reads_the_same_candles_and_funding_as_the_files(store: Path) -> None:
    window = {"start_ms": 1_746_316_800_000, "end_ms": 1_750_809_600_000}  # 05-04 to 06-25
    from_files = load_candle_paths(CANDLES, ["BTCUSDT", "ETHUSDT"], **window)
    from_store = load_candle_paths(store, ["BTCUSDT", "ETHUSDT"], **window)

    for symbol, series in from_files.items():
        stored = from_store[symbol]
        assert stored.interval_ms == series.interval_ms
        for column in ("open_ms", "open", "high", "low", "close", "volume"):
            assert np.array_equal(getattr(stored, column), getattr(series, column))
    assert load_funding_paths(store, ["BTCUSDT"]) == load_funding_paths(FUNDING, ["BTCUSDT"])


def test_funding_read_for_a_window_is_the_whole_history_within_it(store: Path) -> None:
    whole = read_funding(store, ["BTCUSDT"])["BTCUSDT"]
    start, end = whole[10][0], whole[20][0]

    assert read_funding(store, ["BTCUSDT"], start_ms=start, end_ms=end) == {
        "BTCUSDT": [(at, rate) for at, rate in whole if start <= at < end]
    }
    assert len(read_funding(store, ["BTCUSDT"], start_ms=start, end_ms=end)["BTCUSDT"]) == 10
    # A symbol with funding in the store keeps its (empty) entry: no constant rate stands in.
    assert read_funding(store, ["BTCUSDT"], start_ms=0, end_ms=1) == {"BTCUSDT": []}


def test_a_backtest_from_the_store_is_the_run_from_the_files_funding_included(
    store: Path, tmp_path: Path
) -> None:
    files = _backtest(tmp_path / "files", "--data", str(CANDLES), "--funding", str(FUNDING))
    stored = _backtest(tmp_path / "store", "--data", str(store))  # no --funding: the store's

    assert stored["trades_sha256"] == files["trades_sha256"]
    assert stored["metrics"] == files["metrics"]
    assert stored["metrics"]["funding"] != "0"  # the store's funding was charged


def test_a_window_across_a_gap_is_refused_as_the_files_refuse_it(store: Path) -> None:
    with pytest.raises(DataError, match="gap: no BTCUSDT 1m candle between"):
        load_candle_paths(store, ["BTCUSDT"])


def test_bad_input_is_refused_and_leaves_nothing_behind(store: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "BTCUSDT_1m_bad.csv").write_text("open_time_ms,what\n1,2\n")

    with pytest.raises(DataError, match="not empty"):
        import_store([CANDLES], taken)
    with pytest.raises(DataError, match="unknown layout"):
        import_store([broken], tmp_path / "new")
    with pytest.raises(DataError, match="no candle files for DOGEUSDT"):
        import_store([CANDLES], tmp_path / "new", ["DOGEUSDT"])

    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "taken"]  # no half store
    with pytest.raises(DataError, match="no XRPUSDT candles in the store"):
        load_candle_paths(store, ["XRPUSDT"])


def test_a_damaged_store_names_the_file_and_the_cli_exits_non_zero(
    store: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(store), str(copy)], check=True)
    prices = next((copy / "candles").glob("ETHUSDT_*.p.npy"))
    data = bytearray(prices.read_bytes())
    data[-1] ^= 0xFF
    prices.write_bytes(bytes(data))

    checked = subprocess.run([CLI, "data", "verify", str(copy)], capture_output=True, text=True)

    assert checked.returncode == 2
    assert prices.name in checked.stderr
    assert is_store(copy)
    refused = subprocess.run(
        [CLI, "data", "import", str(CANDLES), "--out", str(copy)], capture_output=True, text=True
    )
    assert (refused.returncode, "not empty" in refused.stderr) == (2, True)


def _backtest(out: Path, *data: str) -> Any:
    command = [CLI, "backtest", "--quiet", "--agent", "atlas", "--symbols", "BTCUSDT,ETHUSDT"]
    ran = subprocess.run(
        [*command, *data, *WINDOW, "--out", str(out)], capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return json.loads((out / "result.json").read_text())


def test_the_service_replays_a_store_as_it_replays_the_file(tmp_path: Path) -> None:
    from trading_agents.service.market import replay_source, replay_symbols

    window = CANDLES / "BTCUSDT_1m_2025-07-06_2025-07-17.csv.gz"
    one_span = tmp_path / "one-span"
    import_store([window], one_span)

    assert replay_symbols(one_span, ["BTCUSDT", "DOGEUSDT"]) == ["BTCUSDT"]
    stored = replay_source(one_span, ["BTCUSDT"], speed=1.0, keep=300)
    from_file = replay_source(window, ["BTCUSDT"], speed=1.0, keep=300)
    assert stored.history == from_file.history
    assert stored.clock.now_ms() == from_file.clock.now_ms()


def test_a_file_with_a_maintenance_gap_imports_with_the_gap_listed(tmp_path: Path) -> None:
    spot = MARKET_DIR / "spot" / "1m" / "BTCUSDT_1m_2021-09-17_2021-10-17.csv.gz"

    (held,) = import_store([spot], tmp_path / "spot")

    assert held.gaps == 1
    manifest = json.loads((tmp_path / "spot" / "manifest.json").read_text())
    assert manifest["candles"]["BTCUSDT"]["gaps"] == [[1632898740000, 1632906000000]]
