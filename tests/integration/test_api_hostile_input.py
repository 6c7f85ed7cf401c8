"""Input as an attacker or a careless client sends it: every answer a 4xx, nothing changed.

Each case below was a 500, a stored oddity or a lost digit before; now it is refused with
the error schema (`detail`, and `errors` for bad fields) and the service is as it was.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.fake_ml_engine import signed
from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk

SECRET = "webhook-secret-for-tests"
JSON = {"content-type": "application/json"}
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"]


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("MARKET_DATA", "replay")
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def _running(client: httpx.AsyncClient) -> int:
    return int((await client.get("/health")).json()["agents_running"])


async def _refused(response: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    assert isinstance(answer["detail"], str)
    assert answer["detail"]
    return answer


async def _start(client: httpx.AsyncClient, equity: str = "10000") -> None:
    body = f'{{"initial_equity": {equity}}}'
    started = await client.post("/agents/atlas/start", content=body, headers=JSON)
    assert started.status_code == 200, started.text


@pytest.mark.parametrize("number", NON_FINITE)
async def test_a_non_finite_or_overflowing_amount_is_422_everywhere(
    client: httpx.AsyncClient, number: str
) -> None:
    answer = await _refused(
        await client.post(
            "/agents/atlas/start", content=f'{{"initial_equity": {number}}}', headers=JSON
        )
    )
    assert await _running(client) == 0
    assert "initial_equity" in answer["detail"] or "JSON" in answer["detail"]

    await _start(client)
    before = (await client.get("/agents/atlas/status")).json()
    for action in ("deposit", "withdraw"):
        body = f'{{"amount": {number}}}'
        await _refused(await client.post(f"/agents/atlas/{action}", content=body, headers=JSON))
    signal = f'{{"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": {number}}}'
    await _refused(await client.post("/agents/atlas/signal", content=signal, headers=JSON))
    stamp = (
        '{"symbol": "BTCUSDT", "action": "hold", "confidence": 0.5, "price": 100000,'
        f' "timestamp": {number}}}'
    )
    await _refused(await client.post("/agents/atlas/signal", content=stamp, headers=JSON))
    assert (await client.get("/agents/atlas/status")).json() == before


async def test_json_nested_100000_deep_is_422_on_the_api_and_on_a_signed_webhook(
    client: httpx.AsyncClient,
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = f'{{"initial_equity": 100, "x": {deep}}}'
    await _refused(await client.post("/agents/atlas/start", content=body, headers=JSON), 413)

    shallow_enough = '{"agent_name": "atlas", "signal": ' + "[" * 40 + "]" * 40 + "}"
    payload = json.loads(shallow_enough)
    raw, headers = signed(SECRET, payload)
    answer = await _refused(await client.post("/webhooks/ml-signals", content=raw, headers=headers))
    assert "nested deeper" in answer["detail"]
    await _refused(
        await client.post(
            "/agents/atlas/start",
            content='{"initial_equity": 100, "x": ' + "[" * 40 + "]" * 40 + "}",
            headers=JSON,
        )
    )
    assert await _running(client) == 0


@pytest.mark.parametrize(
    "account",
    ["a%20b", "a%22b", "%3Cscript%3E", "%F0%9F%98%80", "a%00b", "x" * 10_000, "a'b"],
    ids=["space", "quote", "script", "emoji", "nul", "10k", "apostrophe"],
)
async def test_an_account_id_in_the_path_follows_the_body_rule(
    client: httpx.AsyncClient, account: str
) -> None:
    start = await client.post(
        f"/accounts/{account}/agents/atlas/start", json={"initial_equity": 100}
    )
    answer = await _refused(start)
    assert answer["errors"][0]["loc"] == ["path", "account_id"]
    await _refused(await client.get(f"/accounts/{account}/agents/atlas/status"))
    assert await _running(client) == 0


@pytest.mark.parametrize("agent", ["ATLAS", "a b", "x" * 40, "%00"])
async def test_an_agent_name_in_the_path_is_checked_too(
    client: httpx.AsyncClient, agent: str
) -> None:
    await _refused(await client.post(f"/agents/{agent}/start", json={"initial_equity": 100}))


@pytest.mark.parametrize(
    "amount",
    ["1e-20", "0.00006103515625", '"1_000"', '" 5 "', '"5e3"', "true", '""', "1000000000.00000001"],
)
async def test_an_amount_of_odd_spelling_or_precision_is_refused(
    client: httpx.AsyncClient, amount: str
) -> None:
    body = f'{{"initial_equity": {amount}}}'
    await _refused(await client.post("/agents/atlas/start", content=body, headers=JSON))
    assert await _running(client) == 0


async def test_a_large_amount_comes_back_with_every_digit(client: httpx.AsyncClient) -> None:
    await _start(client, "999999999.99999999")

    status = await client.get("/agents/atlas/status")

    assert '"initial_equity":999999999.99999999' in status.text
    read = json.loads(status.text, parse_float=Decimal)
    assert read["initial_equity"] == Decimal("999999999.99999999")


async def test_a_body_over_the_limit_is_413_before_the_key_is_even_checked(
    client: httpx.AsyncClient,
) -> None:
    big = b'{"amount": 1, "pad": "' + b"x" * 200_000 + b'"}'
    await _refused(await client.post("/agents/atlas/deposit", content=big, headers=JSON), 413)
    raw, headers = signed(SECRET, {"agent_name": "atlas", "signal": {"pad": "x" * 200_000}})
    await _refused(await client.post("/webhooks/ml-signals", content=raw, headers=headers), 413)


@pytest.mark.parametrize("number", ["1e-999999999", "1e999999", "9" * 5000])
async def test_a_number_too_big_to_compute_with_is_refused_at_once(
    client: httpx.AsyncClient, number: str
) -> None:
    await _start(client)
    body = (
        '{"symbol": "BTCUSDT", "action": "hold", "confidence": 0.5, "price": 100000,'
        f' "timestamp": {number}}}'
    )
    answer = await _refused(await client.post("/agents/atlas/signal", content=body, headers=JSON))
    assert "beyond the size" in answer["detail"] or "digits" in answer["detail"]


async def test_a_body_that_is_not_utf8_is_422(client: httpx.AsyncClient) -> None:
    body = b'{"initial_equity": 100, "x": "\xff\xfe"}'
    answer = await _refused(await client.post("/agents/atlas/start", content=body, headers=JSON))
    assert "not UTF-8" in answer["detail"]
    assert await _running(client) == 0
