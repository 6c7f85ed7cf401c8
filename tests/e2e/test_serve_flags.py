"""`serve --host --port`: the flags beat the environment."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time

import httpx

from tests.support.service import SERVE, free_port


def test_the_port_flag_beats_the_environment() -> None:
    flagged, ignored = free_port(), free_port()
    environment = {
        **os.environ,
        "TRADING_AGENTS_PORT": str(ignored),
        "MARKET_DATA": "replay",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/journal.db",
    }
    command = [*SERVE, "--host", "127.0.0.1", "--port", str(flagged)]
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the service exited"
            try:
                answer = httpx.get(f"http://127.0.0.1:{flagged}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nothing answered on the flagged port"
                time.sleep(0.2)
        assert answer.status_code == 200
        try:
            httpx.get(f"http://127.0.0.1:{ignored}/health", timeout=1)
            raise AssertionError("the service listened on the environment's port too")
        except httpx.TransportError:
            pass
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_bad_port_flag_is_a_clear_error() -> None:
    answer = subprocess.run([*SERVE, "--port", "70000"], capture_output=True, text=True)

    assert answer.returncode != 0
    assert "65535" in answer.stderr  # the range it must be in
