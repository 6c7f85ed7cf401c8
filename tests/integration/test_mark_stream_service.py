"""The service on live Binance market data: a paper stop triggers from the mark price stream and
is booked, published and journaled within a second, with nobody deciding in between."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.asgi import ok, served, until
from tests.support.binance_service import (
    SYMBOL,
    btc_only_agents,
    buy_signal,
    public_market,
    recent_candles,
)
from tests.support.held_position import beyond, resting_stop
from trading_agents.events.types import TripClosed
from trading_agents.model.enums import ExitReason
from trading_agents.model.reports import FillReport

ATLAS = "/accounts/acc-1/agents/atlas"


async def test_a_paper_stop_from_the_mark_stream_is_booked_published_and_journaled_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    candles = recent_candles()
    async with public_market(candles) as public:
        env = {
            "TRADING_AGENTS_PROFILES_DIR": str(btc_only_agents(tmp_path / "agents")),
            "MARKET_DATA": "binance",
            "BINANCE_PUBLIC_URL": public.url,
            "BINANCE_PUBLIC_WS_URL": public.ws_url,
        }
        async with served(monkeypatch, **env) as (client, desk):
            await until(lambda: desk.kernel.last_close_ms == candles[-1].close_ms)
            await public.wait_for_streams()
            await ok(client.post(f"{ATLAS}/start", json={"initial_equity": 10000}))
            opened = await ok(client.post(f"{ATLAS}/signal", json=buy_signal(candles)))
            session = desk.session("atlas", "acc-1")
            stop = await resting_stop(session.parts.venue)
            decisions = session.parts.account.runner.sequence
            events = desk.events.subscribe(
                wanted=lambda e: isinstance(e.payload, FillReport | TripClosed)
            )

            pushed = time.perf_counter()
            assert await public.push_mark(SYMBOL, beyond(stop)) == 1
            fill = await asyncio.wait_for(events.get(), timeout=5)
            trip = await asyncio.wait_for(events.get(), timeout=5)
            await until(lambda: not session.stream.has_pending)  # written to the journal
            journaled_after_s = time.perf_counter() - pushed
            positions = await ok(client.get(f"{ATLAS}/positions"))
            metrics = await ok(client.get(f"{ATLAS}/metrics"))

    assert opened["action"] == "open"
    assert journaled_after_s < 1.0
    assert isinstance(fill.payload, FillReport)
    assert fill.payload.client_order_id == stop.client_order_id
    assert fill.payload.price == beyond(stop)
    assert isinstance(trip.payload, TripClosed)
    assert trip.payload.trip.exit_reason is ExitReason.STOP_LOSS
    assert positions["total_positions"] == 0
    assert metrics["total_trades"] == 1
    assert session.parts.account.runner.sequence == decisions
    assert desk.driver.mark_prices == 1
