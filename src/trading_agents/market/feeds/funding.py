"""Funding-rate files: the shared CSV layout and Binance's public fundingRate dumps."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Final

from trading_agents.core.clock import iso_utc
from trading_agents.market.feeds.files import (
    MICROSECONDS_ABOVE,
    DataError,
    has_data_suffix,
    read_data,
    symbol_from_name,
)

SHARED_FUNDING_COLUMNS: Final = ("funding_time_ms", "funding_time_utc", "funding_rate", "source")
BINANCE_FUNDING_COLUMNS: Final = ("calc_time", "funding_interval_hours", "last_funding_rate")
# The columns of the time and of the rate in each known layout, by header.
_LAYOUTS: Final = {SHARED_FUNDING_COLUMNS: (0, 2), BINANCE_FUNDING_COLUMNS: (0, 2)}

FundingHistory = list[tuple[int, Decimal]]


def load_funding(path: Path) -> FundingHistory:
    """Load one symbol's funding settlements as (time in ms, rate per interval), oldest first."""
    try:
        text = read_data(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not a text file: {exc}") from None
    if not text.strip():
        raise DataError(path, "empty file")
    rows = csv.reader(io.StringIO(text.rstrip()))
    header = tuple(field.strip() for field in next(rows))
    if header not in _LAYOUTS:
        raise DataError(
            path,
            f"unknown layout: the header is {','.join(header)[:120]!r}; expected "
            f"{','.join(SHARED_FUNDING_COLUMNS)} or {','.join(BINANCE_FUNDING_COLUMNS)}",
            line=1,
        )
    time_at, rate_at = _LAYOUTS[header]
    history: FundingHistory = []
    for line, row in enumerate(rows, start=2):
        if not row:
            raise DataError(path, "empty line", line=line)
        if len(row) != len(header):
            raise DataError(
                path, f"{len(row)} fields where the layout has {len(header)}", line=line
            )
        at_ms = _time_ms(path, row[time_at].strip(), line)
        if history and at_ms <= history[-1][0]:
            before = history[-1][0]
            problem = (
                f"duplicate funding time {at_ms} ({iso_utc(at_ms)})"
                if at_ms == before
                else f"funding time {at_ms} ({iso_utc(at_ms)}) is before the previous {before} "
                f"({iso_utc(before)}): the rows are not sorted"
            )
            raise DataError(path, problem, line=line)
        history.append((at_ms, _rate(path, row[rate_at].strip(), line)))
    if not history:
        raise DataError(path, "no funding rates after the header")
    return history


def _time_ms(path: Path, field: str, line: int) -> int:
    """Return a funding time in milliseconds from whole milliseconds or microseconds."""
    if not field.isdigit():
        raise DataError(path, f"funding time {field!r} is not a whole number", line=line)
    value = int(field)
    if value <= MICROSECONDS_ABOVE:
        return value
    if value % 1000:
        raise DataError(
            path, f"funding time {value} in microseconds is not a whole millisecond", line=line
        )
    return value // 1000


def _rate(path: Path, field: str, line: int) -> Decimal:
    try:
        rate = Decimal(field)
    except InvalidOperation:
        raise DataError(path, f"funding rate {field!r} is not a number", line=line) from None
    if not rate.is_finite():
        raise DataError(path, f"funding rate {field!r} is not a number", line=line)
    return rate


def load_funding_paths(path: Path, symbols: Sequence[str]) -> dict[str, FundingHistory]:
    """Load the funding history of each symbol that has a file; the others are left out.

    PATH is one file or a folder searched with its subfolders for files whose names start with
    `SYMBOL_` or `SYMBOL-` and contain "funding"; a symbol's files are joined in time order.
    """
    wanted = list(dict.fromkeys(symbols))
    if not path.exists():
        raise DataError(path, "no such file or folder")
    from trading_agents.market.feeds import store  # it reads files with this module

    if store.is_store(path):
        return store.read_funding(path, wanted)
    if path.is_file():
        symbol = symbol_from_name(path.name) or (wanted[0] if len(wanted) == 1 else None)
        if symbol not in wanted:
            raise DataError(
                path,
                f"the file holds funding of {symbol or 'an unnamed symbol'}, "
                f"not of {', '.join(wanted) or 'any symbol asked for'}",
            )
        return {symbol: load_funding(path)}
    files = sorted(
        file
        for file in path.rglob("*")
        if file.is_file() and has_data_suffix(file) and "funding" in file.name.lower()
    )
    result: dict[str, FundingHistory] = {}
    for symbol in wanted:
        mine = [file for file in files if file.name.startswith((f"{symbol}_", f"{symbol}-"))]
        if mine:
            result[symbol] = _join(path, [(file, load_funding(file)) for file in mine])
    return result


def _join(folder: Path, loaded: list[tuple[Path, FundingHistory]]) -> FundingHistory:
    """Join one symbol's histories in time order; they must not overlap."""
    loaded.sort(key=lambda item: item[1][0][0])
    for (file_a, a), (file_b, b) in pairwise(loaded):
        if b[0][0] <= a[-1][0]:
            raise DataError(
                folder,
                f"{file_a.name} and {file_b.name} overlap: one runs to {iso_utc(a[-1][0])}, "
                f"the other starts at {iso_utc(b[0][0])}; keep one of them",
            )
    return [settlement for _, history in loaded for settlement in history]
