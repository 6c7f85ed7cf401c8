"""Every fault of the exchange and the network ends with one order at Binance and true books.

The Binance venue runs against the fake Binance USDⓈ-M server, which injects each fault on
command; the books are a real Portfolio fed by the venue's reports, as an agent's are.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.support.backtests import agent
from tests.support.binance_venue import binance_venue, fake_config
from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionList
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import LiveClock
from trading_agents.engine.assembly import binance_account
from trading_agents.market.view import LiveMarket
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.risk.state import TradingState
from trading_agents.venues.binance.venue import BinanceVenue
from trading_agents.venues.errors import (
    BinanceCode,
    OrderOutcomeUnknown,
    OrderRejected,
    VenueBanned,
    VenueStopped,
    VenueUnavailable,
)

SYMBOL = "BTCUSDT"
PRICE = Decimal("100000.0")
FUNDS = Decimal(5_000)
ORDER = "/fapi/v1/order"
ALGO = "/fapi/v1/algoOrder"
UNKNOWN_STATUS = "Unknown error, please check your request or try again later."
BACKEND_TIMEOUT = (
    "Timeout waiting for response from backend server. Send status unknown;"
    " execution status unknown."
)


def buy(cid: str = "ta-buy", quantity: str = "0.010") -> OrderIntent:
    """Return a market buy on BTCUSDT."""
    return OrderIntent(cid, SYMBOL, Side.BUY, OrderType.MARKET, Decimal(quantity))


def stop(parent: str = "ta-buy", trigger: str = "99000.0") -> OrderIntent:
    """Return the reduce-only stop that rides on a long entry."""
    return OrderIntent(
        f"sl-{parent}", SYMBOL, Side.SELL, OrderType.STOP_MARKET, Decimal("0.010"),
        trigger_price=Decimal(trigger), reduce_only=True,
    )  # fmt: skip


class Books:
    """A real portfolio booking what the venue reports, as an agent's account does."""

    def __init__(self) -> None:
        self.portfolio = Portfolio(default_instruments(), 1)
        self.portfolio.deposit(FUNDS)

    def book(self, venue: BinanceVenue) -> None:
        """Book every report the venue has received."""
        for report in venue.take_reports():
            self.portfolio.apply(report)

    def position(self, symbol: str = SYMBOL) -> Decimal:
        """Return the books' signed position."""
        return self.portfolio.ledger.position(symbol).quantity


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures(wallet=FUNDS) as server:
        server.set_price(SYMBOL, PRICE)
        yield server


async def settled(venue: BinanceVenue, books: Books, fake: FakeBinanceFutures) -> None:
    """Let the stream deliver every trade, book it, and check the books against the exchange."""
    await wait_until(lambda: venue.book.trades_heard >= fake.trade_count)
    books.book(venue)
    assert books.position() == fake.position(SYMBOL)[0]


def orders_at_exchange(fake: FakeBinanceFutures) -> list[str]:
    """Return the client order ids of every regular order the exchange took."""
    return [order.client_order_id for order in fake.orders(SYMBOL)]


async def test_a_timeout_after_the_exchange_took_the_order_finds_it_instead_of_resending(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    async with binance_venue(fake, timeout_s=0.3) as venue:
        fake.timeout("POST", ORDER, seconds=1.0, after_accept=True)

        ack = await venue.submit(buy(), [stop()])

        assert ack.status is OrderStatus.FILLED
        await settled(venue, books, fake)
    assert orders_at_exchange(fake) == ["ta-buy"]
    assert [algo.client_algo_id for algo in fake.algo_orders(SYMBOL)] == ["sl-ta-buy"]
    assert books.position() == Decimal("0.010")


async def test_a_timeout_before_the_exchange_took_the_order_sends_it_once_more(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    async with binance_venue(fake, timeout_s=0.3) as venue:
        fake.timeout("POST", ORDER, seconds=1.0, after_accept=False)

        await venue.submit(buy())

        await settled(venue, books, fake)
    assert orders_at_exchange(fake) == ["ta-buy"]


@pytest.mark.parametrize(
    ("status", "code", "message", "after_accept"),
    [
        (503, -1001, UNKNOWN_STATUS, True),  # executed, status unknown: ask first
        (502, -1001, "Bad Gateway", False),  # never reached the engine: the question says so
        (503, -1001, "Service Unavailable.", False),  # Binance says it was not executed
        (408, -1007, BACKEND_TIMEOUT, True),  # the backend timed out: status unknown
        (408, -1007, BACKEND_TIMEOUT, False),
    ],
)
async def test_a_5xx_or_a_backend_timeout_ends_with_exactly_one_order(
    fake: FakeBinanceFutures, status: int, code: int, message: str, after_accept: bool
) -> None:
    books = Books()
    async with binance_venue(fake) as venue:
        fake.fail("POST", ORDER, status=status, code=code, msg=message, after_accept=after_accept)

        await venue.submit(buy())

        await settled(venue, books, fake)
    assert orders_at_exchange(fake) == ["ta-buy"]


async def test_a_rate_limit_backs_off_and_then_places_the_order(
    fake: FakeBinanceFutures,
) -> None:
    async with binance_venue(fake) as venue:
        fake.rate_limit("POST", ORDER, times=2)

        await venue.submit(buy())

        assert venue.rest.backoffs == 2
    assert orders_at_exchange(fake) == ["ta-buy"]


async def test_a_ban_stops_the_venue_and_raises_the_alarm(fake: FakeBinanceFutures) -> None:
    alerts: list[str] = []
    async with binance_venue(fake) as venue:
        venue.rest.on_alert = alerts.append  # the service's alert hook
        fake.ban(seconds=60)

        with pytest.raises(VenueBanned):
            await venue.submit(buy())
        with pytest.raises(VenueStopped):
            await venue.submit(buy("ta-again"))

        assert venue.rest.stopped_reason is not None
    assert len(alerts) == 1
    assert "418" in alerts[0]
    assert orders_at_exchange(fake) == []


async def test_clock_skew_resyncs_the_offset_and_then_places_the_order(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    alerts: list[str | None] = []
    async with binance_venue(fake) as venue:
        venue.rest.on_alert = alerts.append  # the service's alert hook
        fake.skew_clock(10_000)  # Binance's clock 10 s ahead: our timestamps look stale

        await venue.submit(buy())

        assert venue.rest.clock_resyncs == 1
        await settled(venue, books, fake)
        fake.skew_clock(-10_000)  # the machine's time was set right
        await venue.rest.resync_clock()
    assert orders_at_exchange(fake) == ["ta-buy"]
    # The offset is alerted (the machine's time needs fixing) until a resync finds it gone.
    assert len(alerts) == 2
    assert "clock is" in str(alerts[0])
    assert "NTP" in str(alerts[0])
    assert alerts[1] is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (BinanceCode.MARGIN_INSUFFICIENT, "Margin is insufficient."),
        (BinanceCode.BAD_PRECISION, "Precision is over the maximum defined for this asset."),
        (BinanceCode.MIN_NOTIONAL, "Order's notional must be no smaller than 100."),
        (BinanceCode.REDUCE_ONLY_REJECTED, "ReduceOnly Order is rejected."),
        (BinanceCode.INVALID_SIGNATURE, "Signature for this request is not valid."),
    ],
)
async def test_a_fatal_code_is_reported_with_the_code_and_not_retried(
    fake: FakeBinanceFutures, code: int, message: str
) -> None:
    async with binance_venue(fake) as venue:
        fake.fail("POST", ORDER, status=400, code=code, msg=message)

        with pytest.raises(OrderRejected) as refused:
            await venue.submit(buy())

    assert refused.value.code == code
    assert str(code) in str(refused.value)
    assert [r for r in fake.requests if r[0] == "POST" and r[1] == ORDER] != []
    assert len([r for r in fake.requests if r[0] == "POST" and r[1] == ORDER]) == 1
    assert orders_at_exchange(fake) == []


async def test_real_margin_and_notional_refusals_come_back_with_their_codes(
    fake: FakeBinanceFutures,
) -> None:
    async with binance_venue(fake) as venue:
        await venue.set_leverage(SYMBOL, 1)
        with pytest.raises(OrderRejected) as too_big:
            await venue.submit(buy("ta-big", "1.000"))  # 100k notional at leverage 1
        fake.set_price(SYMBOL, Decimal("90000.0"))
        with pytest.raises(OrderRejected) as too_small:
            await venue.submit(buy("ta-small", "0.001"))  # 90 USDT; 100 is the floor

    assert too_big.value.code == BinanceCode.MARGIN_INSUFFICIENT
    assert too_small.value.code == BinanceCode.MIN_NOTIONAL


async def test_a_wrong_secret_is_refused_for_its_signature_and_not_retried(
    fake: FakeBinanceFutures,
) -> None:
    venue = BinanceVenue(fake_config(fake, api_secret="not-the-secret"), LiveClock())
    try:
        with pytest.raises(OrderRejected) as refused:
            await venue.start()
    finally:
        await venue.close()
    assert refused.value.code == BinanceCode.INVALID_SIGNATURE


async def test_a_dropped_stream_reconnects_and_books_the_fill_it_missed(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    async with binance_venue(fake) as venue:
        limit = OrderIntent(
            "ta-lim", SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.010"), price=Decimal("99500.0")
        )
        await venue.submit(limit)
        await asyncio.sleep(0.05)
        books.book(venue)

        fake.drop_streams()
        fake.set_price(SYMBOL, Decimal("99400.0"))  # fills while no socket is open
        await wait_until(lambda: venue.stream.connections >= 2)

        await settled(venue, books, fake)
        assert books.position() == Decimal("0.010")
        assert any("ta-lim" in repair for repair in venue.repairs)


async def test_an_expired_listen_key_is_renewed_and_the_stream_goes_on(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    async with binance_venue(fake) as venue:
        first_key = venue.stream.listen_key
        fake.expire_listen_keys()
        await wait_until(lambda: venue.stream.connections >= 2)

        await venue.submit(buy())

        await settled(venue, books, fake)
        assert venue.stream.renewals >= 1
        assert venue.stream.listen_key != first_key
        assert books.position() == Decimal("0.010")


async def test_a_crash_between_sending_and_hearing_back_is_settled_at_the_next_start(
    fake: FakeBinanceFutures,
) -> None:
    entry, exit_ = buy(), stop()
    fake.timeout("POST", ORDER, seconds=5.0, after_accept=True)
    async with binance_venue(fake) as crashed:
        sending = asyncio.create_task(crashed.submit(entry, [exit_]))
        await wait_until(lambda: orders_at_exchange(fake) == ["ta-buy"])
        sending.cancel()  # the process dies before Binance answers
        with pytest.raises(asyncio.CancelledError):
            await sending

    books = Books()
    async with binance_venue(fake) as restarted:
        settled_as = await restarted.settle([(entry, [exit_]), (buy("ta-never"), [])])
        await asyncio.sleep(0.05)
        books.book(restarted)

    assert settled_as == {"ta-buy": "sent", "ta-never": "lost"}
    assert orders_at_exchange(fake) == ["ta-buy"]
    assert [algo.client_algo_id for algo in fake.algo_orders(SYMBOL)] == ["sl-ta-buy"]
    assert books.position() == fake.position(SYMBOL)[0] == Decimal("0.010")


async def test_reconciliation_books_a_position_no_event_explains(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    async with binance_venue(fake) as venue:
        venue.book_positions = lambda: {SYMBOL: books.position()}
        # Someone traded by hand on the account: no order of ours explains the position.
        fake.place_foreign_market_order(SYMBOL, "BUY", Decimal("0.020"))

        repairs = await venue.reconcile()
        books.book(venue)

    assert len(repairs) == 1
    assert "adjustment" in repairs[0]
    assert books.position() == Decimal("0.020") == fake.position(SYMBOL)[0]


async def test_weight_headers_feed_the_limiter(fake: FakeBinanceFutures) -> None:
    async with binance_venue(fake) as venue:
        await venue.submit(buy())

        limiter = venue.rest.limiter
        assert limiter.used_weight > 0
        assert limiter.orders_1m >= 1


async def test_a_venue_that_cannot_reach_binance_says_so(fake: FakeBinanceFutures) -> None:
    async with binance_venue(fake) as venue:
        fake.fail("GET", "/fapi/v3/balance", status=502, msg="Bad Gateway", times=10)

        with pytest.raises(VenueUnavailable):
            await venue.balance()


async def wait_until(condition: object, timeout_s: float = 5.0) -> None:
    """Wait until `condition()` holds."""
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_consecutive_refusals_trip_the_risk_engines_circuit_breaker(
    fake: FakeBinanceFutures,
) -> None:
    profile = agent("atlas")  # three failures in a row open its breaker
    clock = LiveClock()
    market = LiveMarket(indicator_spec(profile.strategy), clock, (SYMBOL,), profile.timeframe_ms)
    async with binance_venue(fake) as venue:
        parts = await binance_account(
            profile=profile, account_id="acct", symbols=(SYMBOL,), clock=clock, venue=venue,
            market=market, sink=DecisionList(keep=100), runtime="direct",
        )  # fmt: skip
        account = parts.account
        fake.fail("POST", ORDER, status=400, code=-2019, msg="Margin is insufficient.", times=10)
        entry = Decision(
            Action.OPEN, SYMBOL, "test entry", side=Side.BUY, leverage=2,
            stop_loss=Decimal("99000.0"), take_profit=Decimal("102000.0"),
            confidence=Decimal("0.95"),
        )  # fmt: skip
        outcomes = []
        for _ in range(4):
            state = await account.runner.decide(
                SYMBOL,
                DecisionTrigger.SIGNAL,
                account.account_state({SYMBOL: PRICE}),
                account.positions(),
                forced=entry,
            )
            outcomes.append(state["record"])

    sent = [r for r in fake.requests if r[0] == "POST" and r[1] == ORDER]
    assert [len(record.orders) for record in outcomes] == [1, 1, 1, 0]
    assert all("-2019" in str(record.orders[0].error) for record in outcomes[:3])
    assert "circuit breaker" in getattr(outcomes[3].checks[0].verdict, "reason", "")
    assert len(sent) == 3  # the fourth never reached Binance
    assert account.risk.state is TradingState.REDUCING


async def test_an_order_whose_fate_cannot_be_asked_stays_pending_until_reconciliation_finds_it(
    fake: FakeBinanceFutures,
) -> None:
    books = Books()
    async with binance_venue(fake, timeout_s=0.3) as venue:
        fake.timeout("POST", ORDER, seconds=1.0, after_accept=True)
        fake.fail("GET", ORDER, status=502, msg="Bad Gateway", times=20)  # asking fails too

        with pytest.raises(OrderOutcomeUnknown):
            await venue.submit(buy(), [stop()])
        await asyncio.sleep(1.0)  # Binance is back
        fake.clear_faults()

        repairs = await venue.reconcile()
        await settled(venue, books, fake)

    assert repairs == ["ta-buy: sent"]
    assert orders_at_exchange(fake) == ["ta-buy"]
    assert [algo.client_algo_id for algo in fake.algo_orders(SYMBOL)] == ["sl-ta-buy"]
    assert books.position() == Decimal("0.010")


async def test_an_exit_the_books_never_heard_of_is_cancelled_once_its_position_is_flat(
    fake: FakeBinanceFutures,
) -> None:
    # A run places an entry with its stop, then dies before its journal heard of the stop.
    async with binance_venue(fake) as lost:
        await lost.submit(buy(), [stop()])
        await wait_until(lambda: bool(fake.algo_orders(SYMBOL)))
    fake.place_foreign_market_order(SYMBOL, "SELL", Decimal("0.010"))  # flat, by hand
    assert [a.client_algo_id for a in fake.algo_orders(SYMBOL) if a.is_open] == ["sl-ta-buy"]

    async with binance_venue(fake) as restarted:  # knows nothing of either order
        repairs = await restarted.reconcile()

    assert not [a for a in fake.algo_orders(SYMBOL) if a.is_open]
    assert any("never heard of (sl-ta-buy)" in repair for repair in repairs), repairs


async def test_an_exit_on_a_position_still_held_is_left_to_protect_it(
    fake: FakeBinanceFutures,
) -> None:
    async with binance_venue(fake) as lost:
        await lost.submit(buy(), [stop()])
        await wait_until(lambda: bool(fake.algo_orders(SYMBOL)))

    async with binance_venue(fake) as restarted:
        await restarted.reconcile()

    assert [a.client_algo_id for a in fake.algo_orders(SYMBOL) if a.is_open] == ["sl-ta-buy"]
