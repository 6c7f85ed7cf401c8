"""Three investment accounts on Atlas, each on its own Binance account, killed and restarted.

The service runs as a process journaling to PostgreSQL; the fake Binance serves one
sub-account per key set. While the service is down, Binance's stops close every position
and money is transferred into one account; after the restart each account's books, the
platform's ledger and the fake's state for its keys tell the same story.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from tests.support.binance_service import (
    SYMBOL,
    WALLETS,
    btc_only_agents,
    buy_signal,
    last_close,
    public_market,
    recent_candles,
    segregated,
    segregated_environment,
    sub_accounts,
    wait_until_warm,
)
from tests.support.databases import POSTGRES_ADMIN_DSN, postgres_database
from tests.support.fake_binance_futures import FakeBinanceFutures, SubAccount
from tests.support.service import Service, running_service

CANDLES = recent_candles()
BUY = buy_signal(CANDLES)
ATLAS_TIMEFRAME_MINUTES = 15
TRANSFER = Decimal(500)  # into acc-2's Binance account while the service is down


def atlas(account: str) -> str:
    return f"/accounts/{account}/agents/atlas"


@pytest.fixture
def postgres() -> Iterator[str]:
    """Yield a fresh PostgreSQL database's URL for the service's journal, dropped after."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def binance(
    tmp_path: Path, postgres: str
) -> Iterator[tuple[dict[str, SubAccount], FakeBinanceFutures, dict[str, str]]]:
    """Serve the fake Binance (one sub-account per investment account) and live candles."""
    public = public_market(CANDLES)
    futures = FakeBinanceFutures()
    public.start()
    futures.start()
    try:
        futures.set_price(SYMBOL, last_close(CANDLES))
        subs = sub_accounts(futures)
        agents = segregated(btc_only_agents(tmp_path / "agents"))
        environment = {
            **segregated_environment(futures, public, agents),
            "DATABASE_URL": postgres,
            "TRADING_AGENTS_SPOOL_DIR": str(tmp_path / "spool"),
        }
        yield subs, futures, environment
    finally:
        futures.close()
        public.close()


def _held(service: Service, account: str) -> Decimal:
    positions = service.get(f"{atlas(account)}/positions")["positions"]
    return sum((Decimal(str(p["quantity"])) for p in positions), Decimal(0))


def _equity(service: Service, account: str) -> Decimal:
    return Decimal(str(service.get(f"{atlas(account)}/metrics")["equity"]))


def _ledgers(postgres: str) -> dict[str, list[tuple[str, Decimal, Decimal]]]:
    """Return each account's rows of the platform's ledger: kind, amount, balance after."""

    async def read() -> list[asyncpg.Record]:
        base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0]
        connection = await asyncpg.connect(f"{base}/{postgres.rsplit('/', 1)[1]}")
        try:
            return await connection.fetch(
                "SELECT account_id, transaction_type, amount, balance_after"
                " FROM investment.account_transactions ORDER BY id"
            )
        finally:
            await connection.close()

    ledgers: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    for row in asyncio.run(read()):
        ledgers.setdefault(row["account_id"], []).append(
            (row["transaction_type"], row["amount"], row["balance_after"])
        )
    return ledgers


def test_three_segregated_accounts_agree_with_their_accounts_after_a_sigkill(
    binance: tuple[dict[str, SubAccount], FakeBinanceFutures, dict[str, str]],
    postgres: str,
) -> None:
    subs, futures, environment = binance
    with running_service(environment) as service:
        service.wait_for("/health", lambda h: h["market_data_state"] == "streaming")
        for account, sub in subs.items():
            body = {"venue": "binance", "api_key": sub.api_key, "api_secret": sub.api_secret}
            service.put(f"/accounts/{account}/venue-credentials", body)
            service.post(f"{atlas(account)}/start", {"initial_equity": str(sub.wallet_balance)})
            wait_until_warm(service, atlas(account), CANDLES, ATLAS_TIMEFRAME_MINUTES)
        for account in subs:  # all three trading at once
            answer = service.post(f"{atlas(account)}/signal", BUY)
            assert answer["action"] == "open", answer
        for account, sub in subs.items():
            assert _held(service, account) == sub.position(SYMBOL)[0] > 0
        service.kill()

    # Down: Binance's stops close every position, and the platform funds acc-2 by a transfer.
    stops = [
        next(a for a in sub.algo_orders(SYMBOL) if a.client_algo_id.startswith("sl-"))
        for sub in subs.values()
    ]
    futures.set_price(SYMBOL, min(stop.trigger_price for stop in stops) - 10)
    subs["acc-2"].fund(TRANSFER)
    assert all(sub.position(SYMBOL)[0] == 0 for sub in subs.values())

    with running_service(environment) as service:
        health = service.wait_for("/health", lambda h: h["agents_running"] == 3)
        assert (health["status"], health["venue"]) == ("ok", "ok")
        deadline = time.monotonic() + 15
        while any(_equity(service, a) != sub.wallet_balance for a, sub in subs.items()):
            assert time.monotonic() < deadline, [
                (_equity(service, a), sub.wallet_balance) for a, sub in subs.items()
            ]
            time.sleep(0.2)
        for account, sub in subs.items():
            assert _held(service, account) == sub.position(SYMBOL)[0] == 0
            assert len(service.get(f"{atlas(account)}/trades")["items"]) == 1
        # What the platform's backend reads: each account's ledger ends at its Binance wallet.
        ledgers = _ledgers(postgres)
        for account, sub in subs.items():
            rows = ledgers[account]
            assert rows[0][:2] == ("deposit", WALLETS[account])
            assert rows[-1][2] == sub.wallet_balance
            assert [kind for kind, *_ in rows].count("loss") == 1
        assert ("deposit", TRANSFER) in [row[:2] for row in ledgers["acc-2"]]
        listed = {a["account_id"]: a for a in service.get("/accounts")["items"]}
        for account, sub in subs.items():
            assert Decimal(str(listed[account]["equity"])) == sub.wallet_balance
