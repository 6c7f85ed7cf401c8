"""Paper trading with the LLM brain through the service, against the fake OpenAI server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.support.asgi import until
from tests.support.fake_alert_sinks import FakeAlertSinks, alerts_when
from tests.support.fake_openai import Answer, FakeOpenAI, flip_policy
from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.journal.tables import audit_log
from trading_agents.service.build import build_desk

ATLAS = "/accounts/acc-1/agents/atlas"
BUY = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105800}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(responder=flip_policy) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("LLM_SERVER", "openai")
        monkeypatch.setenv("LLM_MODEL", "gpt-4o-mini")
        monkeypatch.setenv("MARKET_DATA", "replay")
        monkeypatch.setenv("REPLAY_SPEED", "0.001")
        yield running


@pytest.fixture
def app(fake: FakeOpenAI) -> Any:
    return create_app(Settings(), build_desk)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            started = await client.post(
                f"{ATLAS}/start", json={"initial_equity": 10000, "brain": "llm"}
            )
            assert started.json()["brain"] == "llm", started.text
            yield client


async def _decisions(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await client.get(f"{ATLAS}/decisions")).json()["items"])


async def test_the_llm_brain_trades_a_signal_and_its_decision_carries_tokens_and_cost(
    client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    decision = (await client.post(f"{ATLAS}/signal", json=BUY)).json()

    assert decision["action"] == "open", decision
    assert decision["reasoning"] == "trend up"
    assert (await client.get(f"{ATLAS}/positions")).json()["total_positions"] == 1
    [record] = await _decisions(client)
    assert record["brain"] == "llm:gpt-4o-mini"
    assert record["tokens"] == 960
    assert record["cost_usd"] > 0
    llm = (await client.get(f"{ATLAS}/metrics")).json()["llm"]
    assert (llm["calls"], llm["input_tokens"], llm["output_tokens"]) == (1, 900, 60)
    context = json.loads(fake.requests[0]["messages"][1]["content"])
    assert context["symbol"] == "BTCUSDT"
    assert (context["signal"]["action"], context["signal"]["confidence"]) == ("buy", 0.85)
    assert context["allowed_actions"] == ["open_position", "hold"]  # flat: nothing to close


async def test_a_failing_llm_holds_with_the_reason_and_sends_no_order(
    client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    fake.answer(Answer(status=500))

    decision = (await client.post(f"{ATLAS}/signal", json=BUY)).json()

    assert decision["action"] == "hold"
    assert "HTTP 500" in decision["reasoning"]
    assert decision["orders"] == []
    assert (await client.get(f"{ATLAS}/orders")).json()["count"] == 0


async def test_an_llm_start_without_a_key_is_refused_and_starts_nothing(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            refused = await client.post(
                f"{ATLAS}/start", json={"initial_equity": 10000, "brain": "llm"}
            )
            status = await client.get(f"{ATLAS}/status")
    assert refused.status_code == 422
    assert "OPENAI_API_KEY" in refused.json()["detail"]
    assert status.status_code == 404


async def test_the_audit_log_keeps_the_llm_exchange_of_each_decision(
    client: httpx.AsyncClient, app: Any
) -> None:
    await client.post(f"{ATLAS}/signal", json=BUY)
    desk = app.state.desk

    async with desk.journal.journal.engine.connect() as connection:
        rows = (
            await connection.execute(select(audit_log.c.body).where(audit_log.c.kind == "decision"))
        ).all()
    [body] = [json.loads(row.body) for row in rows]
    assert body["tokens"]["input"] == 900
    assert body["llm_exchange"]["messages"][-1]["data"]["tool_calls"][0]["name"] == "open_position"
    _, problem = await desk.journal.journal.verify_audit()
    assert problem is None


async def test_a_decision_s_exchange_reads_back_as_the_messages_sent_and_answered(
    client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    await client.post(f"{ATLAS}/signal", json=BUY)
    [record] = await _decisions(client)

    exchange = (await client.get(f"{ATLAS}/decisions/{record['sequence']}/exchange")).json()

    sent = fake.requests[0]["messages"]
    assert [m["role"] for m in exchange["messages"]] == [
        *(m["role"] for m in sent),
        "assistant",
    ]
    assert exchange["messages"][1]["content"] == sent[1]["content"]
    (called,) = exchange["messages"][-1]["tool_calls"]
    assert called["name"] == "open_position"
    assert (exchange["calls"], exchange["input_tokens"], exchange["output_tokens"]) == (1, 900, 60)
    assert exchange["cost_usd"] == record["cost_usd"]


async def test_an_exchange_is_refused_with_404_for_an_unknown_decision_or_a_rule_brain(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get(f"{ATLAS}/decisions/999/exchange")
    await client.post("/accounts/acc-2/agents/atlas/start", json={"initial_equity": 1000})
    await client.post("/accounts/acc-2/agents/atlas/signal", json=BUY)
    rules = await client.get("/accounts/acc-2/agents/atlas/decisions/1/exchange")

    assert missing.status_code == 404
    assert "no decision 999" in missing.json()["detail"]
    assert rules.status_code == 404
    assert "rule" in rules.json()["detail"], rules.json()


async def test_the_metrics_count_the_llm_s_calls_tokens_and_dollars_by_model(
    client: httpx.AsyncClient,
) -> None:
    await client.post(f"{ATLAS}/signal", json=BUY)
    [record] = await _decisions(client)

    page = (await client.get("/metrics")).text

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }
    model = (("model", "gpt-4o-mini"),)
    assert samples[("trading_agents_llm_calls_total", model)] == 1
    assert samples[("trading_agents_llm_tokens_total", (("direction", "input"), *model))] == 900
    assert samples[("trading_agents_llm_tokens_total", (("direction", "output"), *model))] == 60
    assert samples[("trading_agents_llm_cost_usd_total", model)] == pytest.approx(
        record["cost_usd"]
    )


async def test_a_spent_daily_budget_alerts_a_person_once(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sinks: FakeAlertSinks
) -> None:
    house = Path(__file__).parents[2] / "src/trading_agents/config/data/agents/atlas.yaml"
    folder = tmp_path / "agents"
    folder.mkdir()
    # One decision costs 0.000171 USD against this fake: the first one spends the day's budget.
    budget = "llm_daily_budget_usd: 0.0001\nsymbols:"
    (folder / "atlas.yaml").write_text(house.read_text().replace("symbols:", budget, 1))
    monkeypatch.setenv("TRADING_AGENTS_PROFILES_DIR", str(folder))
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.post(f"{ATLAS}/start", json={"initial_equity": 10000, "brain": "llm"})
            await client.post(f"{ATLAS}/signal", json=BUY)
            await client.post(f"{ATLAS}/signal", json={**BUY, "price": 105801})  # holds

            alerts = await alerts_when(client)
            decisions = await _decisions(client)
            await until(lambda: len(sinks.received("slack")) == 1)

    assert [(a["rule"], a["subject"]) for a in alerts] == [("llm_budget_spent", "atlas@acc-1")]
    assert sinks.received("slack")[0].body["text"].startswith("[WARNING] LLM budget spent")
    assert "budget" in decisions[-1]["reasoning"]
