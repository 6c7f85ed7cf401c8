"""Funding files load as exact (time, rate) histories: the shared layout and Binance's dumps."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from tests.support.market_data import funding_rates, market_dir
from trading_agents.core.clock import to_ms
from trading_agents.market.feeds.files import DataError
from trading_agents.market.feeds.funding import (
    BINANCE_FUNDING_COLUMNS,
    SHARED_FUNDING_COLUMNS,
    load_funding,
    load_funding_paths,
)

Rows = list[list[str]]


def funding_dir() -> Path:
    return market_dir() / "funding"


def shared_funding_file(symbol: str = "BTCUSDT") -> Path:
    (path,) = funding_dir().glob(f"{symbol}_funding_*.csv")
    return path


def shared_rows(count: int) -> Rows:
    """Return the first `count` rows of BTCUSDT's shared funding file, without the header."""
    with shared_funding_file().open(newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return [row for _, row in zip(range(count), rows, strict=False)]


def binance_rows(rows: Rows) -> Rows:
    """Return shared funding rows as Binance's fundingRate columns."""
    return [[time_ms, "8", rate] for time_ms, _, rate, _ in rows]


def write(path: Path, header: tuple[str, ...] | None, rows: Rows) -> Path:
    """Write a funding CSV, or a zip holding one, by the name's suffix."""
    lines = ([",".join(header)] if header else []) + [",".join(row) for row in rows]
    text = "".join(f"{line}\n" for line in lines)
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(path.name.removesuffix(".zip") + ".csv", text)
    else:
        path.write_text(text)
    return path


def test_the_shared_history_loads_with_exact_decimal_rates() -> None:
    history = load_funding(shared_funding_file())

    assert len(history) == 7323
    assert history[0] == (to_ms("2019-09-10T08:00:00Z"), Decimal("0.0001"))
    assert all(isinstance(rate, Decimal) for _, rate in history)
    assert all(a < b for (a, _), (b, _) in pairwise(history))
    assert history == funding_rates("BTCUSDT")


@pytest.mark.parametrize("name", ["BTCUSDT-fundingRate-2019-09.csv", "BTCUSDT-fundingRate-x.zip"])
def test_a_binance_funding_dump_loads_the_same_rates(tmp_path: Path, name: str) -> None:
    rows = shared_rows(90)
    path = write(tmp_path / name, BINANCE_FUNDING_COLUMNS, binance_rows(rows))

    assert load_funding(path) == load_funding(shared_funding_file())[:90]


def test_microsecond_funding_times_become_milliseconds(tmp_path: Path) -> None:
    rows = [["1704067200000000", "8", "0.00010000"], ["1704096000000000", "8", "-0.00002"]]
    path = write(tmp_path / "BTCUSDT-fundingRate-2024-01.csv", BINANCE_FUNDING_COLUMNS, rows)

    assert load_funding(path) == [
        (to_ms("2024-01-01T00:00:00Z"), Decimal("0.0001")),
        (to_ms("2024-01-01T08:00:00Z"), Decimal("-0.00002")),
    ]


BAD_FILES: list[tuple[str, tuple[str, ...] | None, Rows, str]] = [
    ("empty", None, [], "empty file"),
    ("header only", SHARED_FUNDING_COLUMNS, [], "no funding rates after the header"),
    ("unknown header", ("time", "rate"), [["1", "0.1"]], r"line 1: unknown layout"),
    ("no header", None, [["1704067200000", "8", "0.0001"]], r"line 1: unknown layout"),
    ("rate", BINANCE_FUNDING_COLUMNS, [["1704067200000", "8", "0.01%"]], r"line 2: .*'0.01%'"),
    ("nan", BINANCE_FUNDING_COLUMNS, [["1704067200000", "8", "NaN"]], r"line 2: .*not a number"),
    ("time", BINANCE_FUNDING_COLUMNS, [["2024-01-01", "8", "0.0001"]], r"line 2: funding time"),
    ("micros", BINANCE_FUNDING_COLUMNS, [["1704067200000001", "8", "0"]], r"whole millisecond"),
    ("width", BINANCE_FUNDING_COLUMNS, [["1704067200000", "0.0001"]], r"line 2: 2 fields"),
    (
        "duplicate",
        BINANCE_FUNDING_COLUMNS,
        [["1704067200000", "8", "0.0001"], ["1704067200000", "8", "0.0002"]],
        r"line 3: duplicate funding time 1704067200000 \(2024-01-01T00:00:00Z\)",
    ),
    (
        "unsorted",
        BINANCE_FUNDING_COLUMNS,
        [["1704096000000", "8", "0.0001"], ["1704067200000", "8", "0.0002"]],
        r"line 3: funding time 1704067200000 .* is before the previous",
    ),
    (
        "empty line",
        BINANCE_FUNDING_COLUMNS,
        [["1704067200000", "8", "0.0001"], [], ["1704096000000", "8", "0.0001"]],
        r"line 3: empty line",
    ),
]


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [(header, rows, message) for _, header, rows, message in BAD_FILES],
    ids=[name for name, _, _, _ in BAD_FILES],
)
def test_a_bad_funding_file_is_refused_with_its_line_and_fault(
    tmp_path: Path, header: tuple[str, ...] | None, rows: Rows, message: str
) -> None:
    path = write(tmp_path / "BTCUSDT-fundingRate-2024-01.csv", header, rows)

    with pytest.raises(DataError, match=message):
        load_funding(path)


def test_a_missing_funding_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_funding(tmp_path / "BTCUSDT_funding.csv")


def test_a_folder_gives_the_symbols_that_have_funding_and_leaves_out_the_rest() -> None:
    loaded = load_funding_paths(funding_dir(), ["ETHUSDT", "SOLUSDT", "BTCUSDT"])

    assert list(loaded) == ["ETHUSDT", "BTCUSDT"]
    assert loaded["ETHUSDT"] == funding_rates("ETHUSDT")


def test_candle_files_beside_funding_files_are_not_taken_for_funding() -> None:
    loaded = load_funding_paths(market_dir(), ["BTCUSDT"])

    assert loaded["BTCUSDT"] == funding_rates("BTCUSDT")


def test_monthly_funding_dumps_join_in_time_order(tmp_path: Path) -> None:
    rows = binance_rows(shared_rows(180))
    write(tmp_path / "BTCUSDT-fundingRate-b.zip", BINANCE_FUNDING_COLUMNS, rows[:90])
    write(tmp_path / "BTCUSDT-fundingRate-a.csv", BINANCE_FUNDING_COLUMNS, rows[90:])

    loaded = load_funding_paths(tmp_path, ["BTCUSDT"])

    assert loaded == {"BTCUSDT": load_funding(shared_funding_file())[:180]}


def test_overlapping_funding_files_are_refused(tmp_path: Path) -> None:
    rows = binance_rows(shared_rows(20))
    write(tmp_path / "BTCUSDT-fundingRate-a.csv", BINANCE_FUNDING_COLUMNS, rows[:12])
    write(tmp_path / "BTCUSDT-fundingRate-b.csv", BINANCE_FUNDING_COLUMNS, rows[10:])

    with pytest.raises(
        DataError, match=r"fundingRate-a\.csv and BTCUSDT-fundingRate-b\.csv overlap"
    ):
        load_funding_paths(tmp_path, ["BTCUSDT"])


def test_a_single_funding_file_serves_only_its_own_symbol(tmp_path: Path) -> None:
    path = shared_funding_file()

    assert list(load_funding_paths(path, ["BTCUSDT", "ETHUSDT"])) == ["BTCUSDT"]
    with pytest.raises(DataError, match="holds funding of BTCUSDT, not of ETHUSDT"):
        load_funding_paths(path, ["ETHUSDT"])
    with pytest.raises(DataError, match="no such file or folder"):
        load_funding_paths(tmp_path / "nowhere", ["BTCUSDT"])
