"""Money that moves at Binance outside our orders reaches the books: funding and transfers.

The Binance venue runs against the fake Binance USDⓈ-M server; the books are a real
Portfolio fed by the venue's reports, as an agent's are, and must hold Binance's wallet
to the last decimal.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from tests.support.backtests import agent
from tests.support.binance_venue import binance_venue, fake_config
from tests.support.event_log import ReportLog
from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionList
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import LiveClock
from trading_agents.core.decimals import ZERO
from trading_agents.engine.assembly import BinanceAccountParts, binance_account
from trading_agents.market.view import LiveMarket
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import BalanceAdjustment
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.risk.state import TradingState
from trading_agents.venues.binance.venue import BinanceVenue

SYMBOL = "BTCUSDT"
PRICE = Decimal("100000.0")
FUNDS = Decimal(5_000)
RATE = Decimal("0.0001")
PAID = Decimal("-0.1")  # a long of 0.010 at a mark of 100,000 pays 0.01 %
INCOME = "/fapi/v1/income"


class Books:
    """A real portfolio booking what the venue reports, as an agent's account does."""

    def __init__(self) -> None:
        self.portfolio = Portfolio(default_instruments(), 1)
        self.portfolio.deposit(FUNDS)

    def watch(self, venue: BinanceVenue) -> None:
        """Let the venue compare its positions and wallet with these books."""
        ledger = self.portfolio.ledger
        venue.book_positions = lambda: {p.symbol: p.quantity for p in ledger.open_positions()}
        venue.book_wallet = lambda: ledger.wallet_balance

    def book(self, venue: BinanceVenue) -> None:
        """Book every report the venue has published."""
        for report in venue.take_reports():
            self.portfolio.apply(report)

    async def book_until(self, venue: BinanceVenue, condition: Callable[[], bool]) -> None:
        """Book what the venue publishes until `condition()` holds."""

        def booked() -> bool:
            self.book(venue)
            return condition()

        await wait_until(booked)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures(wallet=FUNDS) as server:
        server.set_price(SYMBOL, PRICE)
        yield server


async def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait until `condition()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def open_long(venue: BinanceVenue, books: Books, fake: FakeBinanceFutures) -> None:
    """Buy 0.010 BTCUSDT at market and book the fill."""
    await venue.submit(OrderIntent("ta-buy", SYMBOL, Side.BUY, OrderType.MARKET, Decimal("0.010")))
    await books.book_until(venue, lambda: books.portfolio.ledger.position(SYMBOL).is_open)
    assert books.portfolio.ledger.position(SYMBOL).quantity == fake.position(SYMBOL)[0]


async def atlas_at(
    venue: BinanceVenue, clock: LiveClock, changes: ReportLog
) -> BinanceAccountParts:
    """Assemble Atlas on the started venue, trading BTCUSDT, its events kept in `changes`."""
    profile = agent("atlas")
    market = LiveMarket(indicator_spec(profile.strategy), clock, (SYMBOL,), profile.timeframe_ms)
    return await binance_account(
        profile=profile, account_id="acct", symbols=(SYMBOL,), clock=clock, venue=venue,
        market=market, sink=DecisionList(keep=100), runtime="direct", stream=changes.stream,
    )  # fmt: skip


async def binance_wallet(venue: BinanceVenue) -> Decimal:
    """Return the wallet balance Binance reports."""
    return (await venue.balance()).wallet_balance


def income_requests(fake: FakeBinanceFutures) -> int:
    """Return how many times the income history was asked for."""
    return sum(1 for request in fake.requests if request.path == INCOME)


async def test_funding_charged_on_an_open_position_is_booked_once(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    ledger = books.portfolio.ledger
    async with binance_venue(fake) as venue:
        books.watch(venue)
        await open_long(venue, books, fake)

        fake.charge_funding(SYMBOL, RATE)
        await books.book_until(venue, lambda: ledger.funding != ZERO)
        # The same event heard again, and reconciliation asking the history twice more.
        event = next(
            e for e in fake.events if e["e"] == "ACCOUNT_UPDATE" and e["a"]["m"] == "FUNDING_FEE"
        )
        asked = income_requests(fake)
        fake.push_event(event)
        await wait_until(lambda: income_requests(fake) > asked)
        first = await venue.reconcile()
        second = await venue.reconcile()
        books.book(venue)
        wallet = await binance_wallet(venue)

    assert ledger.funding == PAID
    assert ledger.wallet_balance == wallet == fake.wallet_balance
    assert ledger.wallet_balance == FUNDS + ledger.realized_pnl - ledger.fees + PAID
    (trip,) = books.portfolio.snapshot().open_trips
    assert trip.funding == PAID
    assert first == second == []


async def test_funding_settled_while_no_venue_listened_is_booked_by_reconciliation(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    ledger = books.portfolio.ledger
    async with binance_venue(fake) as before:
        books.watch(before)
        await open_long(before, books, fake)
        stored = before.funding_since_ms  # what the service keeps across the restart
    assert stored is not None

    fake.charge_funding(SYMBOL, RATE)  # no stream is open: the event is lost

    venue = BinanceVenue(fake_config(fake), LiveClock())
    venue.funding_since_ms = stored
    await venue.start()
    try:
        books.watch(venue)
        repairs = await venue.reconcile()
        books.book(venue)
        again = await venue.reconcile()
        books.book(venue)
        wallet = await binance_wallet(venue)
        stored_after = venue.funding_since_ms
    finally:
        await venue.close()

    assert repairs == ["1 funding payment(s) booked from Binance's income history"]
    assert again == []
    assert ledger.funding == PAID
    assert ledger.wallet_balance == wallet == fake.wallet_balance
    assert stored_after is not None
    assert stored_after > stored

    # A venue restarted from the mark stored after the payment does not book it again.
    async with binance_venue(fake) as restarted:
        books.watch(restarted)
        restarted.funding_since_ms = stored_after
        assert await restarted.reconcile() == []
        assert restarted.take_reports() == []
    assert ledger.funding == PAID


async def test_money_moved_at_binance_is_one_adjustment_and_no_profit_or_loss(
    fake: FakeBinanceFutures,
) -> None:
    clock = LiveClock()
    changes = ReportLog()
    async with binance_venue(fake) as venue:
        parts = await atlas_at(venue, clock, changes)
        account, ledger = parts.account, parts.account.portfolio.ledger
        account.mark(clock.now_ms(), {})

        fake.fund(Decimal(1_000))  # a transfer into the futures wallet
        moved_in = await venue.reconcile()
        account.settle({})
        account.mark(clock.now_ms(), {})
        wallet_in = await binance_wallet(venue)
        risk_in = account.risk.snapshot()

        fake.fund(Decimal(-3_000))  # and out again: a third of the equity, not a loss
        moved_out = await venue.reconcile()
        account.settle({})
        account.mark(clock.now_ms(), {})
        wallet_out = await binance_wallet(venue)
        risk_out = account.risk.snapshot()
        state = account.risk.state

    adjustments = [r for r in changes.reports if isinstance(r, BalanceAdjustment)]
    assert [a.amount for a in adjustments] == [Decimal(1_000), Decimal(-3_000)]
    # Binance's income history names them transfers: cash flows, not trading.
    assert all(a.adjustment_id.startswith("transfer-") for a in adjustments)
    assert {a.kind for a in adjustments} == {"transfer"}
    assert len(moved_in) == len(moved_out) == 1
    assert moved_in[0].startswith("wallet: ")
    assert wallet_in == FUNDS + 1_000
    assert wallet_out == ledger.wallet_balance == fake.wallet_balance == FUNDS - 2_000
    assert (ledger.deposits, ledger.withdrawals) == (FUNDS + 1_000, Decimal(3_000))
    # The risk engine took both as cash flows: no realized PnL, no drawdown, still active.
    assert risk_in.daily[1:] == (FUNDS + 1_000, ZERO)
    assert risk_in.drawdown == (FUNDS + 1_000, FUNDS + 1_000, False)
    assert risk_out.daily[1:] == (FUNDS - 2_000, ZERO)
    assert risk_out.drawdown == (FUNDS - 2_000, FUNDS - 2_000, False)
    assert state is TradingState.ACTIVE
    last = account.portfolio.equity_curve.last
    assert last is not None
    assert last.equity == last.net_deposits == FUNDS - 2_000


async def test_a_trade_made_by_hand_at_binance_counts_as_trading_not_as_a_transfer(
    fake: FakeBinanceFutures,
) -> None:
    clock = LiveClock()
    changes = ReportLog()
    async with binance_venue(fake) as venue:
        parts = await atlas_at(venue, clock, changes)
        account, ledger = parts.account, parts.account.portfolio.ledger
        # Someone buys and sells at a loss on the account, by hand; no position is left.
        fake.place_foreign_market_order(SYMBOL, "BUY", Decimal("0.010"))
        fake.set_price(SYMBOL, PRICE - 1_000)
        fake.place_foreign_market_order(SYMBOL, "SELL", Decimal("0.010"))
        repairs = await venue.reconcile()
        account.settle({})
        daily_realized = account.risk.snapshot().daily[-1]

    adjustments = [r for r in changes.reports if isinstance(r, BalanceAdjustment)]
    assert [a.kind for a in adjustments] == ["trading"]
    loss = adjustments[0].amount
    assert loss < Decimal(-10)  # 0.010 BTC lost 1,000 USDT each, and paid two fees
    assert ledger.wallet_balance == fake.wallet_balance
    assert (ledger.deposits, ledger.withdrawals) == (FUNDS, ZERO)  # not a withdrawal
    assert ledger.realized_pnl == loss
    assert daily_realized == loss  # the daily loss limit sees it
    assert any("trading the books did not see" in r for r in repairs)
