"""Binance changes a symbol's rules: the refreshed filters size, round and book every order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.support.backtests import agent
from tests.support.binance_venue import binance_venue
from tests.support.fake_binance_futures import FakeBinanceFutures
from tests.support.risk import account, long_btc
from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionList
from trading_agents.core.clock import LiveClock
from trading_agents.engine.assembly import binance_account
from trading_agents.market.view import LiveMarket
from trading_agents.risk.verdicts import Approved

SYMBOL = "BTCUSDT"
COARSER = "0.100"  # BTCUSDT's step is 0.001 in the shipped snapshot


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures(wallet=Decimal(100_000)) as server:
        server.set_price(SYMBOL, Decimal(100_000))
        yield server


def _sized(verdict: object) -> Decimal:
    assert isinstance(verdict, Approved), verdict
    return verdict.order.quantity


async def test_a_refresh_reaches_the_books_and_the_risk_engine_that_sizes_orders(
    fake: FakeBinanceFutures,
) -> None:
    profile = agent("atlas")
    clock = LiveClock()
    market = LiveMarket(indicator_spec(profile.strategy), clock, (SYMBOL,), profile.timeframe_ms)
    async with binance_venue(fake) as venue:
        parts = await binance_account(
            profile=profile, account_id="acct", symbols=(SYMBOL,), clock=clock, venue=venue,
            market=market, sink=DecisionList(keep=10), runtime="direct",
        )  # fmt: skip
        risk = parts.account.risk
        before = _sized(risk.check(long_btc(), account("100000")))

        for kind in ("LOT_SIZE", "MARKET_LOT_SIZE"):
            fake.list_filter(SYMBOL, kind, stepSize=COARSER, minQty=COARSER)
        assert await venue.instruments.refresh(clock.now_ms())
        after = _sized(risk.check(long_btc(), account("100000")))

    assert before % Decimal(COARSER) != 0  # sized on the old step, finer than the new one
    assert after % Decimal(COARSER) == 0
    assert after <= before
    assert venue.instruments.get(SYMBOL).step_size == Decimal(COARSER)
