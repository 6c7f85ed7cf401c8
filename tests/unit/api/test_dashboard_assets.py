"""The dashboard's assets ship in the package, pinned, and nothing is fetched from elsewhere."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).parents[3]
ASSETS = Path(str(resources.files("trading_agents.api").joinpath("assets", "dashboard")))


def test_the_shipped_chart_library_is_the_pinned_version() -> None:
    pinned = json.loads((ROOT / "frontend/package.json").read_text())["dependencies"]
    shipped = (ASSETS / "vendor/lightweight-charts.standalone.production.js").read_text()

    assert f"Lightweight Charts™ v{pinned['lightweight-charts']}\n" in shipped[:300]


def test_the_page_loads_only_its_own_assets() -> None:
    for name in ("index.html", "app.js", "style.css"):
        text = (ASSETS / name).read_text()
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", text), name
        assert "cdn" not in text.lower(), name
