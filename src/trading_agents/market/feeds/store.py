"""The candle store: candle and funding files converted once into arrays that load at once.

`trading-agents data import PATH... --out STORE` reads what `--data` and `--funding` read
(the shared CSV layout and Binance's dumps, files or folders) with the same checks, and
writes a folder:

    STORE/manifest.json              symbols, spans, gaps, counts, checksums of everything
    STORE/candles/SYMBOL_1m.t.npy    open times (int64 ms)
    STORE/candles/SYMBOL_1m.p.npy    open, high, low, close, volume (float64, 5 rows)
    STORE/funding/SYMBOL.json        funding settlements: [time ms, "rate"], exact

Prices are kept as the same float64 the CSV loader parses them into (they come back exact
through `price_decimal`), so a run from the store and a run from the files are the same run.
The store is written under a temporary name and renamed when complete: a failed import
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import numpy as np

from trading_agents.core.clock import interval_name, iso_utc
from trading_agents.market.feeds.files import (
    DataError,
    has_data_suffix,
    load_candles,
    refuse_gaps,
    symbol_from_name,
)
from trading_agents.market.feeds.funding import FundingHistory, load_funding_paths
from trading_agents.market.series import CandleSeries

MANIFEST: Final = "manifest.json"
FORMAT: Final = 1


@dataclass(frozen=True, slots=True)
class StoredSymbol:
    """What the store holds of one symbol's candles, as the manifest lists it."""

    symbol: str
    interval: str
    candles: int
    first_open: str
    last_close: str
    gaps: int
    funding: int  # settlements


def is_store(path: Path) -> bool:
    """Tell whether `path` is a candle store (a folder with a manifest)."""
    return path.is_dir() and (path / MANIFEST).is_file()


def import_store(
    sources: Sequence[Path], out: Path, symbols: Sequence[str] | None = None
) -> list[StoredSymbol]:
    """Convert candle and funding files into a store at `out`; return what it holds."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(out, "exists and is not empty: give a new folder for the store")
    candle_files, funding_files = _discover(sources, symbols)
    if not candle_files:
        raise DataError(sources[0], "no candle files found (names start SYMBOL_ or SYMBOL-)")
    work = out.parent / f".{out.name}.importing-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        (work / "candles").mkdir(parents=True)
        (work / "funding").mkdir()
        manifest: dict[str, Any] = {"format": FORMAT, "candles": {}, "funding": {}}
        for symbol, files in sorted(candle_files.items()):
            manifest["candles"][symbol] = _write_candles(work, _joined(symbol, files))
        for symbol, source in sorted(funding_files.items()):
            history = load_funding_paths(source, [symbol]).get(symbol, [])
            if history:
                manifest["funding"][symbol] = _write_funding(work, symbol, history)
        manifest["sources"] = _checksums(sources)
        text = json.dumps(manifest, indent=2, sort_keys=True)
        (work / MANIFEST).write_text(text + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty, checked above
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return describe(out)


def describe(store: Path) -> list[StoredSymbol]:
    """Return what a store holds, symbol by symbol, from its manifest."""
    manifest = _manifest(store)
    funding = manifest["funding"]
    return [
        StoredSymbol(
            symbol,
            interval_name(entry["interval_ms"]),
            entry["candles"],
            iso_utc(entry["first_open_ms"]),
            iso_utc(entry["last_open_ms"] + entry["interval_ms"]),
            len(entry["gaps"]),
            funding.get(symbol, {}).get("settlements", 0),
        )
        for symbol, entry in sorted(manifest["candles"].items())
    ]


def read_candles(
    store: Path,
    symbols: Sequence[str],
    *,
    interval_ms: int | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    gaps: bool = False,
) -> dict[str, CandleSeries]:
    """Load the symbols' candles from a store, within the window if one is given.

    A gap within the window is refused unless `gaps`, as in a file.
    """
    manifest = _manifest(store)
    held = manifest["candles"]
    result: dict[str, CandleSeries] = {}
    for symbol in dict.fromkeys(symbols):
        entry = held.get(symbol)
        if entry is None:
            raise DataError(store, f"no {symbol} candles in the store; it holds {', '.join(held)}")
        if interval_ms is not None and entry["interval_ms"] != interval_ms:
            raise DataError(
                store,
                f"{symbol} is stored as {interval_name(entry['interval_ms'])} candles,"
                f" not {interval_name(interval_ms)}",
            )
        times = _array(store, entry["times"], (entry["candles"],), np.int64)
        prices = _array(store, entry["prices"], (5, entry["candles"]), np.float64)
        series = CandleSeries(
            symbol, int(entry["interval_ms"]), times, prices[0], prices[1], prices[2], prices[3],
            prices[4],
        )  # fmt: skip
        result[symbol] = refuse_gaps(store, series.between(start_ms, end_ms), gaps)
    return result


def read_funding(
    store: Path,
    symbols: Sequence[str],
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> dict[str, FundingHistory]:
    """Load the funding the store holds for each symbol that has some.

    Only settlements at or after `start_ms` and before `end_ms` when given: a store holds
    years of them, and a short run would otherwise turn every one into a Decimal.
    A symbol with funding in the store keeps its entry, emptied if none is in the window.
    """
    manifest = _manifest(store)
    low = -1 << 63 if start_ms is None else start_ms
    high = 1 << 63 if end_ms is None else end_ms
    result: dict[str, FundingHistory] = {}
    for symbol in dict.fromkeys(symbols):
        entry = manifest["funding"].get(symbol)
        if entry is None:
            continue
        rows = json.loads((store / entry["file"]).read_text(encoding="utf-8"))
        result[symbol] = [(at, Decimal(rate)) for ms, rate in rows if low <= (at := int(ms)) < high]
    return result


def verify(store: Path) -> list[str]:
    """Return every file of the store whose checksum is not the manifest's (none: intact)."""
    manifest = _manifest(store)
    files = [
        (entry[part], entry[f"{part}_sha256"])
        for entry in manifest["candles"].values()
        for part in ("times", "prices")
    ]
    files += [(entry["file"], entry["sha256"]) for entry in manifest["funding"].values()]
    return [name for name, digest in files if _sha256(store / name) != digest]


# -- writing ---------------------------------------------------------------------------------


def _discover(
    sources: Sequence[Path], symbols: Sequence[str] | None
) -> tuple[dict[str, list[Path]], dict[str, Path]]:
    """Return each symbol's candle files, and which source holds each symbol's funding."""
    candles: dict[str, list[Path]] = {}
    funding: dict[str, Path] = {}
    for source in sources:
        if not source.exists():
            raise DataError(source, "no such file or folder")
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for file in files:
            if not file.is_file() or not has_data_suffix(file):
                continue
            symbol = symbol_from_name(file.name)
            if symbol is None or (symbols is not None and symbol not in symbols):
                continue
            if "funding" not in file.name.lower():
                candles.setdefault(symbol, []).append(file)
            elif funding.get(symbol, source) != source:
                raise DataError(
                    source, f"{symbol}'s funding is in {funding[symbol]} too: give it in one path"
                )
            else:
                funding[symbol] = source if source.is_dir() else file
    missing = [s for s in symbols or () if s not in candles]
    if missing:
        raise DataError(sources[0], f"no candle files for {', '.join(missing)}")
    return candles, funding


def _joined(symbol: str, files: Sequence[Path]) -> CandleSeries:
    """Load a symbol's files and join them in time order: gaps kept, overlaps refused."""
    pairs = sorted(
        ((file, load_candles(file, symbol, gaps=True)) for file in files),
        key=lambda p: int(p[1].open_ms[0]),
    )
    loaded = [series for _, series in pairs]
    intervals = {series.interval_ms for series in loaded}
    if len(intervals) > 1:
        names = ", ".join(sorted(interval_name(ms) for ms in intervals))
        raise DataError(files[0], f"{symbol} has files of several intervals ({names}): import one")
    for (_, a), (file, b) in pairwise(pairs):
        if b.open_ms[0] <= a.open_ms[-1]:
            raise DataError(
                file,
                f"overlaps another {symbol} file: one runs to {iso_utc(int(a.open_ms[-1]))},"
                f" this one starts at {iso_utc(int(b.open_ms[0]))}; keep one of them",
            )
    return CandleSeries.joined(loaded)


def _write_candles(work: Path, series: CandleSeries) -> dict[str, Any]:
    stem = f"candles/{series.symbol}_{interval_name(series.interval_ms)}"
    times, prices = f"{stem}.t.npy", f"{stem}.p.npy"
    np.save(work / times, np.ascontiguousarray(series.open_ms, dtype=np.int64))
    columns = (series.open, series.high, series.low, series.close, series.volume)
    np.save(work / prices, np.ascontiguousarray(np.vstack(columns), dtype=np.float64))
    steps = np.diff(series.open_ms)
    gaps = [
        [int(series.open_ms[at]), int(series.open_ms[at + 1])]
        for at in np.flatnonzero(steps != series.interval_ms)
    ]
    return {
        "interval_ms": series.interval_ms,
        "candles": len(series),
        "first_open_ms": int(series.open_ms[0]),
        "last_open_ms": int(series.open_ms[-1]),
        "gaps": gaps,  # [last open before, first open after]
        "times": times,
        "times_sha256": _sha256(work / times),
        "prices": prices,
        "prices_sha256": _sha256(work / prices),
    }


def _write_funding(work: Path, symbol: str, history: FundingHistory) -> dict[str, Any]:
    file = f"funding/{symbol}.json"
    rows = [[ms, str(rate)] for ms, rate in history]
    (work / file).write_text(json.dumps(rows, separators=(",", ":")) + "\n", encoding="utf-8")
    return {
        "settlements": len(history),
        "first_ms": history[0][0],
        "last_ms": history[-1][0],
        "file": file,
        "sha256": _sha256(work / file),
    }


def _checksums(sources: Sequence[Path]) -> list[dict[str, Any]]:
    """Return the SHA-256 of every data file the store was made from."""
    found = []
    for source in sources:
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for file in files:
            if file.is_file() and has_data_suffix(file):
                found.append(
                    {"path": str(file), "bytes": file.stat().st_size, "sha256": _sha256(file)}
                )
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- reading ---------------------------------------------------------------------------------


def _manifest(store: Path) -> Mapping[str, Any]:
    try:
        manifest = json.loads((store / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(store, f"the store's manifest cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataError(store, f"not a candle store of format {FORMAT} (made by another version?)")
    return manifest


def _array(store: Path, name: str, shape: tuple[int, ...], dtype: type) -> Any:
    try:
        array = np.load(store / name, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError(store, f"{name} cannot be read: {error}") from None
    if array.shape != shape or array.dtype != np.dtype(dtype):
        raise DataError(
            store, f"{name} holds {array.dtype} {array.shape}, the manifest says {shape}"
        )
    return array
