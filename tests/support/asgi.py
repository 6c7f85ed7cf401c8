"""The service's app run in the test's own event loop, reached by httpx through ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from trading_agents.api.app import create_app
from trading_agents.config.settings import Settings
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk

# The replayed sample, so slow that no candle comes while a test runs.
STILL_REPLAY = {"MARKET_DATA": "replay", "REPLAY_SPEED": "0.001"}


@asynccontextmanager
async def served(
    monkeypatch: pytest.MonkeyPatch, **env: str
) -> AsyncIterator[tuple[httpx.AsyncClient, TradingDesk]]:
    """Start the app with `env` over the still replay; yield a client and the desk."""
    for name, value in {**STILL_REPLAY, **env}.items():
        monkeypatch.setenv(name, value)
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app.state.desk


@asynccontextmanager
async def warmed_up(last_close_ms: int) -> AsyncIterator[tuple[httpx.AsyncClient, TradingDesk]]:
    """Run the app on the settings in the environment once its candles up to then are stepped.

    Every backfilled candle stepped: the agents are warm.
    """
    app = create_app(Settings(), build_desk)
    async with app.router.lifespan_context(app):
        desk: TradingDesk = app.state.desk
        await until(lambda: desk.kernel.last_close_ms == last_close_ms)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, desk


async def ok(call: Awaitable[httpx.Response]) -> Any:
    """Return the JSON of a 200 answer; fail with its text otherwise."""
    response = await call
    assert response.status_code == 200, response.text
    return response.json()


async def until(ready: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Wait until `ready()` holds; fail after `timeout_s`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not ready():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("never got ready")
        await asyncio.sleep(0.02)


async def until_answered(ready: Callable[[], Awaitable[bool]], timeout_s: float = 15.0) -> None:
    """Wait until the coroutine `ready()` answers True (asking the service, say); fail after."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await ready():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("never got ready")
        await asyncio.sleep(0.05)
