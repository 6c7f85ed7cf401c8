"""The local llama-server with the real model, started from the machine's cache for a test run.

`scripts/llm-server/install.py` builds the server and joins the model into a cache outside the
clone; `local_llm_server` starts it there with `scripts/llm-server/start.py` on a free
loopback port and stops it afterwards. Without an installation it raises `NotInstalled`,
whose message says how to install it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "llm-server"
MODEL = "qwen2.5-coder-1.5b"  # the name start.py serves the model under
START_TIMEOUT_S = 180  # loading 1.1 GB from a cold page cache on a busy machine
INSTALL_HINT = "make llm-model  (or: python3 scripts/llm-server/install.py)"


class NotInstalled(Exception):
    """The local server or its model is not in this machine's cache."""


def installed() -> str | None:
    """Return why the local model cannot run here, or None when it can."""
    check = subprocess.run(
        [sys.executable, str(SCRIPTS / "install.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check.returncode == 0:
        return None
    return check.stdout.strip() or check.stderr.strip() or "not installed"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_llm_server() -> Iterator[str]:
    """Start llama-server with the real model on loopback; yield its base URL (`.../v1`)."""
    problem = installed()
    if problem is not None:
        raise NotInstalled(
            f"the local LLM is not installed ({problem.splitlines()[0]}); install it with"
            f" {INSTALL_HINT}"
        )
    threads = os.environ.get("LLM_SERVER_THREADS", str(min(os.cpu_count() or 1, 4)))
    server = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPTS / "start.py"),
            "--port",
            str(_free_port()),
            "--threads",
            threads,
            "--timeout",
            str(START_TIMEOUT_S),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()  # start.py prints it once /health answers
        if not url.startswith("http://127.0.0.1:"):
            server.wait(30)
            raise RuntimeError(
                f"llama-server did not start: {server.stderr.read() if server.stderr else ''}"
            )
        yield url
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # start.py stops llama-server with it
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
        for stream in (server.stdout, server.stderr):
            if stream is not None:
                stream.close()
