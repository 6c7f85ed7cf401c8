"""Candle files load into checked series: the shared layout and Binance's kline dumps."""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.support.market_data import SHARED_DIR, candle_file, candles_from
from trading_agents.core.clock import INTERVALS_MS, MS_PER_MINUTE, parse_interval, to_ms
from trading_agents.core.errors import ConfigurationError
from trading_agents.market.feeds.files import (
    BINANCE_COLUMNS,
    SHARED_COLUMNS,
    DataError,
    load_candle_paths,
    load_candles,
)
from trading_agents.market.series import CandleSeries

BTC_1M = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"
SYNTHETIC_YEAR = SHARED_DIR / "data/synthetic/BTCUSDT_1m_2023-01-01_2023-12-31_synthetic.csv.gz"

Rows = list[list[str]]


def shared_rows(count: int, name: str = BTC_1M) -> Rows:
    """Return the first `count` rows of a shared candle file as strings, without the header."""
    with gzip.open(candle_file(name), "rt", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return [row for _, row in zip(range(count), rows, strict=False)]


def binance_rows(rows: Rows, *, microseconds: bool = False) -> Rows:
    """Return shared rows as Binance's 12 kline columns, times in ms or µs."""
    unit = 1000 if microseconds else 1
    result = []
    for open_ms, _, o, h, low, c, volume, _ in rows:
        opened = int(open_ms)
        quote = str(Decimal(volume) * Decimal(c))
        closed = (opened + MS_PER_MINUTE) * unit - 1
        taker = ["0", "0", "0"]  # taker-buy volumes and the unused last column
        result.append([str(opened * unit), o, h, low, c, volume, str(closed), quote, "7", *taker])
    return result


def write(path: Path, lines: list[str]) -> Path:
    """Write CSV lines to a .csv, a .csv.gz or a .zip (holding one CSV) by the name's suffix."""
    text = "".join(f"{line}\n" for line in lines).encode()
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text))
    elif path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(path.name.removesuffix(".zip") + ".csv", text)
    else:
        path.write_bytes(text)
    return path


def write_rows(path: Path, rows: Rows, header: tuple[str, ...] | None = SHARED_COLUMNS) -> Path:
    lines = [",".join(row) for row in rows]
    return write(path, [",".join(header), *lines] if header else lines)


def first_candles(count: int) -> CandleSeries:
    return load_candles(candle_file(BTC_1M)).rows(0, count)


def same_candles(a: CandleSeries, b: CandleSeries) -> bool:
    return (a.symbol, a.interval_ms, len(a)) == (b.symbol, b.interval_ms, len(b)) and all(
        a.candle(i) == b.candle(i) for i in range(len(a))
    )


def test_a_shared_file_loads_as_one_symbols_consecutive_candles_with_exact_prices() -> None:
    series = load_candles(candle_file(BTC_1M))

    assert (series.symbol, series.interval_ms, len(series)) == ("BTCUSDT", MS_PER_MINUTE, 73_139)
    assert [series.candle(i) for i in range(360)] == candles_from(BTC_1M, hours=6)
    assert series.candle(0).volume == Decimal("16.536")


def test_a_year_of_one_minute_candles_loads_whole() -> None:
    series = load_candles(SYNTHETIC_YEAR)

    assert len(series) == 525_600
    assert series.candle(0).open == Decimal("42000.0")
    assert series.candle(525_599).open_ms == to_ms("2023-12-31T23:59:00Z")


@pytest.mark.parametrize(
    ("name", "header", "microseconds"),
    [
        ("BTCUSDT-1m-2025-05.csv", False, False),
        ("BTCUSDT-1m-2025-05.csv", True, False),
        ("BTCUSDT-1m-2025-05.csv.gz", False, True),
        ("BTCUSDT-1m-2025-05.zip", False, False),
        ("BTCUSDT-1m-2025-05.zip", True, True),
    ],
)
def test_a_binance_kline_dump_loads_the_same_candles_as_the_shared_file(
    tmp_path: Path, name: str, header: bool, microseconds: bool
) -> None:
    rows = binance_rows(shared_rows(120), microseconds=microseconds)
    path = write_rows(tmp_path / name, rows, BINANCE_COLUMNS if header else None)

    assert same_candles(load_candles(path), first_candles(120))


def test_the_symbol_argument_names_candles_whose_file_name_has_none(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "klines.csv", shared_rows(3))

    assert load_candles(path, "ETHUSDT").symbol == "ETHUSDT"
    with pytest.raises(DataError, match="no symbol"):
        load_candles(path)


def test_a_single_candle_takes_its_interval_from_the_file_name(tmp_path: Path) -> None:
    one = shared_rows(1)

    assert load_candles(write_rows(tmp_path / "BTCUSDT_15m_x.csv", one)).interval_ms == 900_000
    assert load_candles(write_rows(tmp_path / "BTCUSDT-4h-x.csv", one)).interval_ms == 14_400_000
    with pytest.raises(DataError, match="one candle and no interval"):
        load_candles(write_rows(tmp_path / "BTCUSDT_x.csv", one))


def test_a_file_name_that_disagrees_with_the_spacing_is_refused(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "BTCUSDT_5m_x.csv", shared_rows(4))

    with pytest.raises(DataError, match="name says 5m candles but these open 1m apart"):
        load_candles(path)


def test_microsecond_times_must_be_whole_milliseconds(tmp_path: Path) -> None:
    rows = binance_rows(shared_rows(3), microseconds=True)
    rows[1][0] = str(int(rows[1][0]) + 1)

    with pytest.raises(DataError, match=r"line 2: .* in microseconds is not a whole millisecond"):
        load_candles(write_rows(tmp_path / "BTCUSDT-1m-x.csv", rows, None))


def test_a_zip_must_hold_exactly_one_file(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT-1m-2025-05.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "x")
        archive.writestr("b.csv", "y")

    with pytest.raises(DataError, match="exactly one CSV file"):
        load_candles(path)


def test_a_real_maintenance_gap_is_reported_with_its_times() -> None:
    path = candle_file("spot/1m/BTCUSDT_1m_2021-09-17_2021-10-17")

    with pytest.raises(DataError, match="2021-09-29T06:59:00Z and 2021-09-29T09:00:00Z"):
        load_candles(path)


def test_data_errors_are_fatal_value_errors_that_name_the_file_and_line(tmp_path: Path) -> None:
    rows = shared_rows(5)
    rows[2][4] = "abc"
    path = write_rows(tmp_path / "BTCUSDT_1m_x.csv", rows)

    with pytest.raises(DataError) as raised:
        load_candles(path)

    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, ConfigurationError)
    assert not raised.value.retryable
    assert (raised.value.path, raised.value.line) == (path, 4)
    assert str(raised.value) == f"{path}, line 4: low 'abc' is not a number"


def _set(row: int, column: int, value: str) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        rows[row][column] = value
        return rows

    return change


# Columns of the shared layout: 0 time, 2 open, 3 high, 4 low, 5 close, 6 volume.
BAD_ROWS: list[tuple[str, Callable[[Rows], Rows], str]] = [
    ("non-number", _set(2, 3, "x1"), r"line 4: high 'x1' is not a number"),
    ("not finite", _set(2, 5, "nan"), r"line 4: close nan is not a number"),
    ("empty field", _set(2, 6, ""), r"line 4: volume '' is not a number"),
    ("fractional time", _set(1, 0, "1746372840000.5"), r"line 3: open time .* not a whole"),
    ("short row", lambda rows: [*rows[:3], rows[3][:7], *rows[4:]], r"line 5: 7 fields .* has 8"),
    ("long row", lambda rows: [*rows[:3], [*rows[3], "x"], *rows[4:]], r"line 5: 9 fields"),
    ("empty line", lambda rows: [*rows[:2], [], *rows[2:]], r"line 4: empty line"),
    (
        "unsorted",
        lambda rows: [rows[0], rows[2], rows[1], *rows[3:]],
        r"line 4: open time 1746372840000 \(2025-05-04T15:34:00Z\) is before the previous",
    ),
    (
        "duplicate",
        lambda rows: [*rows[:2], rows[1], *rows[2:]],
        r"line 4: duplicate open time 1746372840000 \(2025-05-04T15:34:00Z\)",
    ),
    (
        "gap",
        lambda rows: [*rows[:2], *rows[3:]],
        r"line 4: gap: no 1m candle between 2025-05-04T15:34:00Z and 2025-05-04T15:36:00Z",
    ),
    ("low above high", _set(1, 4, "95600.0"), r"line 3: low 95600.0 is above the high 95502.8"),
    ("low above open", _set(3, 4, "95460.0"), r"line 5: low 95460.0 is above the open 95457.7"),
    ("low above close", _set(1, 4, "95502.0"), r"line 3: low 95502.0 is above the close 95478.1"),
    ("high below open", _set(1, 3, "95478.0"), r"line 3: high 95478.0 is below the open 95502.8"),
    ("high below close", _set(3, 3, "95460.0"), r"line 5: high 95460.0 is below the close 95467.7"),
    ("zero price", _set(3, 2, "0"), r"line 5: open 0.0 is not above zero"),
    ("negative price", _set(3, 4, "-1.5"), r"line 5: low -1.5 is not above zero"),
    ("negative volume", _set(3, 6, "-0.001"), r"line 5: volume -0.001 is below zero"),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [(change, message) for _, change, message in BAD_ROWS],
    ids=[name for name, _, _ in BAD_ROWS],
)
def test_a_bad_row_is_refused_with_its_line_and_fault(
    tmp_path: Path, change: Callable[[Rows], Rows], message: str
) -> None:
    path = write_rows(tmp_path / "BTCUSDT_1m_bad.csv.gz", change(shared_rows(8)))

    with pytest.raises(DataError, match=message):
        load_candles(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_candles(tmp_path / "BTCUSDT_1m_missing.csv.gz")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "empty file"),
        (["", "  "], "empty file"),
        ([",".join(SHARED_COLUMNS)], "no candles after the header"),
        (["time,price", "1,2"], r"line 1: unknown layout: the first line is 'time,price'"),
        (["1746372780000,95505.4,95505.5"], "unknown layout"),
    ],
)
def test_a_file_without_candles_is_refused(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write(tmp_path / "BTCUSDT_1m_x.csv.gz", lines)

    with pytest.raises(DataError, match=message):
        load_candles(path)


def test_monthly_dumps_in_a_folder_join_in_time_order(tmp_path: Path) -> None:
    rows = binance_rows(shared_rows(3000))
    # Named so that the order of the names is not the order of time.
    write_rows(tmp_path / "BTCUSDT-1m-part-c.zip", rows[:1000], None)
    write_rows(tmp_path / "BTCUSDT-1m-part-a.zip", rows[1000:2000], BINANCE_COLUMNS)
    write_rows(tmp_path / "BTCUSDT-1m-part-b.csv", rows[2000:], None)
    write_rows(tmp_path / "BTCUSDTM-1m-other.csv", rows[:5], None)
    write(tmp_path / "BTCUSDT_funding_2025.csv", ["not,a,candle,file"])

    loaded = load_candle_paths(tmp_path, ["BTCUSDT"])

    assert list(loaded) == ["BTCUSDT"]
    assert same_candles(loaded["BTCUSDT"], first_candles(3000))


def test_files_of_a_symbol_that_leave_a_gap_are_refused(tmp_path: Path) -> None:
    rows = binance_rows(shared_rows(30))
    write_rows(tmp_path / "BTCUSDT-1m-a.csv", rows[:10], None)
    write_rows(tmp_path / "BTCUSDT-1m-b.csv", rows[11:], None)

    with pytest.raises(DataError, match=r"gap between BTCUSDT-1m-a\.csv and BTCUSDT-1m-b\.csv"):
        load_candle_paths(tmp_path, ["BTCUSDT"])


def test_files_of_a_symbol_that_overlap_are_refused(tmp_path: Path) -> None:
    rows = binance_rows(shared_rows(30))
    write_rows(tmp_path / "BTCUSDT-1m-a.csv", rows[:10], None)
    write_rows(tmp_path / "BTCUSDT-1m-b.csv", rows[9:], None)

    with pytest.raises(DataError, match=r"BTCUSDT-1m-a\.csv and BTCUSDT-1m-b\.csv overlap"):
        load_candle_paths(tmp_path, ["BTCUSDT"])


def test_the_shared_one_minute_folder_has_gaps_between_a_symbols_files() -> None:
    folder = candle_file(BTC_1M).parent

    with pytest.raises(DataError, match=r"gap between BTCUSDT_1m_2023-07-18.* and BTCUSDT_1m_2025"):
        load_candle_paths(folder, ["BTCUSDT"])


def test_a_folder_of_several_intervals_needs_one_chosen() -> None:
    futures = candle_file(BTC_1M).parents[1]

    with pytest.raises(DataError, match=r"BTCUSDT has candle files of several intervals \(1m, 5m"):
        load_candle_paths(futures, ["BTCUSDT"])
    loaded = load_candle_paths(futures, ["BTCUSDT"], interval_ms=parse_interval("15m"))
    expected = load_candles(candle_file("futures_um/15m/BTCUSDT_15m_2025-08-17_2026-05-17"))
    assert np.array_equal(loaded["BTCUSDT"].open_ms, expected.open_ms)
    assert np.array_equal(loaded["BTCUSDT"].close, expected.close)


def test_a_folder_gives_each_symbol_asked_for_in_that_order() -> None:
    folder = candle_file("futures_um/15m/BTCUSDT_15m_2025-08-17_2026-05-17").parent

    loaded = load_candle_paths(folder, ["ETHUSDT", "BTCUSDT"])

    assert list(loaded) == ["ETHUSDT", "BTCUSDT"]
    assert {series.symbol for series in loaded.values()} == {"ETHUSDT", "BTCUSDT"}
    assert len(loaded["ETHUSDT"]) == len(loaded["BTCUSDT"]) == 26_244


def test_a_symbol_without_a_file_in_the_folder_is_refused(tmp_path: Path) -> None:
    write_rows(tmp_path / "BTCUSDT_1m_x.csv", shared_rows(3))

    with pytest.raises(DataError, match=re.escape(f"{tmp_path}: no candle file for SOLUSDT")):
        load_candle_paths(tmp_path, ["BTCUSDT", "SOLUSDT"])


def test_a_single_file_serves_only_its_own_symbol(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "BTCUSDT_1m_x.csv", shared_rows(3))

    assert len(load_candle_paths(path, ["BTCUSDT"])["BTCUSDT"]) == 3
    with pytest.raises(DataError, match="holds BTCUSDT, not ETHUSDT"):
        load_candle_paths(path, ["ETHUSDT"])
    with pytest.raises(DataError, match="no candles for ETHUSDT: the file holds only BTCUSDT"):
        load_candle_paths(path, ["BTCUSDT", "ETHUSDT"])
    with pytest.raises(DataError, match="the candles are 1m, not 5m"):
        load_candle_paths(path, ["BTCUSDT"], interval_ms=INTERVALS_MS["5m"])
    with pytest.raises(DataError, match="no such file or folder"):
        load_candle_paths(tmp_path / "nowhere", ["BTCUSDT"])


def test_intervals_are_named_like_binances() -> None:
    assert parse_interval("1m") == MS_PER_MINUTE
    assert parse_interval("4h") == 4 * 60 * MS_PER_MINUTE
    assert parse_interval("1d") == 24 * 60 * MS_PER_MINUTE
    with pytest.raises(ValueError, match="unknown interval '2w'; choose one of 1m, 3m"):
        parse_interval("2w")


def test_loaded_floats_print_back_as_the_file_decimals() -> None:
    rows = shared_rows(500)
    series = first_candles(500)

    for index, row in enumerate(rows):
        candle = series.candle(index)
        decimals = (candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert decimals == tuple(Decimal(field) for field in row[2:7])


def test_utf8_text_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    buffer = io.StringIO()
    buffer.write("\ufeff" + ",".join(SHARED_COLUMNS) + "\r\n")
    buffer.writelines(",".join(row) + "\r\n" for row in shared_rows(3))
    path = tmp_path / "BTCUSDT_1m_bom.csv"
    path.write_bytes(buffer.getvalue().encode())

    assert same_candles(load_candles(path), first_candles(3))


def test_a_quoted_source_with_commas_and_blank_last_lines_still_load(tmp_path: Path) -> None:
    rows = shared_rows(3)
    lines = [",".join([*row[:7], '"repo, with a comma"']) for row in rows]
    path = write(tmp_path / "BTCUSDT_1m_x.csv", [",".join(SHARED_COLUMNS), *lines, "  ", ""])

    assert same_candles(load_candles(path), first_candles(3))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("BTCUSDT_1m_x.csv.gz", b"not gzip", "cannot read the file"),
        ("BTCUSDT_1m_x.csv.gz", gzip.compress(b"open_time_ms,x\n" * 50)[:-12], "truncated"),
        ("BTCUSDT_1m_x.zip", b"not a zip", "cannot read the file: File is not a zip file"),
    ],
)
def test_a_damaged_archive_is_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(DataError, match=message):
        load_candles(path)


def test_a_window_after_a_file_s_maintenance_gap_loads_and_one_across_it_is_refused() -> None:
    path = candle_file("spot/1m/BTCUSDT_1m_2021-09-17_2021-10-17")
    after = to_ms("2021-09-29T09:00:00Z")

    series = load_candle_paths(path, ["BTCUSDT"], start_ms=after)["BTCUSDT"]

    assert int(series.open_ms[0]) == after
    assert len(series) > 10_000
    with pytest.raises(DataError, match="gap: no BTCUSDT 1m candle between 2021-09-29T06:59"):
        load_candle_paths(path, ["BTCUSDT"], end_ms=after + 60_000)
