"""The service's LLM brain on the real local model (llama-server, Qwen2.5-Coder-1.5B), end to end.

Paper trading through the API over a replay of real BTCUSDT candles: a strong buy signal on a
flat account opens a long, a strong sell signal closes it; a stale signal is held on; a model
that cannot answer in time holds closed. Skipped, saying how to install it, on a machine
without the local model (marker `real_llm`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.backtests import agent
from tests.support.llm_scenarios import SCENARIOS, state
from tests.support.llm_server import MODEL
from tests.support.market_data import candle_file, candles_from
from trading_agents.agents.brains.llm import llm_brain
from trading_agents.api.app import create_app
from trading_agents.config.llm import LlmSettings
from trading_agents.config.settings import Settings
from trading_agents.model.decisions import Action
from trading_agents.service.build import build_desk
from trading_agents.service.market import HISTORY_SHARE

# One event loop for every test on the real model: the server's URL is the same in each, and
# langchain-openai shares one HTTP client per URL and timeout, bound to the loop it first ran on.
pytestmark = [pytest.mark.real_llm, pytest.mark.asyncio(loop_scope="session")]

REPLAY = "futures_um/1m/BTCUSDT_1m_2025-07-06_2025-07-17"
ATLAS = "/accounts/acc-1/agents/atlas"
# Two cores decode about 15 tokens a second: a decision with a repair turn takes a minute.
DECISION_TIMEOUT_S = "180"


def _replay_price() -> float:
    """Return the close the replay starts from: the last of the history the agents warm up on."""
    candles = candles_from(REPLAY)
    return float(candles[int(len(candles) * HISTORY_SHARE) - 1].close)


@pytest_asyncio.fixture(loop_scope="session")
async def client(
    real_llm_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    replay = tmp_path / "replay"
    replay.mkdir()
    source = candle_file(REPLAY)
    (replay / source.name).symlink_to(source)
    monkeypatch.setenv("OPENAI_BASE_URL", real_llm_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("LLM_SERVER", "llamacpp")
    monkeypatch.setenv("LLM_MODEL", MODEL)
    monkeypatch.setenv("LLM_TIMEOUT", DECISION_TIMEOUT_S)
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("MARKET_DATA_REPLAY_PATH", str(replay))
    monkeypatch.setenv("REPLAY_SPEED", "0.001")  # the market stands still while the model thinks
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRADING_AGENTS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("AUDIT_KEY", "a-test-audit-key-of-some-length")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", timeout=400
        ) as client:
            started = await client.post(
                f"{ATLAS}/start", json={"initial_equity": 10000, "brain": "llm"}
            )
            assert started.status_code == 200, started.text
            assert started.json()["brain"] == "llm", started.text
            yield client


async def _positions(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    body = (await client.get(f"{ATLAS}/positions")).json()
    return list(body["positions"])


async def test_the_real_model_opens_on_a_strong_signal_and_closes_on_its_reversal(
    client: httpx.AsyncClient,
) -> None:
    price = _replay_price()
    buy = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": price}

    opened = (await client.post(f"{ATLAS}/signal", json=buy)).json()

    assert opened["action"] == "open", opened
    [position] = await _positions(client)
    assert position["side"] == "long", position

    sell = {**buy, "action": "sell", "price": price}
    closed = (await client.post(f"{ATLAS}/signal", json=sell)).json()

    assert closed["action"] == "close", closed
    assert await _positions(client) == []
    records = (await client.get(f"{ATLAS}/decisions")).json()["items"]
    assert {record["brain"] for record in records} == {f"llm:{MODEL}"}
    assert all(record["tokens"] > 0 for record in records)  # the server's own counts
    assert all(record["cost_usd"] == 0 for record in records)  # a local model is free


async def test_the_real_model_holds_on_a_stale_signal(real_llm_url: str) -> None:
    [stale] = [s for s in SCENARIOS if s.name == "flat_stale_buy_btc"]
    brain = llm_brain(
        agent("atlas").model_copy(update={"brain": "llm"}),
        LlmSettings(
            OPENAI_BASE_URL=real_llm_url,
            LLM_SERVER="llamacpp",
            LLM_MODEL=MODEL,
            LLM_TIMEOUT=DECISION_TIMEOUT_S,
        ),
    )

    decision = await brain.decide(state(stale))

    assert decision.action is Action.HOLD, decision.reasoning
    assert decision.exchange is not None
    [*_, answer] = json.loads(decision.exchange)["messages"]
    calls = answer["data"].get("tool_calls") or [{"name": None}]
    # The model's own call, not a hold the brain fell back on.
    assert calls[-1]["name"] == "hold", (decision.reasoning, answer)


async def test_a_real_model_that_cannot_answer_in_time_holds_with_the_reason(
    real_llm_url: str,
) -> None:
    brain = llm_brain(
        agent("atlas").model_copy(update={"brain": "llm"}),
        LlmSettings(
            OPENAI_BASE_URL=real_llm_url, LLM_SERVER="llamacpp", LLM_MODEL=MODEL, LLM_TIMEOUT=0.2
        ),
    )
    [strong] = [s for s in SCENARIOS if s.name == "flat_strong_buy_btc"]

    decision = await brain.decide(state(strong))

    assert decision.action is Action.HOLD
    assert "did not answer within 0.2 s" in decision.reasoning
