"""The code of the methods `dataclasses` writes, compiled once at install and kept for each start.

Python 3.11's `dataclasses` writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__`
and frozen `__setattr__` as source text and compiles it with `exec` whenever the class is
defined: some 560 functions for the 110 dataclasses (the package's, pydantic's, typer's,
annotated_types', rich's) a backtest's command line defines, about 30 ms of every start, where
a backtest of the real window takes half a second. `make install` records the code compiled from
each of those texts; the command line then gives `dataclasses` an `exec` that runs the recorded
code for a text it has (the code the compiler makes of that text, named `<string>` and compiled
with no flags, as `exec` of the text would) and compiles any other text as before. The record is
keyed by the interpreter's bytecode version and the whole text, so a changed class only misses.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import marshal
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any, Final

RECORD: Final = Path(__file__).with_name(f"_dataclass_code.{sys.implementation.cache_tag}.bin")
# What a backtest's command line defines its dataclasses in (the rest of the package follows
# from these imports); rich's tables and progress bar are imported once the run ends.
RECORDED_MODULES: Final = (
    "trading_agents.cli",
    "trading_agents.backtest.command",
    "rich.console",
    "rich.table",
    "rich.progress",
)
_HEADER: Final = MAGIC_NUMBER + bytes([sys.flags.optimize])

Exec = Callable[[object, dict[str, Any] | None, Mapping[str, object] | None], None]


def _compile(source: str) -> CodeType:
    # dont_inherit: this module's own `from __future__ import annotations` must not reach the
    # code, which `exec` in `dataclasses` (no future imports) compiles without it.
    return compile(source, "<string>", "exec", dont_inherit=True)


def _exec_with(codes: dict[str, CodeType]) -> Exec:
    """Return an `exec` running the recorded code of a text, compiling (and keeping) the rest."""
    run = builtins.exec

    def exec_recorded(
        source: object,
        globals: dict[str, Any] | None = None,
        locals: Mapping[str, object] | None = None,
    ) -> None:
        if not isinstance(source, str):
            run(source, globals, locals)  # type: ignore[arg-type]
            return
        code = codes.get(source)
        if code is None:
            code = codes[source] = _compile(source)
        run(code, globals, locals)

    return exec_recorded


def writes_source() -> bool:
    """Tell whether this Python's `dataclasses` compiles its methods through `exec` of a text."""
    return callable(getattr(dataclasses, "_create_fn", None))


def install(record: Path = RECORD) -> bool:
    """Let `dataclasses` run the recorded code; False (nothing changed) without a usable record."""
    if not writes_source():  # Python 3.13 builds the methods another way
        return False
    try:
        data = record.read_bytes()
    except OSError:
        return False
    if not data.startswith(_HEADER):  # another interpreter's bytecode, or an -O level's
        return False
    try:
        codes = marshal.loads(data[len(_HEADER) :])
    except (EOFError, ValueError, TypeError):
        return False
    if not isinstance(codes, dict):
        return False
    setattr(dataclasses, "exec", _exec_with(codes))  # noqa: B010 (a global of that module)
    return True


def uninstall() -> None:
    """Give `dataclasses` back the builtin `exec`."""
    if "exec" in vars(dataclasses):
        delattr(dataclasses, "exec")


def write(modules: Sequence[str] = RECORDED_MODULES, record: Path = RECORD) -> int:
    """Import `modules` in a fresh interpreter, recording each text compiled; return the count."""
    codes: dict[str, CodeType] = {}
    setattr(dataclasses, "exec", _exec_with(codes))  # noqa: B010
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        uninstall()
    record.write_bytes(_HEADER + marshal.dumps(codes))
    return len(codes)


if __name__ == "__main__":
    if not writes_source():
        sys.stdout.write("dataclass code: nothing to record on this Python\n")
    else:
        sys.stdout.write(f"dataclass code: {write()} methods recorded\n")
