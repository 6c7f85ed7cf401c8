"""The committed TypeScript client matches the API: regenerated, nothing changes.

A route or schema changed without `make client` leaves `clients/typescript/openapi.json` or
its generated `src/schema.ts` behind; this fails, naming the file, until they are
regenerated and committed with the change.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.typescript_client import BIN, CLIENT, need_node_packages

TRADING_AGENTS = str(Path(sys.executable).parent / "trading-agents")
STALE = "is stale against the API: run `make client` and commit what it regenerates"


def test_the_committed_openapi_document_is_the_service_s(tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    subprocess.run([TRADING_AGENTS, "openapi", "--out", str(document)], check=True)

    committed = (CLIENT / "openapi.json").read_text(encoding="utf-8")
    assert document.read_text(encoding="utf-8") == committed, f"openapi.json {STALE}"


def test_the_committed_client_types_are_generated_from_that_document(tmp_path: Path) -> None:
    need_node_packages()
    schema = tmp_path / "schema.ts"
    subprocess.run(
        [str(BIN / "openapi-typescript"), "openapi.json", "--output", str(schema)],
        cwd=CLIENT,
        check=True,
        capture_output=True,
    )

    committed = (CLIENT / "src" / "schema.ts").read_text(encoding="utf-8")
    assert schema.read_text(encoding="utf-8") == committed, f"src/schema.ts {STALE}"
