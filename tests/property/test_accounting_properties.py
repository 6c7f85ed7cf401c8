"""For any sequence of orders, prices, fills, funding and cash flows, the books balance exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.support.candles import candle
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, to_ms
from trading_agents.core.decimals import ZERO
from trading_agents.model.enums import Liquidity, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import FillReport, FundingReport
from trading_agents.portfolio.ledger import InsufficientFunds
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.venues.errors import OrderRejected
from trading_agents.venues.sim.config import FundingSchedule, SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange

START = to_ms("2025-06-01T06:00:00Z")
CENT_MILLIONTH = Decimal("0.00000001")  # USDT amounts are booked to 8 decimals
MAKER, TAKER = Decimal("0.0002"), Decimal("0.0005")

order_step = st.tuples(
    st.just("order"),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.sampled_from(list(OrderType)),
    st.integers(min_value=1, max_value=40),  # quantity in steps of 0.001 BTC
    st.integers(min_value=-60, max_value=60),  # price offset in tenths of a percent
    st.booleans(),  # reduce-only
    st.sampled_from([1, 2, 5, 20, 50]),  # leverage
)
candle_step = st.tuples(
    st.just("candle"),
    st.integers(min_value=-30, max_value=30),  # open move, tenths of a percent
    st.integers(min_value=0, max_value=40),  # extra high
    st.integers(min_value=0, max_value=40),  # extra low
    st.integers(min_value=-30, max_value=30),  # close move
    st.integers(min_value=1, max_value=7),  # hours to the next candle
)
cash_step = st.tuples(st.sampled_from(["deposit", "withdraw"]), st.integers(1, 5000))


def tenths(price: Decimal, offset: int) -> Decimal:
    return (price * (1 + Decimal(offset) / 1000)).quantize(Decimal("0.1"))


@settings(deadline=None)
@given(
    steps=st.lists(st.one_of(order_step, candle_step, cash_step), min_size=1, max_size=40),
    funding_rate=st.decimals(Decimal("-0.003"), Decimal("0.003"), places=6),
)
def test_balance_plus_unrealized_equals_flows_plus_realized_fees_and_funding(
    steps: list[tuple[object, ...]], funding_rate: Decimal
) -> None:
    config = SimVenueConfig(funding=FundingSchedule(constant=funding_rate))
    exchange = SimExchange(default_instruments(), config)
    portfolio = Portfolio(default_instruments())
    deposits = withdrawals = realized = fees = funding = ZERO
    exchange.ledger.deposit(Decimal("20000"))
    portfolio.deposit(Decimal("20000"))
    deposits += Decimal("20000")
    price, now, seq = Decimal("100000.0"), START, 0
    exchange.on_candle(candle(now, str(price), str(price), str(price), str(price)))

    for step in steps:
        kind = step[0]
        if kind == "order":
            _, side, order_type, steps_qty, offset, reduce_only, leverage = step
            assert isinstance(side, Side)
            assert isinstance(order_type, OrderType)
            assert isinstance(steps_qty, int)
            assert isinstance(offset, int)
            assert isinstance(leverage, int)
            level = tenths(price, offset)
            seq += 1
            try:
                if not exchange.ledger.position("BTCUSDT").is_open:
                    exchange.set_leverage("BTCUSDT", leverage)
                    portfolio.ledger.position("BTCUSDT").change_leverage(leverage)
                exchange.submit(
                    OrderIntent(
                        f"o{seq}",
                        "BTCUSDT",
                        side,
                        order_type,
                        Decimal(steps_qty) / 1000,
                        level if order_type is OrderType.LIMIT else None,
                        level if order_type.is_conditional else None,
                        bool(reduce_only),
                    ),
                    now,
                )
            except (OrderRejected, ValueError):
                pass
        elif kind == "candle":
            _, open_move, high_extra, low_extra, close_move, hours = step
            assert isinstance(hours, int)
            assert isinstance(open_move, int)
            assert isinstance(high_extra, int)
            assert isinstance(low_extra, int)
            assert isinstance(close_move, int)
            now += hours * MS_PER_HOUR
            o, c = tenths(price, open_move), tenths(price, close_move)
            h, low = tenths(max(o, c), high_extra), tenths(min(o, c), -low_extra)
            exchange.on_candle(candle(now, str(o), str(h), str(low), str(c)))
            price = c
        else:
            _, amount = step
            assert isinstance(amount, int)
            money = Decimal(amount)
            if kind == "deposit":
                exchange.ledger.deposit(money)
                portfolio.deposit(money)
                deposits += money
            else:
                try:
                    exchange.ledger.withdraw(money)
                except InsufficientFunds:
                    continue
                portfolio.withdraw(money)
                withdrawals += money

        for report in exchange.drain_reports():
            portfolio.apply(report)
            if isinstance(report, FillReport):
                event("liquidation" if report.is_liquidation else "fill")
                realized += report.realized_pnl
                fees += report.fee
                if not report.is_liquidation:
                    rate = MAKER if report.liquidity is Liquidity.MAKER else TAKER
                    exact_fee = report.quantity * report.price * rate
                    assert report.fee == exact_fee.quantize(CENT_MILLIONTH, ROUND_HALF_EVEN)
            elif isinstance(report, FundingReport):
                exact = -report.position_quantity * report.mark_price * report.rate
                assert report.amount == exact.quantize(CENT_MILLIONTH, ROUND_HALF_EVEN)
                event("funding")
                funding += report.amount

        ledger = exchange.ledger
        marks = {"BTCUSDT": price}
        unrealized = ledger.unrealized_pnl(marks)
        assert ledger.wallet_balance + unrealized == (
            deposits - withdrawals + realized - fees + funding + unrealized
        )
        assert ledger.wallet_balance == deposits - withdrawals + realized - fees + funding
        assert (ledger.realized_pnl, ledger.fees, ledger.funding) == (realized, fees, funding)
        # Our side of the books, fed only by the venue's reports, agrees to the last digit.
        assert portfolio.ledger.wallet_balance == ledger.wallet_balance
        assert portfolio.ledger.equity(marks) == ledger.equity(marks)
        assert ledger.wallet_balance >= ZERO
