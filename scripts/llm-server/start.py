#!/usr/bin/env python3
"""Start the installed `llama-server` on loopback with the repo's tool-call template.

Runs in the foreground: it starts the server, waits until `/health` answers 200, prints the
base URL the brain uses (`http://127.0.0.1:PORT/v1`) on a line of its own, then stays
until it is stopped (SIGTERM or Ctrl-C stop the server with it) or the server exits.

    python3 scripts/llm-server/install.py        # once per machine
    python3 scripts/llm-server/start.py          # http://127.0.0.1:8080/v1
    OPENAI_BASE_URL=http://127.0.0.1:8080/v1 LLM_MODEL=qwen2.5-coder-1.5b ...

Exit 3 when the server or the model is not installed, 1 when the server does not come up.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import install  # noqa: E402  (the script beside this one: paths and pins live there)

TEMPLATE = HERE / "qwen2.5-coder-tools.jinja"
MODEL_ALIAS = "qwen2.5-coder-1.5b"
NOT_INSTALLED = 3


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LLM_SERVER_PORT", 8080)))
    parser.add_argument("--threads", type=int, default=min(os.cpu_count() or 1, 4))
    # The brain's first message, six tools' schemas and a repair turn fit in about 4k tokens;
    # 8k leaves room for read-tool answers without the memory of the model's full 32k.
    parser.add_argument("--ctx-size", type=int, default=8192)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for /health")
    parser.add_argument("--log", type=Path, default=None, help="the server's output file")
    return parser.parse_args(argv)


def command(args: argparse.Namespace, cache: Path) -> list[str]:
    """Return the llama-server command line."""
    return [
        str(install.server_binary(cache)),
        "--model", str(install.model_path(cache)),
        "--alias", MODEL_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(args.port),
        "--jinja",
        "--chat-template-file", str(TEMPLATE),
        "--threads", str(args.threads),
        "--threads-batch", str(args.threads),
        "--ctx-size", str(args.ctx_size),
        "--parallel", "1",  # one decision at a time: two cores gain nothing from slots
        "--n-predict", "320",  # a decision call is under 150 tokens: stop a runaway answer
        "--cache-reuse", "256",  # the system prompt and tools repeat: reuse their KV cache
        "--no-webui",
    ]  # fmt: skip


def healthy(url: str) -> bool:
    """Tell whether `/health` answers 200 (the model is loaded)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Start the server, wait for its health, print its URL, and stay with it."""
    args = arguments(argv)
    cache = install.cache_dir()
    missing = install.problems(cache)
    if missing:
        for problem in missing:
            sys.stderr.write(f"{problem}\n")
        sys.stderr.write(
            "install it with: make llm-model  (or python3 scripts/llm-server/install.py)\n"
        )
        return NOT_INSTALLED
    log_path = args.log or cache / f"llama-server-{args.port}.log"
    base = f"http://127.0.0.1:{args.port}"
    if healthy(base):
        sys.stderr.write(f"something already answers on {base}: pick another --port\n")
        return 1
    with log_path.open("ab") as log:
        server = subprocess.Popen(command(args, cache), stdout=log, stderr=subprocess.STDOUT)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + args.timeout
    while not healthy(base):
        if server.poll() is not None or time.monotonic() > deadline:
            server.terminate()
            server.wait(10)
            tail = log_path.read_text(errors="replace").splitlines()[-20:]
            sys.stderr.write("llama-server did not come up:\n" + "\n".join(tail) + "\n")
            return 1
        time.sleep(0.25)
    sys.stdout.write(f"{base}/v1\n")
    sys.stdout.flush()
    code = server.wait()
    return 0 if code in (0, -signal.SIGTERM) else code


if __name__ == "__main__":
    sys.exit(main())
