"""The service built again on its journal: the same agents, or a clear refusal to start."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from tests.support.audit_keys import service_audit_key
from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.journal.store import Journal
from trading_agents.journal.tables import agent_sessions
from trading_agents.service.build import build_desk

BASE = "/accounts/acc-1/agents/atlas"


@pytest.fixture(autouse=True)
def _still_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("REPLAY_SPEED", "0.001")  # no candle comes while a test runs


async def _start_and_buy() -> dict[str, object]:
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.post(f"{BASE}/start", json={"initial_equity": 10000})
            # The replayed sample's market: a signal priced off it is not acted on.
            signal = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}
            await client.post(f"{BASE}/signal", json=signal)
            return dict((await client.get(f"{BASE}/positions")).json())


async def test_an_agent_whose_profile_file_is_gone_comes_back_with_its_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    positions = await _start_and_buy()
    assert positions["total_positions"] == 1
    # Restart with a profiles folder that replaces the house agents by nobody named atlas.
    monkeypatch.setenv("TRADING_AGENTS_PROFILES_DIR", str(profiles))
    (profiles / "zeta.yaml").write_text(
        (Path(__file__).parents[2] / "src/trading_agents/config/data/agents/orion.yaml")
        .read_text()
        .replace("name: orion", "name: zeta")
    )

    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get(f"{BASE}/positions")).json() == positions
            assert (await client.get(f"{BASE}/status")).json()["status"] == "running"


async def test_a_state_from_another_version_stops_the_start_naming_the_session() -> None:
    await _start_and_buy()
    journal = await Journal.open(Settings().database(), service_audit_key())
    async with journal.engine.begin() as connection:
        await connection.execute(
            update(agent_sessions).values(snapshot='{"$o": "AccountSnapshot", "f": {}}')
        )
    await journal.close()

    with pytest.raises(ConfigurationError, match=r"cannot restore atlas on account 'acc-1'.*"
                       r"written by another version"):  # fmt: skip
        await build_desk(Settings())
