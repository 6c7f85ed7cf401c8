"""Real Binance candles and funding rates from the shared data directory, as domain objects."""

from __future__ import annotations

import bisect
import csv
import gzip
import os
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from trading_agents.core.clock import INTERVALS_MS, MS_PER_HOUR, to_datetime, to_ms
from trading_agents.market.candles import Candle

REPO_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(
    os.environ.get("TRADING_AGENTS_SHARED_DIR") or REPO_DIR.parent / "shared"
).expanduser()
MARKET_DIR = SHARED_DIR / "data" / "market"

_CANDLE_SUFFIX = ".csv.gz"
_CANDLE_COLUMNS = ("open_time_ms", "open", "high", "low", "close", "volume")


def market_dir() -> Path:
    """Return the market data directory, or raise if it is missing."""
    if not MARKET_DIR.is_dir():
        raise FileNotFoundError(
            f"market data directory {MARKET_DIR} does not exist: the shared data is expected "
            f"in ../shared beside the repository, or where TRADING_AGENTS_SHARED_DIR points"
        )
    return MARKET_DIR


def candle_file(name: str) -> Path:
    """Find a candle file by its path under MARKET_DIR or by its bare stem.

    "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24" names one file; a bare stem such as
    "BTCUSDT_5m_2024-12-31_2026-02-19" may exist for futures and spot, and then the futures
    file wins (the product trades perpetuals). The ".csv.gz" suffix is optional.
    """
    base = market_dir()
    stem = name.removesuffix(_CANDLE_SUFFIX)
    if "/" in stem:
        path = base / f"{stem}{_CANDLE_SUFFIX}"
        if not path.is_file():
            raise FileNotFoundError(f"no candle file {path}")
        return path
    matches = sorted(base.rglob(f"{stem}{_CANDLE_SUFFIX}"))
    if len(matches) > 1:
        matches = [path for path in matches if path.relative_to(base).parts[0] == "futures_um"]
    if len(matches) != 1:
        found = ", ".join(str(path.relative_to(base)) for path in matches) or "none"
        raise FileNotFoundError(
            f"candle file {stem}{_CANDLE_SUFFIX} under {base}: expected one match, found {found}"
        )
    return matches[0]


def describe(path: Path) -> tuple[str, int]:
    """Return the symbol and the candle interval in milliseconds that a file name states."""
    parts = path.name.removesuffix(_CANDLE_SUFFIX).split("_")
    for part in parts[1:]:
        if part in INTERVALS_MS:
            return parts[0], INTERVALS_MS[part]
    raise ValueError(f"{path.name}: no timeframe among {', '.join(INTERVALS_MS)} in the name")


@lru_cache(maxsize=8)
def _load_candles(path: Path, symbol: str, interval_ms: int) -> tuple[Candle, ...]:
    with gzip.open(path, "rt", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        try:
            at = [header.index(column) for column in _CANDLE_COLUMNS]
        except ValueError as exc:
            raise ValueError(f"{path}: header {header} lacks a candle column: {exc}") from None
        return tuple(
            Candle(
                symbol=symbol,
                open_ms=int(row[at[0]]),
                interval_ms=interval_ms,
                open=Decimal(row[at[1]]),
                high=Decimal(row[at[2]]),
                low=Decimal(row[at[3]]),
                close=Decimal(row[at[4]]),
                volume=Decimal(row[at[5]]),
            )
            for row in rows
        )


def _moment_ms(moment: str) -> int:
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return to_ms(parsed)


def _open_ms(candle: Candle) -> int:
    return candle.open_ms


def candles_from(
    name: str,
    *,
    start: str | None = None,
    hours: float | None = None,
    symbol: str | None = None,
) -> list[Candle]:
    """Load the candles of a shared data file, optionally from `start` for `hours`.

    `start` is an ISO 8601 time (UTC when it has no offset): the first candle returned is the
    first that opens at or after it. `hours` limits the window to candles opening before
    start (or the first candle) plus that many hours. `symbol` relabels the candles.
    """
    path = candle_file(name)
    file_symbol, interval_ms = describe(path)
    candles = _load_candles(path, symbol or file_symbol, interval_ms)
    first = 0 if start is None else bisect.bisect_left(candles, _moment_ms(start), key=_open_ms)
    last = len(candles)
    if hours is not None:
        if hours <= 0:
            raise ValueError(f"hours must be above zero, not {hours}")
        begin_ms = _moment_ms(start) if start is not None else candles[0].open_ms
        end_ms = begin_ms + round(hours * MS_PER_HOUR)
        last = bisect.bisect_left(candles, end_ms, key=_open_ms)
    window = list(candles[first:last])
    if not window:
        span = (
            f"{to_datetime(candles[0].open_ms):%Y-%m-%dT%H:%MZ} to "
            f"{to_datetime(candles[-1].open_ms):%Y-%m-%dT%H:%MZ}"
            if candles
            else "nothing"
        )
        raise ValueError(
            f"{path.name} has no candles from {start or 'its start'} for {hours} hours; "
            f"it spans {span}"
        )
    return window


@lru_cache(maxsize=4)
def _load_funding(paths: tuple[Path, ...]) -> tuple[tuple[int, Decimal], ...]:
    rates: dict[int, Decimal] = {}
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                rates[int(row["funding_time_ms"])] = Decimal(row["funding_rate"])
    return tuple(sorted(rates.items()))


def funding_rates(symbol: str) -> list[tuple[int, Decimal]]:
    """Return the funding history of `symbol` as (funding time in ms, rate per interval)."""
    funding_dir = market_dir() / "funding"
    paths = tuple(sorted(funding_dir.glob(f"{symbol}_funding_*.csv")))
    if not paths:
        raise FileNotFoundError(f"no funding file {symbol}_funding_*.csv in {funding_dir}")
    return list(_load_funding(paths))
