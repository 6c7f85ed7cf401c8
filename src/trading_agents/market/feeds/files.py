"""Candle files: the shared CSV layout and Binance's public kline dumps, loaded as columns.

Prices are parsed as float64 and come back exact through `price_decimal`: both layouts write
them as decimal strings of at most 15 significant digits, which a double round-trips.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Final

import numpy as np

from trading_agents.core.clock import INTERVALS_MS, interval_name, iso_utc
from trading_agents.core.errors import ConfigurationError
from trading_agents.market.series import CandleSeries, FloatArray, IntArray

SHARED_COLUMNS: Final = (
    "open_time_ms",
    "open_time_utc",
    *("open", "high", "low", "close", "volume"),
    "source",
)
BINANCE_COLUMNS: Final = (
    "open_time",
    *("open", "high", "low", "close", "volume"),
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
FILE_SUFFIXES: Final = (".csv", ".csv.gz", ".zip")
# Binance's spot dumps switched to microseconds in 2025; no millisecond time reaches 1e14
# before the year 5138.
MICROSECONDS_ABOVE: Final = 10**14

_FIELDS = ("open time", "open", "high", "low", "close", "volume")
_SYMBOL = re.compile(r"([A-Z0-9]+)[_-]")
_TOKEN_SEPARATORS = re.compile(r"[_.\-]")


class DataError(ConfigurationError, ValueError):
    """Market data that cannot be used; the message names the file, the line and the fault."""

    def __init__(self, path: Path, problem: str, line: int | None = None) -> None:
        where = str(path) if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def symbol_from_name(name: str) -> str | None:
    """Return the symbol a file name starts with (`BTCUSDT_1m_...`, `BTCUSDT-1m-...`), if any."""
    found = _SYMBOL.match(name)
    return found.group(1) if found else None


def interval_from_name(name: str) -> int | None:
    """Return the interval a file name states as a token such as `_1m_` or `-15m-`, if any."""
    for token in _TOKEN_SEPARATORS.split(name):
        if token in INTERVALS_MS:
            return INTERVALS_MS[token]
    return None


def has_data_suffix(path: Path) -> bool:
    """Tell whether a file is a CSV, a gzip CSV or a zip by its name."""
    return path.name.lower().endswith(FILE_SUFFIXES)


def read_data(path: Path) -> bytes:
    """Return a data file's bytes, decompressed from gzip or from a zip that holds one file."""
    if not path.exists():
        raise DataError(path, "no such file")
    if not path.is_file():
        raise DataError(path, "not a file")
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            data = _gunzip(path.read_bytes())
        elif name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = [member for member in archive.namelist() if not member.endswith("/")]
                if len(members) != 1:
                    raise DataError(
                        path, f"a zip must hold exactly one CSV file, this one holds {members}"
                    )
                data = archive.read(members[0])
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise DataError(path, f"cannot read the file: {exc}") from exc
    return data.removeprefix(codecs.BOM_UTF8)


def _gunzip(packed: bytes) -> bytes:
    """Decompress every member of a gzip stream; zlib checks each member's CRC itself."""
    parts: list[bytes] = []
    while packed:
        stream = zlib.decompressobj(wbits=31)
        parts.append(stream.decompress(packed))
        if not stream.eof:
            raise EOFError("the gzip stream is truncated")
        packed = stream.unused_data.lstrip(b"\0")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def load_candles(path: Path, symbol: str | None = None, gaps: bool = False) -> CandleSeries:
    """Load one candle file, in the shared layout or as a Binance kline dump, and check it.

    A gap (an exchange's maintenance) is refused unless `gaps`: then the caller refuses it
    only where it falls within the window it reads (`refuse_gaps`).
    """
    data = read_data(path)
    symbol = symbol or symbol_from_name(path.name)
    if symbol is None:
        raise DataError(path, "no symbol: the file name does not start with one; pass it")
    end = _end_of_text(data)
    if not end:
        raise DataError(path, "empty file")
    if data[end:].strip(b"\r\n"):
        # loadtxt skips empty last lines but not blank ones; trimming copies, so only then.
        data = data[:end]
    first_end = data.find(b"\n", 0, end)
    first = data[: first_end if first_end >= 0 else end].decode("utf-8", "replace").strip()
    header, width, usecols = _layout(path, first)
    if header and first_end < 0:
        raise DataError(path, "no candles after the header")
    if _count(data, end, b",") != (_count(data, end, b"\n") + 1) * (width - 1):
        # A row of the wrong width or an empty line (which loadtxt would skip, shifting the
        # line numbers of later messages); a quoted comma also lands here, harmlessly.
        _raise_first_bad_row(path, data[:end], header, width, usecols)
    try:
        table = np.loadtxt(
            io.BytesIO(data),
            delimiter=",",
            skiprows=int(header),
            usecols=usecols,
            dtype=np.float64,
            comments=None,
            quotechar='"',
            encoding="utf-8",
            ndmin=2,
        )
    except ValueError as exc:
        _raise_first_bad_row(path, data[:end], header, width, usecols)
        raise DataError(path, f"unreadable: {exc}") from exc
    columns = [np.ascontiguousarray(table[:, at]) for at in range(len(usecols))]
    first_line = 2 if header else 1
    open_ms = _open_ms(path, columns[0], first_line)
    prices, volume = columns[1:5], columns[5]
    interval_ms = _check(path, open_ms, prices, volume, first_line, gaps)
    open_, high, low, close = prices
    return CandleSeries(symbol, interval_ms, open_ms, open_, high, low, close, volume)


def _count(data: bytes, end: int, byte: bytes) -> int:
    """Count one byte in `data[:end]`: numpy compares all at once, three times bytes.count."""
    return int(np.count_nonzero(np.frombuffer(data, np.uint8, end) == ord(byte)))


def _end_of_text(data: bytes) -> int:
    """Return the length of `data` without trailing white space, without copying it."""
    end = len(data)
    while end and data[end - 1 : end].isspace():
        end -= 1
    return end


def _layout(path: Path, first: str) -> tuple[bool, int, tuple[int, ...]]:
    """Return whether the file has a header, its width and the columns of time and OHLCV."""
    fields = tuple(field.strip() for field in first.split(","))
    if fields == SHARED_COLUMNS:
        return True, len(SHARED_COLUMNS), (0, 2, 3, 4, 5, 6)
    if fields == BINANCE_COLUMNS:
        return True, len(BINANCE_COLUMNS), (0, 1, 2, 3, 4, 5)
    if len(fields) == len(BINANCE_COLUMNS) and fields[0].isdigit():
        return False, len(BINANCE_COLUMNS), (0, 1, 2, 3, 4, 5)
    raise DataError(
        path,
        f"unknown layout: the first line is {first[:120]!r}; expected the header "
        f"{','.join(SHARED_COLUMNS)} or Binance's 12-column klines (open_time,open,...,ignore)",
        line=1,
    )


def _raise_first_bad_row(
    path: Path, data: bytes, header: bool, width: int, usecols: tuple[int, ...]
) -> None:
    """Raise a DataError for the first row of the wrong width or with a non-number."""
    rows = csv.reader(io.StringIO(data.decode("utf-8", "replace")))
    for line, row in enumerate(rows, start=1):
        if line == 1 and header:
            continue
        if not row:
            raise DataError(path, "empty line", line=line)
        if len(row) != width:
            raise DataError(path, f"{len(row)} fields where the layout has {width}", line=line)
        for name, at in zip(_FIELDS, usecols, strict=True):
            try:
                float(row[at])
            except ValueError:
                raise DataError(path, f"{name} {row[at]!r} is not a number", line=line) from None


def _open_ms(path: Path, raw: FloatArray, first_line: int) -> IntArray:
    """Return open times in milliseconds from whole milliseconds or microseconds."""
    bad = (raw != np.floor(raw)) | (raw < 0) | (raw >= 2.0**53)
    if bad.any():
        at = int(np.argmax(bad))
        raise DataError(
            path, f"open time {float(raw[at])!r} is not a whole number", line=first_line + at
        )
    times = raw.astype(np.int64)
    micro = times > MICROSECONDS_ABOVE
    if micro.any():
        uneven = micro & (times % 1000 != 0)
        if uneven.any():
            at = int(np.argmax(uneven))
            raise DataError(
                path,
                f"open time {times[at]} in microseconds is not a whole millisecond",
                line=first_line + at,
            )
        times = np.where(micro, times // 1000, times)
    return times


def _check(
    path: Path,
    open_ms: IntArray,
    prices: list[FloatArray],
    volume: FloatArray,
    first_line: int,
    gaps: bool = False,
) -> int:
    """Check the candles and return their interval, or raise a DataError for the first fault."""
    for name, column in zip(_FIELDS[1:], [*prices, volume], strict=True):
        if not np.isfinite(column).all():
            at = int(np.argmax(~np.isfinite(column)))
            raise DataError(
                path, f"{name} {float(column[at])!r} is not a number", line=first_line + at
            )
    interval_ms = _interval(path, open_ms, first_line, gaps)
    open_, high, low, close = prices
    for name, column in zip(_FIELDS[1:5], prices, strict=True):
        if (column <= 0).any():
            at = int(np.argmax(column <= 0))
            raise DataError(
                path, f"{name} {float(column[at])!r} is not above zero", line=first_line + at
            )
    faults = [
        (low > high, "low {l} is above the high {h}"),
        (low > open_, "low {l} is above the open {o}"),
        (low > close, "low {l} is above the close {c}"),
        (high < open_, "high {h} is below the open {o}"),
        (high < close, "high {h} is below the close {c}"),
        (volume < 0, "volume {v} is below zero"),
    ]
    for mask, message in faults:
        if mask.any():
            at = int(np.argmax(mask))
            values = {"o": open_[at], "h": high[at], "l": low[at], "c": close[at], "v": volume[at]}
            text = message.format(**{key: repr(float(value)) for key, value in values.items()})
            raise DataError(path, text, line=first_line + at)
    return interval_ms


def _interval(path: Path, open_ms: IntArray, first_line: int, gaps: bool = False) -> int:
    """Return the spacing of the open times, or raise for disorder or (unless `gaps`) a gap."""
    named = interval_from_name(path.name)
    if len(open_ms) == 1:
        if named is None:
            raise DataError(
                path, f"one candle and no interval ({', '.join(INTERVALS_MS)}) in the file name"
            )
        return named
    steps = np.diff(open_ms)
    if (steps <= 0).any():
        at = int(np.argmax(steps <= 0))
        before, after = int(open_ms[at]), int(open_ms[at + 1])
        problem = (
            f"duplicate open time {after} ({iso_utc(after)})"
            if after == before
            else f"open time {after} ({iso_utc(after)}) is before the previous {before} "
            f"({iso_utc(before)}): the rows are not sorted"
        )
        raise DataError(path, problem, line=first_line + at + 1)
    interval_ms = int(steps.min())
    if named is not None and named != interval_ms:
        at = int(np.argmax(steps == interval_ms))
        raise DataError(
            path,
            f"the file name says {interval_name(named)} candles but these open "
            f"{interval_name(interval_ms)} apart",
            line=first_line + at + 1,
        )
    if not gaps and (steps != interval_ms).any():
        at = int(np.argmax(steps != interval_ms))
        before, after = int(open_ms[at]), int(open_ms[at + 1])
        raise DataError(
            path,
            f"gap: no {interval_name(interval_ms)} candle between {iso_utc(before)} and "
            f"{iso_utc(after)}",
            line=first_line + at + 1,
        )
    return interval_ms


def refuse_gaps(where: Path, series: CandleSeries, allowed: bool = False) -> CandleSeries:
    """Return the candles, or raise naming the first gap unless gaps are `allowed`."""
    if allowed:
        return series
    holes = np.flatnonzero(np.diff(series.open_ms) != series.interval_ms)
    if len(holes):
        before, after = int(series.open_ms[holes[0]]), int(series.open_ms[holes[0] + 1])
        raise DataError(
            where,
            f"gap: no {series.symbol} {interval_name(series.interval_ms)} candle between"
            f" {iso_utc(before)} and {iso_utc(after)}; choose a period (--from, --to) within"
            " one span, or step over it with --gaps skip",
        )
    return series


def load_candle_paths(
    path: Path,
    symbols: Sequence[str],
    *,
    interval_ms: int | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    gaps: bool = False,
) -> dict[str, CandleSeries]:
    """Load the candles of each symbol from a file or from the files of a folder.

    In a folder, a symbol's files are those whose names start with `SYMBOL_` or `SYMBOL-`,
    searched in subfolders too and joined in time order; within the window from `start_ms`
    to `end_ms` they must neither overlap nor leave a gap (unless `gaps`: then a gap within
    a file or between files is kept as it is), so a folder of separate windows loads once a
    window is chosen. Files of several intervals need `interval_ms` to pick one. A candle
    store (`trading-agents data import`) loads as its files would.
    """
    wanted = list(dict.fromkeys(symbols))
    if not wanted:
        raise ValueError("no symbols to load candles for")
    if not path.exists():
        raise DataError(path, "no such file or folder")
    from trading_agents.market.feeds import store  # it reads files with this module

    if store.is_store(path):
        return store.read_candles(
            path, wanted, interval_ms=interval_ms, start_ms=start_ms, end_ms=end_ms, gaps=gaps
        )
    if path.is_file():
        return {
            symbol: refuse_gaps(path, series.between(start_ms, end_ms), gaps)
            for symbol, series in _from_file(path, wanted, interval_ms).items()
        }
    files = sorted(
        file
        for file in path.rglob("*")
        if file.is_file() and has_data_suffix(file) and "funding" not in file.name.lower()
    )
    result: dict[str, CandleSeries] = {}
    for symbol in wanted:
        mine = [file for file in files if file.name.startswith((f"{symbol}_", f"{symbol}-"))]
        if not mine:
            raise DataError(
                path, f"no candle file for {symbol} (a name starting {symbol}_ or {symbol}-)"
            )
        result[symbol] = _join(path, symbol, mine, interval_ms, (start_ms, end_ms), gaps)
    return result


def _from_file(path: Path, wanted: list[str], interval_ms: int | None) -> dict[str, CandleSeries]:
    """Load a single file, which must hold the one symbol asked for."""
    symbol = symbol_from_name(path.name) or (wanted[0] if len(wanted) == 1 else None)
    if symbol not in wanted:
        raise DataError(
            path, f"the file holds {symbol or 'an unnamed symbol'}, not {', '.join(wanted)}"
        )
    missing = [other for other in wanted if other != symbol]
    if missing:
        raise DataError(path, f"no candles for {', '.join(missing)}: the file holds only {symbol}")
    series = load_candles(path, symbol, gaps=True)  # refused within the window only
    if interval_ms is not None and series.interval_ms != interval_ms:
        raise DataError(
            path,
            f"the candles are {interval_name(series.interval_ms)}, "
            f"not {interval_name(interval_ms)}",
        )
    return {symbol: series}


def _join(
    folder: Path,
    symbol: str,
    files: list[Path],
    interval_ms: int | None,
    window: tuple[int | None, int | None] = (None, None),
    gaps: bool = False,
) -> CandleSeries:
    """Load a symbol's files of one interval and join their part in the window."""
    named = {value for file in files if (value := interval_from_name(file.name)) is not None}
    if interval_ms is not None:
        files = [file for file in files if interval_from_name(file.name) in (interval_ms, None)]
    elif len(named) > 1:
        _raise_several_intervals(folder, symbol, named)
    loaded = [(file, load_candles(file, symbol, gaps=True)) for file in files]
    if interval_ms is not None:
        loaded = [(file, series) for file, series in loaded if series.interval_ms == interval_ms]
        if not loaded:
            raise DataError(folder, f"no {interval_name(interval_ms)} candle file for {symbol}")
    intervals = {series.interval_ms for _, series in loaded}
    if len(intervals) > 1:
        _raise_several_intervals(folder, symbol, intervals)
    cut = [(file, refuse_gaps(file, series.between(*window), gaps)) for file, series in loaded]
    loaded = [(file, series) for file, series in cut if len(series)] or cut[:1]
    loaded.sort(key=lambda item: int(item[1].open_ms[0]) if len(item[1]) else 0)
    for (file_a, a), (file_b, b) in pairwise(loaded):
        last, first = int(a.open_ms[-1]), int(b.open_ms[0])
        if first <= last:
            raise DataError(
                folder,
                f"{file_a.name} and {file_b.name} overlap: one runs to {iso_utc(last)}, the "
                f"other starts at {iso_utc(first)}; keep one of them",
            )
        if first != last + a.interval_ms and not gaps:
            raise DataError(
                folder,
                f"gap between {file_a.name} and {file_b.name}: no "
                f"{interval_name(a.interval_ms)} candle between {iso_utc(last)} and "
                f"{iso_utc(first)}; choose a period within one span",
            )
    return CandleSeries.joined([series for _, series in loaded])


def _raise_several_intervals(folder: Path, symbol: str, intervals: set[int]) -> None:
    names = ", ".join(interval_name(value) for value in sorted(intervals))
    raise DataError(
        folder,
        f"{symbol} has candle files of several intervals ({names}): give the path of one "
        f"interval's folder or file, or choose the interval",
    )
