"""The TypeScript client's folder, and whether its npm packages are there to run it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"
BIN = CLIENT / "node_modules" / ".bin"


def need_node_packages() -> None:
    """Skip with the command that installs them, or fail in CI, where they must be there."""
    missing = shutil.which("node") is None or not (BIN / "tsc").exists()
    if not missing:
        return
    message = (
        "the TypeScript client's packages are not installed: run `npm ci` in clients/typescript"
        " (make install does; Node.js 20 or newer)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
