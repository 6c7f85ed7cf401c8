"""Compile the backtest's hot path with mypyc and Cython, in place beside its sources.

`make install` runs this after `uv sync`. Where no C compiler is found (or it fails), it says
so and leaves the pure-Python modules, which are the same source and give the same results.
Either way it then writes the package's bytecode. The build records, as they were when it
began, every compiled source, the C types of the Cython modules and every module of the
package they import; the package imports the compiled modules only while all of them are
unchanged and every extension module is there (see trading_agents/_compiled.py), so an
edited source is never shadowed by a stale build.
"""

from __future__ import annotations

import ast
import compileall
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
PACKAGE = SRC / "trading_agents"
sys.path.insert(0, str(SRC))

from trading_agents._compiled import (  # noqa: E402  (needs src on the path first)
    BUILT_MODULES,
    COMPILED_MODULES,
    CYTHON_MODULES,
    CYTHON_TYPES,
    STAMP,
    stamp_text,
)

# Each float operation rounds on its own, as Python's do: a compiler told to tune for a CPU
# with FMA (CFLAGS=-march=native) would otherwise fuse a multiply and an add, and an indicator
# would differ from the pure path in the last bit.
STRICT_FLOATS = "-ffp-contract=off"
# Python's semantics kept (division by zero raises); only what the loops cannot need is off.
CYTHON_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "annotation_typing": False,  # the .pxd gives the C types; the annotations are mypy's
}


def say(line: str) -> None:
    """Tell the person running `make install` what became of the build."""
    sys.stdout.write(line + "\n")


def watched_sources() -> list[str]:
    """Return the compiled modules, their C types and the package's modules they import."""
    seen: set[str] = set()
    waiting = list(BUILT_MODULES)
    while waiting:
        path = waiting.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse((PACKAGE / path).read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("trading_agents."):
                    waiting.extend(_source_of(name))
    return sorted(seen | set(CYTHON_TYPES))


def _source_of(module: str) -> list[str]:
    """Return the package file of a module name, if it names one."""
    relative = Path(*module.split(".")[1:])
    for candidate in (relative.with_suffix(".py"), relative / "__init__.py"):
        if (PACKAGE / candidate).is_file():
            return [candidate.as_posix()]
    return []


def compiled_files() -> list[Path]:
    """Return every file a previous build left in the source tree."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    found = [PACKAGE / STAMP, *PACKAGE.glob("_dataclass_code.*.bin")]
    found += [path for path in SRC.glob("*__mypyc*") if path.is_file()]
    found += [path for path in PACKAGE.rglob(f"*{suffix}")]
    return [path for path in found if path.exists()]


def clean() -> None:
    """Remove a previous build, so that the pure-Python modules are what imports."""
    for path in compiled_files():
        path.unlink()
    for folder in ("mypyc", "cython"):
        shutil.rmtree(REPO / "build" / folder, ignore_errors=True)


def compiler() -> str | None:
    """Return the C compiler Python's build would use, or None where there is none."""
    name = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(os.environ.get("CC", name).split()[0])


def build() -> int:
    """Compile the listed modules and write the package's bytecode; 0 also when pure Python."""
    build_extensions()
    write_bytecode()
    record_dataclass_code()
    return 0


def record_dataclass_code() -> None:
    """Record the code of the dataclasses' methods a command's start compiles (see the module).

    In a fresh interpreter, after the build: the classes are defined as a command defines them,
    compiled or not. Without the record a command compiles them at each start, as Python does.
    """
    done = subprocess.run(
        [sys.executable, "-m", "trading_agents._dataclass_code"],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        say(done.stdout.strip())
    else:
        say(f"dataclass code: not recorded ({done.stderr.strip().splitlines()[-1:]})")


def write_bytecode() -> None:
    """Write every module's bytecode beside it, as an installer does for an installed package.

    The package is installed editable, so `uv sync --compile-bytecode` compiles only the
    dependencies. Where PYTHONDONTWRITEBYTECODE is set (as on this project's machines) Python
    would otherwise compile fifty of the package's modules from source at every start, a
    sixth of a backtest's imports. A module edited later is compiled from source again, in
    memory, as before: its bytecode no longer matches it.
    """
    written = compileall.compile_dir(PACKAGE, quiet=2, workers=os.cpu_count() or 1)
    say("bytecode: written" if written else "bytecode: some modules failed to compile")


def build_extensions() -> None:
    """Compile the listed modules with mypyc and Cython, or say why the pure ones stay."""
    clean()
    if os.environ.get("TRADING_AGENTS_COMPILE", "1") == "0":
        say("compiled hot path: skipped (TRADING_AGENTS_COMPILE=0); pure Python")
        return
    if compiler() is None:
        say("compiled hot path: no C compiler found; the pure-Python modules are used")
        return
    try:
        from Cython.Build import cythonize
        from mypyc.build import mypycify
        from setuptools import Extension, setup  # type: ignore[import-untyped]
    except ImportError as error:
        say(f"compiled hot path: {error}; the pure-Python modules are used")
        return
    sources = [str(PACKAGE / path) for path in COMPILED_MODULES]
    # Taken before the build: a source edited while it runs retires the build at once.
    stamp = stamp_text(PACKAGE, watched_sources())
    os.chdir(REPO)  # mypy reads its settings from pyproject.toml here
    try:
        extensions = mypycify(
            sources,
            opt_level="3",
            group_name="trading_agents",
            target_dir=str(REPO / "build" / "mypyc"),
        )
        extensions += cythonize(
            [
                Extension(
                    "trading_agents." + path.removesuffix(".py").replace("/", "."),
                    [str(PACKAGE / path)],
                )
                for path in CYTHON_MODULES
            ],
            build_dir=str(REPO / "build" / "cython"),
            compiler_directives=CYTHON_DIRECTIVES,
            quiet=True,
        )
        for extension in extensions:
            extension.extra_compile_args = [*extension.extra_compile_args, STRICT_FLOATS]
        # Built from the build folder: setuptools would read pyproject.toml's [project] table
        # here, which is hatchling's, not its own.
        (REPO / "build" / "mypyc").mkdir(parents=True, exist_ok=True)
        os.chdir(REPO / "build" / "mypyc")
        setup(
            name="trading-agents-compiled",
            package_dir={"": str(SRC)},
            ext_modules=extensions,
            script_args=[
                "--quiet",
                "build_ext",
                "--inplace",
                "--build-temp",
                str(REPO / "build" / "mypyc" / "temp"),
                "--parallel",
                str(os.cpu_count() or 1),
            ],
        )
    except (SystemExit, Exception) as error:  # a compiler that fails is not an install error
        clean()
        say(f"compiled hot path: the build failed ({error}); the pure-Python modules are used")
        return
    (PACKAGE / STAMP).write_text(stamp)
    say(
        f"compiled hot path: {len(sources)} modules compiled with mypyc,"
        f" {len(CYTHON_MODULES)} with Cython"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["clean"]:
        clean()
        say("compiled hot path: removed; pure Python")
        sys.exit(0)
    sys.exit(build())
