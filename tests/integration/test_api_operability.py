"""What an operator and a load balancer see: readiness, the servers list, safe repeats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.fake_ml_engine import FakeMlEngine
from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.core.clock import iso_utc
from trading_agents.service.build import build_desk


@pytest.fixture
def engine() -> Iterator[FakeMlEngine]:
    with FakeMlEngine() as server:
        yield server


async def test_ready_is_503_while_a_part_is_down_and_health_keeps_answering_200(
    engine: FakeMlEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("ML_ENGINE_URL", engine.url)
    monkeypatch.setenv("ML_POLL_INTERVAL", "0.05")
    monkeypatch.setenv("ML_ENGINE_TIMEOUT", "0.3")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/ready")).status_code == 200
            started = await client.post("/agents/atlas/start", json={"initial_equity": 1000})
            assert started.status_code == 200  # the engine is polled for running agents

            engine.status = 503
            deadline = time.monotonic() + 10
            while (ready := await client.get("/ready")).status_code != 503:
                assert time.monotonic() < deadline, "readiness never saw the engine down"
                await asyncio.sleep(0.05)
            health = await client.get("/health")

            assert "degraded" in ready.json()["ml_engine"]
            assert health.status_code == 200
            assert (health.json()["status"], health.json()["agents_running"]) == ("degraded", 1)


def test_the_openapi_document_names_where_clients_reach_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADING_AGENTS_URL", "https://agents.example.com")
    app = create_app(Settings(), build_desk)

    assert app.openapi()["servers"] == [{"url": "https://agents.example.com"}]


async def test_the_interactive_documents_load_nothing_from_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    app = create_app(Settings(), build_desk)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for page, script in [
            ("/docs", "/assets/docs/swagger-ui-bundle.js"),
            ("/redoc", "/assets/docs/redoc.standalone.js"),
        ]:
            html = (await client.get(page)).text
            assert script in html
            assert "https://" not in html, f"{page} loads something from elsewhere"
            asset = await client.get(script)
            assert asset.status_code == 200
            assert len(asset.content) > 100_000


async def test_market_data_is_streaming_only_while_candles_come_on_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.01")  # two symbols: a moment due every 200 s
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            on_time = (await client.get("/health")).json()
            desk = app.state.desk
            assert desk.last_moment_ms is not None
            desk.last_moment_ms -= 500_000  # nothing came for 500 s
            late = (await client.get("/health")).json()
            ready = await client.get("/ready")

    assert (on_time["status"], on_time["market_data_state"]) == ("ok", "streaming")
    assert late["status"] == "degraded"
    assert late["market_data_state"].startswith("late: no candle for 50")
    assert "due every 200 s" in late["market_data_state"]
    assert ready.status_code == 503


async def test_health_says_up_to_which_candle_every_agent_has_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "50")  # a moment every 40 ms
    app = create_app(Settings(), build_desk)
    seen: list[str | None] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            deadline = time.monotonic() + 20
            while len({through for through in seen if through is not None}) < 3:
                assert time.monotonic() < deadline, seen
                seen.append((await client.get("/health")).json()["market_data_through"])
                await asyncio.sleep(0.02)
            desk = app.state.desk
            last = (await client.get("/health")).json()["market_data_through"]
            assert last == iso_utc(desk.stepped_through_ms)

    stepped = [through for through in seen if through is not None]
    assert stepped == sorted(stepped)  # it only moves on
    assert all(through.endswith(":00Z") for through in stepped)  # a 1m candle's close
    assert None not in seen[seen.index(stepped[0]) :]
