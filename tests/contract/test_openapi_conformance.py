"""The OpenAPI document tells the truth: Schemathesis, every check, finds nothing at the service.

The real service runs (replayed market data, SQLite, the project's fake ML engine behind
ML_ENGINE_URL) and Schemathesis walks every operation of its `/openapi.json` through its
examples, coverage, fuzzing and stateful phases with all checks: no 5xx, only documented
statuses, answers that match their schemas, schema-valid requests taken and invalid ones
refused. `schemathesis.toml` at the repository root says which refusals of schema-valid
requests are the agents' own rules.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_ml_engine import FakeMlEngine
from tests.support.service import running_service

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "40" if os.environ.get("CI") else "15")


@pytest.fixture
def engine() -> Iterator[FakeMlEngine]:
    with FakeMlEngine() as running:
        yield running


def test_schemathesis_finds_no_failure_of_any_check(
    engine: FakeMlEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    environment = {
        "ML_ENGINE_URL": engine.url,
        "WEBHOOK_SECRET": "a-secret-schemathesis-does-not-know",
        "RATE_LIMIT_PER_S": "0",  # what is tested is the answers, not the limiter
        "REPLAY_SPEED": "0.001",
        "VENUE_CREDENTIALS_KEY": "schemathesis-credentials-key-0123456789",
    }
    with running_service(environment) as service:
        result = subprocess.run(
            [
                SCHEMATHESIS,
                "run",
                f"{service.url}/openapi.json",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                EXAMPLES,
                "--seed",
                "20261205",
                "--no-color",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
        )
    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    with capsys.disabled():
        operations = re.search(r"Tested: (\d+)", summary)
        cases = re.search(r"(\d+) generated", summary)
        sys.stdout.write(
            f"\nschemathesis: {operations.group(1) if operations else '?'} operations,"
            f" {cases.group(1) if cases else '?'} test cases; exit {result.returncode}\n"
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
