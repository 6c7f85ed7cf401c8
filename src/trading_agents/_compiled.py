"""Which modules the compiled build covers, and whether its modules may be imported.

`tools/build_compiled.py` (run by `make install`) compiles these modules with mypyc, and the
loops over columns of floats with Cython, into extension modules beside their sources, from
the same source: Python's import system prefers an extension module to the source beside
it. They are imported only while every compiled source is as it was built (size and
modification time, recorded in the stamp), and not at all under TRADING_AGENTS_PURE=1:
otherwise the finder below makes every one of them load from its source. Always all or none:
compiled modules share native classes, so a mix would give two classes of one name.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Sequence
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, ModuleSpec, SourceFileLoader
from pathlib import Path
from types import ModuleType

STAMP = "_compiled.stamp"

# The packages a backtest spends its time in (the profile in docs/BENCHMARKS.md). Left out:
# engine/moments (an async generator, which mypyc does not compile), the LangGraph runner
# (agents/langgraph_runner: it wraps the compiled nodes in plain coroutines, since LangGraph
# reads each node's signature, which a compiled function does not show),
# the candle series and the simulated venue's settings (sent to Ray's workers: a compiled
# frozen class does not unpickle), modules of pydantic models and the LLM brain, which gain
# nothing, and the enums (mypyc gives an enum class a filler docstring, which the API's schema
# would show). The decimal helpers are in: compiled code reads a `Final` name of a compiled
# module as a C static, instead of a dictionary lookup at each use.
COMPILED_MODULES: tuple[str, ...] = (
    "model/orders.py",
    "model/positions.py",
    "model/reports.py",
    "model/requests.py",
    "model/signals.py",
    "model/decisions.py",
    "model/instruments.py",
    "model/members.py",
    "core/clock.py",
    "core/decimals.py",
    "core/ids.py",
    "core/log_context.py",
    "market/candles.py",
    "market/indicators/crossings.py",
    "market/view.py",
    "risk/engine.py",
    "risk/limits.py",
    "risk/orders.py",
    "risk/prices.py",
    "risk/rules.py",
    "risk/sizing.py",
    "risk/state.py",
    "risk/verdicts.py",
    "portfolio/_exact.py",
    "portfolio/equity.py",
    "portfolio/ledger.py",
    "portfolio/metrics.py",
    "portfolio/portfolio.py",
    "portfolio/returns.py",
    "portfolio/trades.py",
    "portfolio/units.py",
    "venues/sim/book.py",
    "venues/sim/checks.py",
    "venues/sim/exchange.py",
    "venues/sim/venue.py",
    "venues/rounding.py",
    "engine/account.py",
    "engine/driver.py",
    "engine/gateway.py",
    "engine/kernel.py",
    "engine/orders.py",
    "agents/graph.py",
    "agents/nodes.py",
    "agents/state.py",
    "agents/runner.py",
    "agents/brains/rules.py",
    "backtest/stepping.py",
    "backtest/result.py",
    "backtest/report.py",
)

# Loops over floats (the indicators', a backtest's look ahead for the next candle that matters),
# compiled by Cython from the same source: mypyc boxes every float, Cython's typed memoryviews
# do not. The C types are in an augmenting .pxd beside each source.
CYTHON_MODULES: tuple[str, ...] = ("market/indicators/_loops.py", "backtest/reach.py")
CYTHON_TYPES: tuple[str, ...] = tuple(path.removesuffix(".py") + ".pxd" for path in CYTHON_MODULES)
BUILT_MODULES = (*COMPILED_MODULES, *CYTHON_MODULES)

PACKAGE_DIR = Path(__file__).resolve().parent
MODULE_NAMES = frozenset(
    "trading_agents." + path.removesuffix(".py").replace("/", ".") for path in BUILT_MODULES
)


EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
GROUP_LIBRARY = "trading_agents__mypyc"  # mypyc's shared library, beside the package
# The interpreter a build is for: its release as well as its ABI, because mypyc's C reaches
# into CPython's internals, which only the release they were compiled against is known to match.
BUILT_FOR = f"python {'.'.join(map(str, sys.version_info[:3]))} {EXT_SUFFIX}"


def extension_files(package: Path = PACKAGE_DIR) -> list[Path]:
    """Return the extension modules a complete build leaves, for this Python."""
    files = [package / path.removesuffix(".py") for path in BUILT_MODULES]
    return [f.with_name(f.name + EXT_SUFFIX) for f in files] + [
        package.parent / f"{GROUP_LIBRARY}{EXT_SUFFIX}"
    ]


def stamp_text(package: Path, sources: Sequence[str]) -> str:
    """Return the stamp of a build from `sources` (paths in the package) as they are now.

    The sources are the compiled modules, the Cython modules' C types (.pxd) and every module
    of the package they import: mypyc compiled them against those modules' types, so a change
    to any retires the build.
    """
    lines = [BUILT_FOR]
    for path in sources:
        stat = (package / path).stat()
        lines.append(f"{path} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(lines) + "\n"


def mode(package: Path = PACKAGE_DIR) -> str:
    """Return `compiled` when the build's modules are imported, else why they are not."""
    stamp = package / STAMP
    if not stamp.exists():
        return "pure Python (no compiled build)"
    if os.environ.get("TRADING_AGENTS_PURE") == "1":
        return "pure Python (TRADING_AGENTS_PURE=1)"
    header, *recorded = stamp.read_text().splitlines()
    if header != BUILT_FOR:
        return "pure Python (the build is for another Python: make install compiles again)"
    sources = [line.rsplit(" ", 2)[0] for line in recorded]
    try:
        current = stamp_text(package, sources)
    except OSError:
        return "pure Python (a source of the build is missing)"
    if current.splitlines()[1:] != recorded or not {*BUILT_MODULES, *CYTHON_TYPES} <= set(sources):
        return "pure Python (sources changed since the build: make install compiles again)"
    if not all(path.exists() for path in extension_files(package)):
        return "pure Python (the build is incomplete: make install compiles again)"
    return "compiled"


class _SourcesFirst:
    """Find the compiled modules' sources, never their extension modules.

    A meta-path finder by its `find_spec` alone: importlib.abc's base class would import
    importlib.resources and more, a tenth of a backtest's start-up budget.
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """Return the spec of the module's source file, for the compiled modules only."""
        if fullname not in MODULE_NAMES or not path:
            return None
        for entry in path:
            spec = FileFinder(entry, (SourceFileLoader, SOURCE_SUFFIXES)).find_spec(fullname)
            if spec is not None:
                return spec
        return None


MODE = mode()
if MODE != "compiled":  # also where extension modules lie about without a stamp
    sys.meta_path.insert(0, _SourcesFirst())
