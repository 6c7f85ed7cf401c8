"""`trading-agents optimize --ray-address`: the trials run on a Ray cluster of two nodes that
the test starts with `ray start`, and the result is the one the same command gets without Ray.

The cluster has a token of its own (Ray's token authentication), so it neither takes nor
needs ~/.ray/auth_token, which a local `ray.init()` writes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.market_data import market_dir
from tests.support.service import free_port

BIN = Path(sys.executable).parent
RAY = str(BIN / "ray")
PER_RUN = {"execution", "command"}


def _ray(arguments: list[str], environment: Mapping[str, str], log: Path) -> None:
    # `ray start` leaves daemons behind that hold its output open: write it to a file.
    with log.open("ab") as output:
        finished = subprocess.run(
            [RAY, *arguments], env=environment, stdout=output, stderr=output, timeout=120
        )
    assert finished.returncode == 0, log.read_text(errors="replace")[-3000:]


@contextmanager
def ray_cluster(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Start a head and a second node of one CPU each; yield the address and the environment."""
    port = free_port()
    environment = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(16),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    address = f"127.0.0.1:{port}"
    log = tmp_path / "ray.log"
    try:
        _ray(["start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
              "--node-ip-address=127.0.0.1"], environment, log)  # fmt: skip
        _ray(["start", f"--address={address}", "--num-cpus=1", "--node-ip-address=127.0.0.1"],
             environment, log)  # fmt: skip
        yield address, environment
    finally:
        subprocess.run([RAY, "stop", "--force"], env=environment, capture_output=True, timeout=120)


def _optimize(out: Path, environment: Mapping[str, str], *extra: str) -> dict[str, Any]:
    command = [
        str(BIN / "trading-agents"), "optimize", "--quiet", "--agent", "nova",
        "--symbols", "BTCUSDT", "--data", str(market_dir() / "futures_um" / "1m"),
        "--funding", str(market_dir() / "funding"), "--from", "2025-05-06", "--to", "2025-05-09",
        "--folds", "2", "--trials", "4", "--batch", "4", "--seed", "3", "--out", str(out),
        *extra,
    ]  # fmt: skip
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=180)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    result: dict[str, Any] = json.loads((out / "result.json").read_text())
    result["printed"] = finished.stdout
    return result


def _same_run(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key not in {*PER_RUN, "printed"}}


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the optimisation without Ray; return its result."""
    return _optimize(tmp_path_factory.mktemp("in-process") / "run", os.environ, "--workers", "0")


def test_an_optimisation_runs_its_trials_on_a_ray_cluster_of_two_nodes(
    tmp_path: Path, in_process: dict[str, Any]
) -> None:
    with ray_cluster(tmp_path) as (address, environment):
        on_ray = _optimize(tmp_path / "on-ray", environment, "--ray-address", address)

    assert on_ray["execution"]["runner"] == f"on the Ray cluster at {address} (2 CPUs)"
    assert on_ray["execution"]["trials_run"] == 8
    assert [len(fold["trials"]) for fold in on_ray["folds"]] == [4, 4]
    assert "PBO" in on_ray["printed"]
    assert _same_run(on_ray) == _same_run(in_process)


def test_without_an_address_the_trials_run_on_a_ray_instance_of_this_machine(
    tmp_path: Path, in_process: dict[str, Any]
) -> None:
    on_ray = _optimize(tmp_path / "run", os.environ, "--workers", "2")

    assert on_ray["execution"]["runner"] == "on a local Ray instance (2 CPUs)"
    assert _same_run(on_ray) == _same_run(in_process)
