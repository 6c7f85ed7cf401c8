"""The deployment files say what the service reads and serves: names, metrics, health."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from compose_spec import PyCompose
from prometheus_client.parser import text_string_to_metric_families

from tests.support.asgi import served
from trading_agents.config.llm import LlmSettings
from trading_agents.config.settings import Settings

ROOT = Path(__file__).parents[2]
METRIC = re.compile(r"\btrading_agents_[a-z0-9_]+")
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _family(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_the_compose_file_sets_only_names_the_service_reads() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    PyCompose.from_yaml(text)  # the Compose specification's own parser: raises when invalid
    service = yaml.safe_load(text)["services"]["trading-agents"]
    known = {
        field.alias
        for model in (Settings, LlmSettings)
        for field in model.model_fields.values()
        if field.alias
    }

    assert set(service["environment"]) - known == set()
    assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert service["depends_on"]["database"]["condition"] == "service_healthy"


def test_the_image_runs_the_readme_s_command_as_a_user_and_checks_readiness() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()

    assert 'CMD ["trading-agents", "serve"]' in lines
    assert any(line.startswith("USER 10001") for line in lines)
    assert any("/ready" in line for line in lines if "CMD" in line or "urlopen" in line)


async def test_every_grafana_query_names_a_metric_the_service_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/trading-agents.json").read_text())
    queries = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", ())
    ]
    async with served(monkeypatch) as (client, _desk):
        page = (await client.get("/metrics")).text

    served_families = {family.name for family in text_string_to_metric_families(page)}
    asked = {_family(name) for query in queries for name in METRIC.findall(query)}
    assert len(queries) >= 20
    assert asked - served_families == set()
