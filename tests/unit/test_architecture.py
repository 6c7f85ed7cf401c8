"""The venue port holds: outside venues/ and the composition root nothing names a venue.

The kernel, the journal, the service and the API see an account's venue only through its
port (`venues/port.py`). A new `isinstance` check on a concrete venue, or a new module that
imports one, fails here: give the port the method instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "trading_agents"
CONCRETE = {
    "SimVenue",
    "SimExchange",
    "SimAccountParts",
    "BinanceVenue",
    "BinanceTrading",
    "BinanceAccountParts",
}
# Where concrete venues may be named, and why.
COMPOSITION = {
    "engine/assembly.py": "the composition root: it builds an account's parts for every mode",
    "service/build.py": "the service's composition: it opens the Binance venue it configures",
    "service/binance_account.py": "the service's Binance factory: it assembles at Binance",
    "backtest/run.py": "a backtest runs on the simulated exchange",
    "backtest/stepping.py": "a backtest's walk over its candles reads the exchange's quiet band",
}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if not name.startswith("venues/"):
            found.append((name, ast.parse(path.read_text(), filename=str(path))))
    return found


def _named(node: ast.AST) -> set[str]:
    """Return the names a type expression mentions (a name, an attribute, a tuple of them)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def test_nothing_outside_venues_checks_an_instance_of_a_concrete_venue() -> None:
    offences = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "isinstance"
        and len(node.args) == 2
        and _named(node.args[1]) & CONCRETE
    ]

    assert offences == [], "isinstance of a concrete venue: give the port the method instead"


def test_only_the_composition_root_names_a_concrete_venue() -> None:
    offences = sorted(
        f"{name}:{node.lineno} {alias.name}"
        for name, tree in _modules()
        if name not in COMPOSITION
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name in CONCRETE
    )

    assert offences == []


@pytest.mark.parametrize("name", sorted(COMPOSITION))
def test_each_allowed_place_exists(name: str) -> None:
    assert (SRC / name).is_file(), f"{name} is gone: take it off the list"


def test_the_check_finds_an_isinstance_of_a_venue_written_anywhere() -> None:
    planted = ast.parse("if isinstance(parts.venue, (SimVenue, int)):\n    pass\n")
    call = next(n for n in ast.walk(planted) if isinstance(n, ast.Call))

    assert _named(call.args[1]) & CONCRETE == {"SimVenue"}
