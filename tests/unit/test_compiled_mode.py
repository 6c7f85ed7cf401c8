"""The compiled build is imported only while it was built from the sources beside it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from trading_agents import _compiled
from trading_agents._compiled import (
    BUILT_MODULES,
    CYTHON_TYPES,
    STAMP,
    extension_files,
    mode,
    stamp_text,
)

IMPORTED = "core/decimals.py"  # not compiled, but imported by compiled modules
BUILD_SOURCES = (*BUILT_MODULES, *CYTHON_TYPES, IMPORTED)


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "trading_agents"
    for relative in BUILD_SOURCES:
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {relative}\n")
    return package


def _built(package: Path) -> Path:
    (package / STAMP).write_text(stamp_text(package, list(BUILD_SOURCES)))
    for library in extension_files(package):
        library.write_bytes(b"")
    return package


@pytest.fixture(autouse=True)
def _no_request_for_pure_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADING_AGENTS_PURE", raising=False)


def test_without_a_build_the_modules_are_pure_python(tmp_path: Path) -> None:
    assert mode(_package(tmp_path)) == "pure Python (no compiled build)"


def test_a_build_of_these_very_sources_is_imported(tmp_path: Path) -> None:
    assert mode(_built(_package(tmp_path))) == "compiled"


def test_a_source_edited_after_the_build_turns_the_whole_build_off(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))

    (package / "venues/sim/exchange.py").write_text("# edited: one line longer\n\n")

    assert mode(package).startswith("pure Python (sources changed since the build")


def test_a_module_the_compiled_ones_import_counts_too(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))

    (package / IMPORTED).write_text("# its types changed under the compiled modules\n")

    assert mode(package).startswith("pure Python (sources changed since the build")


def test_the_c_types_of_a_cython_module_count_too(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))

    (package / "market/indicators/_loops.pxd").write_text("# a loop's variable changed type\n")

    assert mode(package).startswith("pure Python (sources changed since the build")


def test_a_missing_source_turns_the_build_off(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))

    (package / "engine/kernel.py").unlink()

    assert mode(package) == "pure Python (a source of the build is missing)"


def test_a_missing_extension_module_turns_the_whole_build_off(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))

    extension_files(package)[3].unlink()

    assert mode(package).startswith("pure Python (the build is incomplete")


def test_a_build_for_another_python_is_not_imported(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))
    stamp = (package / STAMP).read_text().splitlines()
    (package / STAMP).write_text("\n".join(["python .cpython-312-x86_64-linux-gnu.so", *stamp[1:]]))

    assert mode(package).startswith("pure Python (the build is for another Python")


def test_a_build_for_another_release_of_the_same_python_is_not_imported(tmp_path: Path) -> None:
    package = _built(_package(tmp_path))
    stamp = (package / STAMP).read_text().splitlines()
    suffix = stamp[0].rsplit(" ", 1)[1]  # the same ABI: only the release differs
    other = f"python 3.11.{sys.version_info[2] + 1} {suffix}"
    (package / STAMP).write_text("\n".join([other, *stamp[1:]]))

    assert mode(package).startswith("pure Python (the build is for another Python")


def test_pure_python_can_be_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = _built(_package(tmp_path))
    monkeypatch.setenv("TRADING_AGENTS_PURE", "1")

    assert mode(package) == "pure Python (TRADING_AGENTS_PURE=1)"


def test_every_listed_module_exists_and_imports_from_where_the_mode_says() -> None:
    import importlib

    for name in sorted(_compiled.MODULE_NAMES):
        module = importlib.import_module(name)
        compiled = not str(module.__file__).endswith(".py")
        assert compiled == (_compiled.MODE == "compiled"), name


def test_what_goes_to_other_processes_pickles_in_either_mode() -> None:
    import pickle
    from decimal import Decimal

    import numpy as np

    from trading_agents.market.series import CandleSeries
    from trading_agents.venues.sim.config import FundingSchedule, SimVenueConfig

    prices = np.array([100.5, 101.0])
    series = CandleSeries(
        "BTCUSDT", 60_000, np.array([0, 60_000]), prices, prices, prices, prices, prices
    )
    config = SimVenueConfig(funding=FundingSchedule({"BTCUSDT": [(0, Decimal("0.0001"))]}))

    series_back, config_back = pickle.loads(pickle.dumps((series, config)))

    assert series_back.candle(1) == series.candle(1)
    assert config_back.funding.rate_at("BTCUSDT", 0) == Decimal("0.0001")
    assert config_back.taker_fee == config.taker_fee
