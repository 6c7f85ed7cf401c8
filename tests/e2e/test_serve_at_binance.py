"""`trading-agents serve` with VENUE=binance, trading the fake Binance, killed and restarted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.support.binance_service import (
    SYMBOL,
    binance_environment,
    btc_only_agents,
    last_close,
    public_market,
    recent_candles,
)
from tests.support.fake_binance_futures import FakeBinanceFutures
from tests.support.service import Service, journal_folder, running_service
from trading_agents.core.clock import iso_utc

NOVA = "/accounts/acc-1/agents/nova"
# Priced at the market the fake trades at: a signal priced off it is not acted on.
BUY = {
    "symbol": SYMBOL,
    "action": "buy",
    "confidence": 0.9,
    "price": float(last_close(recent_candles())),
}


@pytest.fixture
def binance(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeBinanceFutures, dict[str, str], str]]:
    """Serve the fake Binance account and live candles; give the last candle's close too."""
    candles = recent_candles()
    public = public_market(candles)
    futures = FakeBinanceFutures(wallet=Decimal(10_000))
    public.start()
    futures.start()
    try:
        futures.set_price(SYMBOL, last_close(candles))
        agents = btc_only_agents(tmp_path_factory.mktemp("agents"))
        yield futures, binance_environment(futures, public, agents), iso_utc(candles[-1].close_ms)
    finally:
        futures.close()
        public.close()


def _warm(service: Service, backfill_end: str) -> None:
    """Wait until every backfilled candle has been stepped: the agents warm up on them.

    An agent started before then would trade on the rest of the backfill as it comes.
    """
    service.wait_for("/health", lambda h: (h["market_data_through"] or "") >= backfill_end)


def _held(service: Service) -> Decimal:
    positions = service.get(f"{NOVA}/positions")["positions"]
    return sum((Decimal(str(p["quantity"])) for p in positions), Decimal(0))


def test_serve_trades_binance_and_after_a_sigkill_books_what_binance_did_meanwhile(
    binance: tuple[FakeBinanceFutures, dict[str, str], str],
) -> None:
    futures, environment, backfill_end = binance
    with journal_folder() as journal:
        with running_service({**environment, **journal}) as service:
            health = service.get("/health")
            assert (health["mode"], health["agents_running"]) == ("binance-demo", 0)
            _warm(service, backfill_end)
            service.post(f"{NOVA}/start", {"initial_equity": 10000})
            decision = service.post(f"{NOVA}/signal", BUY)
            assert decision["action"] == "open", decision
            held = futures.position(SYMBOL)[0]
            assert held > 0
            assert _held(service) == held
            service.kill()

        # Down: Binance's stop loss closes the position while nobody listens.
        stop = next(a for a in futures.algo_orders(SYMBOL) if a.client_algo_id.startswith("sl-"))
        futures.set_price(SYMBOL, stop.trigger_price - 10)
        assert futures.position(SYMBOL)[0] == 0

        with running_service({**environment, **journal}) as service:
            health = service.get("/health")
            assert (health["status"], health["venue"], health["agents_running"]) == (
                "ok",
                "ok",
                1,
            )
            assert _held(service) == 0
            trips = service.get(f"{NOVA}/trades")["items"]
            assert len(trips) == 1
            # The take-profit left on the flat position is cancelled by the reconciliation
            # that runs once the service is up: soon after, not necessarily before /health.
            deadline = time.monotonic() + 10
            while [a for a in futures.algo_orders(SYMBOL) if a.is_open]:
                assert time.monotonic() < deadline, futures.algo_orders(SYMBOL)
                time.sleep(0.05)
            metrics = service.get(f"{NOVA}/metrics")
            assert Decimal(str(metrics["equity"])) == futures.wallet_balance
            service.post(f"{NOVA}/stop", {})
            assert service.get("/health")["venue"].startswith("off")
