"""A symbol the exchange no longer lists: the service drops it, says so, and trades the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.asgi import served, until
from tests.support.binance_service import (
    agents_trading,
    last_close,
    public_market,
    recent_candles,
)

ATLAS = "/accounts/acc-1/agents/atlas"


async def test_a_delisted_symbol_is_dropped_named_in_health_and_the_other_trades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    candles = recent_candles()  # BTCUSDT's
    profiles = agents_trading(tmp_path / "agents", ("BTCUSDT", "ETHUSDT"))
    async with public_market(candles) as public:
        public.delist("ETHUSDT")
        env = {
            "TRADING_AGENTS_PROFILES_DIR": str(profiles),
            "MARKET_DATA": "binance",
            "BINANCE_PUBLIC_URL": public.url,
            "BINANCE_PUBLIC_WS_URL": public.ws_url,
        }
        async with served(monkeypatch, **env) as (client, desk):
            # Every candle stepped at once: the moment does not wait for the dropped symbol.
            await until(lambda: desk.kernel.last_close_ms == candles[-1].close_ms)
            health = (await client.get("/health")).json()
            ready = await client.get("/ready")
            await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
            price = float(last_close(candles))
            buy = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": price}
            decided = (await client.post(f"{ATLAS}/signal", json=buy)).json()
            positions = (await client.get(f"{ATLAS}/positions")).json()

    assert health["status"] == "ok"
    assert list(health["market_data_dropped"]) == ["ETHUSDT"]
    assert "not a USDⓈ-M market" in health["market_data_dropped"]["ETHUSDT"]
    assert health["market_data_state"] == "streaming"
    assert ready.status_code == 200
    assert decided["action"] == "open"
    assert [p["symbol"] for p in positions["positions"]] == ["BTCUSDT"]
