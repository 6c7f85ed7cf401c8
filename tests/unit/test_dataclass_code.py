"""Recorded dataclass code defines the same classes as code compiled at each start."""

from __future__ import annotations

import dataclasses
import marshal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import CodeType

import pytest

from trading_agents import _dataclass_code
from trading_agents._dataclass_code import install, uninstall, writes_source

pytestmark = pytest.mark.skipif(not writes_source(), reason="dataclasses compiles no text here")

_METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


def _define() -> type:
    @dataclasses.dataclass(frozen=True)
    class Fill:
        price: Decimal
        quantity: Decimal = Decimal(1)
        tags: tuple[str, ...] = ()

    return Fill


def _shape(code: CodeType) -> tuple[object, ...]:
    return (code.co_code, code.co_consts, code.co_names, code.co_varnames, code.co_flags)


def _record_of(path: Path) -> dict[str, CodeType]:
    """Define the class with a recording exec and write what it compiled to `path`."""
    codes: dict[str, CodeType] = {}
    dataclasses.exec = _dataclass_code._exec_with(codes)  # type: ignore[attr-defined]
    try:
        _define()
    finally:
        uninstall()
    path.write_bytes(_dataclass_code._HEADER + marshal.dumps(codes))
    return codes


@pytest.fixture(autouse=True)
def builtin_exec_after() -> Iterator[None]:
    yield
    uninstall()


def test_recorded_code_makes_the_methods_exec_of_the_text_makes(tmp_path: Path) -> None:
    compiled = _define()
    _record_of(tmp_path / "record.bin")
    assert install(tmp_path / "record.bin")
    recorded = _define()
    for name in _METHODS:
        ours, theirs = getattr(recorded, name), getattr(compiled, name)
        assert _shape(ours.__code__) == _shape(theirs.__code__), name
        assert ours.__annotations__ == theirs.__annotations__, name
    fill = recorded(Decimal("2.5"))
    assert fill == recorded(Decimal("2.5"), Decimal(1))
    assert repr(fill) == repr(compiled(Decimal("2.5")))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fill.price = Decimal(3)  # type: ignore[attr-defined]


def test_a_recorded_text_is_not_compiled_again_and_a_new_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "record.bin"
    _record_of(record)
    compiled: list[str] = []
    real = _dataclass_code._compile

    def counting(source: str) -> CodeType:
        compiled.append(source)
        return real(source)

    monkeypatch.setattr(_dataclass_code, "_compile", counting)
    assert install(record)
    _define()
    assert compiled == []

    @dataclasses.dataclass
    class Other:
        size: int

    assert compiled  # a class the record never saw is compiled as before
    assert Other(3).size == 3


def test_a_record_of_another_interpreter_or_none_changes_nothing(tmp_path: Path) -> None:
    assert not install(tmp_path / "missing.bin")
    other = tmp_path / "other.bin"
    other.write_bytes(b"\x00\x00\r\n\x00" + marshal.dumps({}))
    assert not install(other)
    broken = tmp_path / "broken.bin"
    broken.write_bytes(_dataclass_code._HEADER + b"\xff")
    assert not install(broken)
    assert "exec" not in vars(dataclasses)


def test_writing_records_the_texts_of_the_modules_imported(tmp_path: Path) -> None:
    record = tmp_path / "record.bin"
    script = (
        "import sys; from pathlib import Path;"
        "from trading_agents._dataclass_code import write;"
        "print(write(['trading_agents.model.decisions'], Path(sys.argv[1])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(record)], capture_output=True, text=True, check=True
    )
    codes = marshal.loads(record.read_bytes()[len(_dataclass_code._HEADER) :])
    assert int(done.stdout) == len(codes) > 0
    assert all(text.startswith("def __create_fn__(") for text in codes)
