"""The real service process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

SERVE = [str(Path(sys.executable).parent / "trading-agents"), "serve"]


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    """A running service process and a client for it."""

    process: subprocess.Popen[bytes]
    url: str
    client: httpx.Client
    output: IO[bytes]  # what the process wrote, standard output and error together

    def said(self) -> str:
        """Return everything the process has written so far."""
        # Read at an offset: the file's position is shared with the process that writes it.
        fd = self.output.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def get(self, path: str) -> Any:
        """GET a path and return the JSON, failing on a non-2xx answer."""
        response = self.client.get(path)
        assert response.status_code < 300, response.text
        return response.json()

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """POST a path and return the JSON, failing on a non-2xx answer."""
        response = self.client.post(path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """PUT a path and return the JSON, failing on a non-2xx answer."""
        response = self.client.put(path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def wait_for(self, path: str, ready: Any, timeout_s: float = 20.0) -> Any:
        """Poll a path until `ready(answer)` holds; return the answer."""
        deadline = time.monotonic() + timeout_s
        while True:
            answer = self.get(path)
            if ready(answer):
                return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never got ready: {answer}")
            time.sleep(0.2)

    def kill(self) -> None:
        """Kill the process with SIGKILL, as a crash would: no shutdown code runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def journal_folder() -> Iterator[dict[str, str]]:
    """Return the settings of a fresh SQLite journal and spool in a folder removed after."""
    folder = tempfile.mkdtemp(prefix="trading-agents-journal-")
    try:
        yield {
            "DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'journal.db'}",
            "TRADING_AGENTS_SPOOL_DIR": str(Path(folder) / "spool"),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def running_service(env: Mapping[str, str] | None = None) -> Iterator[Service]:
    """Start `trading-agents serve` on a free port (replayed data) and stop it after.

    Without a DATABASE_URL in `env` the service journals to a fresh file of its own.
    """
    if env is None or "DATABASE_URL" not in env:
        with (
            journal_folder() as journal,
            running_service({**(env or {}), **journal}) as service,
        ):
            yield service
        return
    port = int(env["TRADING_AGENTS_PORT"]) if "TRADING_AGENTS_PORT" in env else free_port()
    environment = {
        **os.environ,
        "TRADING_AGENTS_PORT": str(port),
        "MARKET_DATA": "replay",
        "REPLAY_SPEED": "20",
        **env,
    }
    # The output goes to a file: a pipe nobody reads fills up with logs and stalls the service.
    with tempfile.TemporaryFile() as output:
        yield from _serve(environment, port, output)


def _serve(environment: Mapping[str, str], port: int, output: IO[bytes]) -> Iterator[Service]:
    """Run the service until the caller is done with it; stop it even if it failed."""
    process = subprocess.Popen(SERVE, env=environment, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=10)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output.seek(0)
                said = output.read().decode(errors="replace")[-4000:]
                raise AssertionError(f"the service exited with {process.returncode}: {said}")
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the service did not answer /health within 30 s")
            time.sleep(0.2)
        yield Service(process, url, client, output)
    finally:
        client.close()
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
