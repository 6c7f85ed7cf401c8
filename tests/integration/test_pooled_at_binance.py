"""A pooled book on the platform's one Binance account, its owners' money moved by transfers.

The book trades the fake Binance's account with the service's keys. An owner's deposit buys
units at once and is counted as owed to the book until the platform's transfer comes; a
withdrawal is counted as owed by it until the platform's transfer out. Values never jump
when the transfers come, and the values and the reserve add up to the book's net asset
value throughout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import httpx
import pytest

from tests.support.asgi import ok, until, warmed_up
from tests.support.binance_service import (
    SYMBOL,
    binance_environment,
    btc_only_agents,
    buy_signal,
    last_close,
    public_market,
    recent_candles,
)
from tests.support.fake_binance_futures import FakeBinanceFutures
from tests.support.profiles import POOL, pooled_profile
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.portfolio.units import MONEY
from trading_agents.service.desk import TradingDesk

CANDLES = recent_candles()
BUY = buy_signal(CANDLES)


@pytest.fixture
async def futures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeBinanceFutures]:
    """Serve the platform's Binance account (10,000 USDT) and live candles."""
    async with public_market(CANDLES) as public, FakeBinanceFutures(wallet=Decimal(10_000)) as fake:
        fake.set_price(SYMBOL, last_close(CANDLES))
        agents = pooled_profile(btc_only_agents(tmp_path / "agents"), symbols=(SYMBOL,))
        for name, value in binance_environment(fake, public, agents).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("ALERT_CHECK_INTERVAL", "0.05")
        yield fake


def service() -> AbstractAsyncContextManager[tuple[httpx.AsyncClient, TradingDesk]]:
    return warmed_up(CANDLES[-1].close_ms)


def path(account: str) -> str:
    return f"/accounts/{account}/agents/{POOL}"


def adds_up(desk: TradingDesk) -> None:
    book = desk.sessions[(POOL, POOL_ACCOUNT_ID)]
    pool = desk.pools[POOL]
    equity = book.parts.account.portfolio.ledger.equity(desk.marks_for(book))
    nav = (equity + pool.awaiting_in - pool.awaiting_out).quantize(MONEY, rounding=ROUND_DOWN)
    pool.mark(nav)
    assert pool.register.equity() == nav


async def test_owners_of_a_book_at_binance_buy_and_redeem_units_the_platform_transfers(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        first = await ok(client.post(f"{path('inv-1')}/start", json={"initial_equity": 10000}))
        assert (first["mode"], first["equity"]) == ("binance-demo", 10000.0)
        await ok(client.post(f"{path('inv-2')}/start", json={"initial_equity": 4000}))
        pool = desk.pools[POOL]
        assert (pool.awaiting_in, pool.value("inv-2")) == (Decimal(4000), Decimal(4000))
        adds_up(desk)

        futures.fund(Decimal(4000))  # the platform's transfer for inv-2's units
        await until(lambda: pool.awaiting_in == 0)
        book = desk.sessions[(POOL, POOL_ACCOUNT_ID)]
        assert book.parts.account.portfolio.ledger.wallet_balance == Decimal(14_000)
        assert (pool.value("inv-1"), pool.value("inv-2")) == (Decimal(10_000), Decimal(4000))
        adds_up(desk)

        decision = await ok(client.post(f"{path('inv-1')}/signal", json=BUY))
        assert decision["action"] == "open", decision
        shares = {a: pool.share(a) for a in ("inv-1", "inv-2")}
        positions = (await ok(client.get(f"{path('inv-2')}/positions")))["positions"]
        held = futures.position(SYMBOL)[0]
        assert Decimal(str(positions[0]["quantity"])) == (held * shares["inv-2"]).quantize(
            MONEY, rounding=ROUND_DOWN
        )

        before = pool.value("inv-1")
        await ok(client.post(f"{path('inv-2')}/withdraw", json={"amount": 1000}))
        assert pool.awaiting_out == Decimal(1000)
        # Another's withdrawal moves nothing of its own, but for the rounding of the mark
        # the answer made (a mark moves 10⁻⁸ at most between a value and the reserve).
        assert abs(pool.value("inv-1") - before) <= MONEY
        adds_up(desk)

        futures.fund(Decimal(-1000))  # the platform's transfer out
        await until(lambda: pool.awaiting_out == 0)
        assert book.parts.account.portfolio.ledger.withdrawals == Decimal(1000)
        adds_up(desk)
        listed = {a["account_id"] for a in (await ok(client.get("/accounts")))["items"]}
        assert listed == {"inv-1", "inv-2"}


async def test_a_transfer_made_while_the_service_was_down_settles_the_units_it_bought(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{path('inv-1')}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{path('inv-2')}/start", json={"initial_equity": 2500}))
        units = dict(desk.pools[POOL].register.units)

    futures.fund(Decimal(2500))  # the platform's transfer, while the service is down

    async with service() as (client, desk):
        pool = desk.pools[POOL]
        assert dict(pool.register.units) == units
        await until(lambda: pool.awaiting_in == 0)
        assert (pool.value("inv-1"), pool.value("inv-2")) == (Decimal(10_000), Decimal(2500))
        adds_up(desk)
        metrics = await ok(client.get(f"{path('inv-2')}/metrics"))
        assert (metrics["equity"], metrics["net_profit"]) == (2500.0, 0.0)


async def test_a_transfer_that_comes_before_its_deposit_is_held_for_it(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{path('inv-1')}/start", json={"initial_equity": 10000}))
        pool = desk.pools[POOL]
        futures.fund(Decimal(3000))  # the platform sent the money before it called
        await until(lambda: pool.unclaimed_in == Decimal(3000))
        assert pool.value("inv-1") == Decimal(10_000)  # nobody's money yet

        await ok(client.post(f"{path('inv-2')}/start", json={"initial_equity": 3000}))

        assert (pool.unclaimed_in, pool.awaiting_in) == (0, 0)
        assert (pool.value("inv-1"), pool.value("inv-2")) == (Decimal(10_000), Decimal(3000))
        adds_up(desk)
