"""Segregated accounts: each investment account trades its own Binance account, with its keys.

The platform registers an account's keys (write-only) and starts Atlas on it; every key set
gets its own venue and user stream at the fake Binance, which serves each as a sub-account.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.asgi import ok, warmed_up
from tests.support.binance_service import (
    CREDENTIALS_KEY,
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
)
from tests.support.fake_binance_futures import FakeBinanceFutures, SubAccount
from trading_agents.config.logs import configure_logging
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.journal.tables import venue_credentials
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk

CANDLES = recent_candles()
BUY = buy_signal(CANDLES)


def atlas(account: str) -> str:
    return f"/accounts/{account}/agents/atlas"


@pytest.fixture
async def fake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FakeBinanceFutures, dict[str, SubAccount]]]:
    """Serve Binance with one sub-account per investment account; point the service there."""
    async with public_market(CANDLES) as public, FakeBinanceFutures() as futures:
        futures.set_price(SYMBOL, last_close(CANDLES))
        subs = sub_accounts(futures)
        agents = segregated(btc_only_agents(tmp_path / "agents"))
        for name, value in segregated_environment(futures, public, agents).items():
            monkeypatch.setenv(name, value)
        yield futures, subs


def service() -> AbstractAsyncContextManager[tuple[httpx.AsyncClient, TradingDesk]]:
    """Run the service in this loop until the block ends, once its market data has come."""
    return warmed_up(CANDLES[-1].close_ms)


async def register(client: httpx.AsyncClient, account: str, sub: SubAccount) -> Any:
    body = {"venue": "binance", "api_key": sub.api_key, "api_secret": sub.api_secret}
    return await ok(client.put(f"/accounts/{account}/venue-credentials", json=body))


async def held(client: httpx.AsyncClient, account: str) -> Decimal:
    positions = (await ok(client.get(f"{atlas(account)}/positions")))["positions"]
    return sum((Decimal(str(p["quantity"])) for p in positions), Decimal(0))


async def test_three_accounts_on_atlas_each_trade_their_own_binance_account(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
) -> None:
    futures, subs = fake
    async with service() as (client, _):
        for account, sub in subs.items():
            await register(client, account, sub)
            status = await ok(
                client.post(
                    f"{atlas(account)}/start", json={"initial_equity": str(sub.wallet_balance)}
                )
            )
            assert status["mode"] == "binance-demo"

        for account in subs:
            decision = await ok(client.post(f"{atlas(account)}/signal", json=BUY))
            assert decision["action"] == "open", decision

        for account, sub in subs.items():
            amount, _ = sub.position(SYMBOL)
            assert amount > 0
            assert await held(client, account) == amount
            metrics = await ok(client.get(f"{atlas(account)}/metrics"))
            assert Decimal(str(metrics["equity"])) == pytest.approx(sub.wallet_balance, abs=50)
            assert {a.client_algo_id.split("-")[0] for a in sub.algo_orders(SYMBOL)} == {"sl", "tp"}
        # Sized on their own equity: the larger wallet holds the larger position.
        sizes = [subs[a].position(SYMBOL)[0] for a in WALLETS]
        assert sizes == sorted(sizes)
        assert sizes[0] < sizes[2]
        assert futures.position(SYMBOL)[0] == 0  # the service's own account is untouched
        assert (await ok(client.get("/health")))["venue"] == "ok"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Capture every line the service's own log handler writes, debug lines too."""
    root, database = logging.getLogger(), logging.getLogger("aiosqlite")
    saved = (list(root.handlers), root.level, database.level)
    configure_logging("text", Settings().secrets(), logging.DEBUG)
    # Its worker thread logs each call, even after the test: noise, and no secret in it.
    database.setLevel(logging.INFO)
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers[:], root.level, _ = saved
    database.setLevel(saved[2])


async def test_keys_are_write_only_sealed_at_rest_and_kept_out_of_the_logs(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
    logged: io.StringIO,
    tmp_path: Path,
) -> None:
    _, subs = fake
    sub = subs["acc-1"]
    async with service() as (client, _):
        answer = await register(client, "acc-1", sub)
        listed = await ok(client.get("/accounts/acc-1/venue-credentials"))
        await ok(client.post(f"{atlas('acc-1')}/start", json={"initial_equity": "1000"}))
        await ok(client.post(f"{atlas('acc-1')}/signal", json=BUY))

    assert set(answer) == {"account_id", "venue", "fingerprint", "updated_at"}
    assert [(i["venue"], i["fingerprint"]) for i in listed["items"]] == [
        ("binance", answer["fingerprint"])
    ]
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    async with engine.connect() as connection:
        (row,) = (await connection.execute(select(venue_credentials))).mappings().all()
    await engine.dispose()
    assert row["account_id"] == "acc-1"
    assert sub.api_key not in row["sealed"]
    assert sub.api_secret not in row["sealed"]
    assert "X-MBX-APIKEY" in logged.getvalue()  # ccxt's debug lines show its headers...
    said = logged.getvalue() + str(answer) + str(listed)
    assert sub.api_key not in said
    assert sub.api_secret not in said


async def test_an_account_without_keys_or_with_another_s_keys_cannot_start(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
) -> None:
    _, subs = fake
    async with service() as (client, _):
        missing = await client.post(f"{atlas('acc-1')}/start", json={"initial_equity": "1000"})
        assert missing.status_code == 409
        assert "PUT /accounts/acc-1/venue-credentials" in missing.text

        await register(client, "acc-1", subs["acc-1"])
        await register(client, "acc-2", subs["acc-1"])  # acc-1's keys again, by mistake
        await ok(client.post(f"{atlas('acc-1')}/start", json={"initial_equity": "1000"}))
        taken = await client.post(f"{atlas('acc-2')}/start", json={"initial_equity": "1000"})
        assert taken.status_code == 409
        assert "already trades the Binance account" in taken.text


async def test_keys_in_use_are_neither_replaced_by_another_account_s_nor_deleted(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
) -> None:
    _, subs = fake
    async with service() as (client, _):
        await register(client, "acc-1", subs["acc-1"])
        await ok(client.post(f"{atlas('acc-1')}/start", json={"initial_equity": "1000"}))

        again = await register(client, "acc-1", subs["acc-1"])  # the same keys: harmless
        body = {"api_key": subs["acc-2"].api_key, "api_secret": subs["acc-2"].api_secret}
        other = await client.put("/accounts/acc-1/venue-credentials", json=body)
        deleted = await client.delete("/accounts/acc-1/venue-credentials")
        assert (other.status_code, deleted.status_code) == (409, 409)
        assert "stop it first" in other.text

        await ok(client.post(f"{atlas('acc-1')}/stop", json={}))
        assert (await client.delete("/accounts/acc-1/venue-credentials")).status_code == 204
        assert (await client.delete("/accounts/acc-1/venue-credentials")).status_code == 404
        assert (await ok(client.get("/accounts/acc-1/venue-credentials")))["items"] == []
    assert again["fingerprint"]


async def test_bad_keys_are_refused_without_being_echoed(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
) -> None:
    async with service() as (client, _):
        for body in (
            {"api_key": "short", "api_secret": "secret-of-enough-length"},
            {"api_key": "key with spaces in it", "api_secret": "secret-of-enough-length"},
            {"api_key": "a-proper-key-123", "api_secret": "s3cret-s3cret", "extra": 1},
            {"api_key": "a-proper-key-123", "api_secret": "s3cret-s3cret", "venue": "kraken"},
            {"api_key": "a-proper-key-123"},
        ):
            answer = await client.put("/accounts/acc-1/venue-credentials", json=body)
            assert answer.status_code == 422, answer.text
            assert "key with spaces" not in answer.text
            assert "s3cret" not in answer.text
        assert (await ok(client.get("/accounts/acc-1/venue-credentials")))["items"] == []


async def test_a_restart_brings_each_account_back_on_its_own_keys(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, subs = fake
    async with service() as (client, _):
        for account, sub in subs.items():
            await register(client, account, sub)
            await ok(
                client.post(
                    f"{atlas(account)}/start", json={"initial_equity": str(sub.wallet_balance)}
                )
            )
            await ok(client.post(f"{atlas(account)}/signal", json=BUY))

    async with service() as (client, _):
        for account, sub in subs.items():
            assert await held(client, account) == sub.position(SYMBOL)[0] > 0
            status = await ok(client.get(f"{atlas(account)}/status"))
            assert status["status"] == "running"

    monkeypatch.setenv("VENUE_CREDENTIALS_KEY", "another-key-" + CREDENTIALS_KEY)
    with pytest.raises(ConfigurationError, match="cannot be opened"):
        await build_desk(Settings())


async def test_the_service_refuses_to_start_segregated_agents_without_a_sealing_key(
    fake: tuple[FakeBinanceFutures, dict[str, SubAccount]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VENUE_CREDENTIALS_KEY")

    with pytest.raises(ConfigurationError, match="VENUE_CREDENTIALS_KEY"):
        await build_desk(Settings())
