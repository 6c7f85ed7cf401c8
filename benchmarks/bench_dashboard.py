"""Measure the dashboard with 1,000 agents: a fill's time to its row, and the desk's load time.

The real service process (`trading-agents serve`, replayed sample at one candle a minute,
SQLite journal) runs 1,000 Atlas sessions, each on its own account. Headless Chromium
(Debian's, driven by Playwright) opens the dashboard:
- `dashboard_desk_load`: from navigating to `/` to all 1,000 `agent-row`s on the page, the
  median of BENCH_LOADS loads.
- `dashboard_fill_to_row`: an agent's page is open and live; a signal goes through the API,
  whose answer comes once the entry filled and was journaled; the time from that answer to
  the position's row in `positions-table`, over BENCH_FILLS accounts (p50 and p99). The row
  arrives by the event stream: the page is never reloaded.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.browser import find_chromium
from tests.support.service import Service, running_service

AGENTS = int(os.environ.get("BENCH_AGENTS", "1000"))
LOADS = int(os.environ.get("BENCH_LOADS", "5"))
FILLS = int(os.environ.get("BENCH_FILLS", "60"))
PRICE = 105_800.0  # the replayed sample's level: within Atlas's price limit


def _start(service: Service) -> None:
    def start(index: int) -> None:
        path = f"/accounts/dash-{index}/agents/atlas/start"
        service.client.post(path, json={"initial_equity": 10000}).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(start, range(AGENTS)))


def measure(service: Service) -> list[dict[str, object]]:
    """Time the desk's loads and the fills' rows in headless Chromium."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("headless Chromium not found: apt-get install -y chromium")
    _start(service)
    loads: list[float] = []
    fills: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        for _ in range(LOADS):
            began = time.perf_counter()
            page.goto(f"{service.url}/")
            page.locator("[data-testid=agent-row]").nth(AGENTS - 1).wait_for(state="attached")
            loads.append(time.perf_counter() - began)
        for index in range(FILLS):
            path = f"/accounts/dash-{index}/agents/atlas"
            page.goto(f"{service.url}/#{path}")
            page.locator("[data-testid=positions-table]").wait_for()
            page.locator("[data-testid=connection-status][data-state=live]").wait_for()
            body = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": PRICE}
            answer = service.client.post(f"{path}/signal", json=body)
            filled = time.perf_counter()
            if answer.json().get("action") != "open":
                raise SystemExit(f"{path}: the signal opened nothing: {answer.text[:300]}")
            row = "[data-testid=positions-table] tr[data-symbol=BTCUSDT]"
            page.locator(row).wait_for()
            fills.append(time.perf_counter() - filled)
        browser.close()
    cuts = statistics.quantiles(fills, n=100, method="inclusive")
    return [
        {
            "benchmark": f"dashboard_desk_load ({AGENTS} accounts)",
            "figure": round(statistics.median(loads), 3),
            "unit": "s",
        },
        {
            "benchmark": f"dashboard_fill_to_row p50 ({AGENTS} agents)",
            "figure": round(cuts[49], 3),
            "unit": "s",
        },
        {
            "benchmark": f"dashboard_fill_to_row p99 ({AGENTS} agents)",
            "figure": round(cuts[98], 3),
            "unit": "s",
        },
    ]


def main() -> None:
    """Run the service with its own journal, measure, then stop it."""
    env = {"MARKET_DATA": "replay", "REPLAY_SPEED": str(1 / 60), "RATE_LIMIT_PER_S": "0"}
    with running_service(env) as service:
        for row in measure(service):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
