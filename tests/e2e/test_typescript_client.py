"""The platform backend's TypeScript client walks the integration guide's scenario.

The real service runs on loopback (replayed market data, SQLite, an API key), and Node's
test runner runs `clients/typescript/test/scenario.test.ts` through the built client, as
the backend's code would call it.
"""

from __future__ import annotations

import os
import subprocess

from tests.support.service import running_service
from tests.support.typescript_client import BIN, CLIENT, need_node_packages

KEY = "platform-key-0123456789"


def test_the_guide_s_scenario_passes_through_the_typescript_client() -> None:
    need_node_packages()
    built = subprocess.run(
        [str(BIN / "tsc"), "-p", "tsconfig.json"], cwd=CLIENT, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr

    settings = {"TRADING_AGENTS_API_KEY": KEY, "VENUE_CREDENTIALS_KEY": "k" * 40}
    with running_service(settings) as service:
        environment = {**os.environ, "TRADING_AGENTS_URL": service.url}
        environment["TRADING_AGENTS_API_KEY"] = KEY
        ran = subprocess.run(
            ["node", "--test", "--test-reporter=spec", "dist/test/"],
            cwd=CLIENT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert ran.returncode == 0, ran.stdout[-6000:] + ran.stderr[-3000:]
    assert "pass 5" in ran.stdout, ran.stdout[-3000:]
