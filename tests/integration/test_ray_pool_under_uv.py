"""A local Ray pool started under `uv run` (the README's commands) runs this environment's
package in its workers, not a copy Ray packed and set up again.

Ray's uv integration, on by default, sees a `uv run` among the driver's ancestors and starts
the workers from a packed copy of the current folder with an environment of its own: there
the compiled modules do not load, and every trial runs the pure-Python path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]

# The driver: one task for each fact, on a local instance of one CPU.
DRIVER = """
import inspect, json, operator
from trading_agents._compiled import mode
from trading_agents.backtest.ray_pool import RayPool

pool = RayPool(None, 1)
try:
    [worker_mode] = pool.map(operator.call, [mode])
    [worker_file] = pool.map(inspect.getfile, [RayPool])
finally:
    pool.close()
driver = [mode(), inspect.getfile(RayPool)]
print(json.dumps({"driver": driver, "worker": [worker_mode, worker_file]}))
"""


def uv_binary() -> str:
    """Return the uv the Makefile runs: on PATH, or pip's copy beside the base interpreter."""
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.base_prefix) / "bin"))
    assert found, "no uv on PATH or beside the base interpreter (make install puts one there)"
    return found


def test_workers_under_uv_run_import_the_drivers_package(tmp_path: Path) -> None:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)

    finished = subprocess.run(
        [uv_binary(), "run", "--frozen", "python", str(script)],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    facts = json.loads(finished.stdout.strip().splitlines()[-1])
    assert facts["worker"] == facts["driver"]
