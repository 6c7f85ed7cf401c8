"""A 100 MB request at the real service is refused with 413 unread, and memory stays low."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlparse

from tests.support.service import Service, running_service

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = b"x" * 65_536


def _peak_rss_mb(service: Service) -> float:
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    line = next(row for row in status.splitlines() if row.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _send(service: Service, head: bytes, chunks: int, chunked: bool) -> tuple[int, dict[str, str]]:
    """Send a request head and up to `chunks` body chunks; return the answer's status and body."""
    address = urlparse(service.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(head)
        try:
            for _ in range(chunks):
                if chunked:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                else:
                    connection.sendall(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the service answered and stopped reading: what is being tested
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                data = connection.recv(65_536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    head_text, _, body = answer.partition(b"\r\n\r\n")
    status = int(head_text.split()[1])
    return status, json.loads(body[body.index(b"{") :])


def test_a_100_mb_body_is_refused_unread_before_the_key_is_checked() -> None:
    keys = {"TRADING_AGENTS_API_KEY": "a-key-the-sender-lacks", "WEBHOOK_SECRET": "secret"}
    with running_service(keys) as service:
        declared = (
            b"POST /agents/atlas/deposit HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\n" + f"Content-Length: {HUNDRED_MB}\r\n\r\n".encode()
        )
        status, body = _send(service, declared, HUNDRED_MB // len(CHUNK), chunked=False)
        assert status == 413
        assert "over the limit" in body["detail"]

        streamed = (
            b"POST /webhooks/ml-signals HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        status, body = _send(service, streamed, HUNDRED_MB // len(CHUNK), chunked=True)
        assert status == 413

        assert _peak_rss_mb(service) < 300
        assert service.get("/health")["agents_running"] == 0
