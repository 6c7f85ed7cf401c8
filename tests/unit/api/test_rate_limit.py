"""One caller past its rate gets 429 with Retry-After; others and the probes are not held."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from trading_agents.api.limits import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _ok(request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _client(clock: Clock) -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/agents/atlas/status", _ok), Route("/health", _ok)])
    limited = RateLimit(app, per_second=2, burst=3, now=clock, api_key="k1")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t")


async def test_a_caller_past_its_burst_gets_429_with_retry_after_until_a_token_is_back() -> None:
    clock = Clock()
    async with _client(clock) as client:
        key = {"X-API-Key": "k1"}
        answers = [(await client.get("/agents/atlas/status", headers=key)) for _ in range(4)]
        clock.now += 0.5  # one token back at 2 a second
        after = await client.get("/agents/atlas/status", headers=key)

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].headers["retry-after"] == "1"
    assert "too many requests" in answers[3].json()["detail"]
    assert after.status_code == 200


async def test_the_service_key_has_its_own_rate_a_made_up_key_does_not_and_probes_are_free() -> (
    None
):
    clock = Clock()
    async with _client(clock) as client:
        for _ in range(3):
            await client.get("/agents/atlas/status", headers={"Authorization": "Bearer k1"})
        same = await client.get("/agents/atlas/status", headers={"X-API-Key": "k1"})
        address = [
            (await client.get("/agents/atlas/status", headers={"X-API-Key": f"made-up-{n}"}))
            for n in range(4)
        ]
        probes = [(await client.get("/health")).status_code for _ in range(10)]

    assert same.status_code == 429  # the bearer token and the header are the same key
    assert [a.status_code for a in address] == [200, 200, 200, 429]  # one bucket: the address
    assert set(probes) == {200}
