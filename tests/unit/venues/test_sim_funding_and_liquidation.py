"""Funding at 00, 08 and 16 UTC, and liquidation at the maintenance-margin price, on real data."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tests.support.candles import candle, flat
from tests.support.market_data import candles_from, funding_rates
from tests.unit.venues.test_sim_orders import intent
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, to_ms
from trading_agents.core.decimals import ceil_to_tick
from trading_agents.model.enums import Side
from trading_agents.model.reports import FillReport, FundingReport
from trading_agents.venues.sim.config import FundingSchedule, SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange

BTC_1M = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"


def test_funding_is_settled_at_each_8_hour_boundary_from_the_real_history() -> None:
    history = {"BTCUSDT": funding_rates("BTCUSDT")}
    exchange = SimExchange(default_instruments(), SimVenueConfig(funding=FundingSchedule(history)))
    exchange.ledger.deposit(Decimal("10000"))
    candles = candles_from(BTC_1M, start="2025-06-01T22:00:00Z", hours=20)
    exchange.on_candle(candles[0])
    exchange.submit(intent("long", Side.BUY, quantity="0.050"), candles[0].close_ms)
    for minute in candles[1:]:
        exchange.on_candle(minute)

    payments = [r for r in exchange.drain_reports() if isinstance(r, FundingReport)]

    boundaries = [to_ms(t) for t in ("2025-06-02T00:00Z", "2025-06-02T08:00Z", "2025-06-02T16:00Z")]
    assert [p.ts_ms for p in payments] == boundaries
    rates = dict(history["BTCUSDT"])
    opens = {minute.open_ms: minute.open for minute in candles}
    for payment in payments:
        mark = opens[payment.ts_ms]  # the price at the boundary: the open of its candle
        assert payment.rate == rates[payment.ts_ms]
        assert payment.mark_price == mark
        exact = -Decimal("0.050") * mark * rates[payment.ts_ms]
        assert payment.amount == exact.quantize(Decimal("1e-8"), ROUND_HALF_EVEN)
    assert exchange.ledger.funding == sum(p.amount for p in payments)


def test_constant_funding_charges_a_short_nothing_when_the_rate_is_negative_for_longs() -> None:
    config = SimVenueConfig(funding=FundingSchedule(constant=Decimal("0.0001")))
    exchange = SimExchange(default_instruments(), config)
    exchange.ledger.deposit(Decimal("10000"))
    start = to_ms("2025-06-01T07:00:00Z")
    exchange.on_candle(flat(start, "100000.0"))
    exchange.submit(intent("short", Side.SELL, quantity="0.010"), start + 60_000)

    for hour in range(1, 18):
        exchange.on_candle(flat(start + hour * MS_PER_HOUR, "100000.0"))

    payments = [r for r in exchange.drain_reports() if isinstance(r, FundingReport)]
    # 08:00 and 16:00 fall inside; a short receives a positive rate.
    assert [p.amount for p in payments] == [Decimal("0.1000000"), Decimal("0.1000000")]


def test_each_symbol_is_settled_by_its_own_candle_at_its_own_boundary_price() -> None:
    config = SimVenueConfig(funding=FundingSchedule(constant=Decimal("0.0001")))
    exchange = SimExchange(default_instruments(), config)
    exchange.ledger.deposit(Decimal("10000"))
    start = to_ms("2025-06-01T07:58:00Z")
    exchange.on_candle(flat(start, "100000.0"))
    exchange.on_candle(flat(start, "2500.00", symbol="ETHUSDT"))
    exchange.submit(intent("btc", Side.BUY, quantity="0.010"), start + 60_000)
    exchange.submit(intent("eth", Side.SELL, quantity="0.100", symbol="ETHUSDT"), start + 60_000)
    exchange.on_candle(flat(start + 60_000, "100000.0"))
    exchange.on_candle(flat(start + 60_000, "2500.00", symbol="ETHUSDT"))
    exchange.drain_reports()
    eight = to_ms("2025-06-01T08:00:00Z")

    exchange.on_candle(candle(eight, "101000.0", "101500.0", "100500.0", "101200.0"))

    assert exchange.drain_reports() == [
        FundingReport(
            "BTCUSDT",
            eight,
            Decimal("0.0001"),
            Decimal("101000.0"),
            Decimal("0.010"),
            -Decimal("0.010") * Decimal("101000.0") * Decimal("0.0001"),
        )
    ]
    exchange.on_price("ETHUSDT", eight + 1_000, Decimal("2490.00"))
    assert exchange.drain_reports() == [
        FundingReport(
            "ETHUSDT",
            eight,
            Decimal("0.0001"),
            Decimal("2490.00"),
            Decimal("-0.100"),
            Decimal("0.100") * Decimal("2490.00") * Decimal("0.0001"),
        )
    ]


def test_25x_long_from_june_5_noon_is_liquidated_at_the_maintenance_margin_price() -> None:
    instruments = default_instruments()
    exchange = SimExchange(instruments, SimVenueConfig())
    exchange.ledger.deposit(Decimal("1000"))
    exchange.set_leverage("BTCUSDT", 25)
    candles = candles_from(BTC_1M, start="2025-06-05T11:59:00Z", hours=12.01)
    exchange.on_candle(candles[0])
    exchange.submit(intent("long", Side.BUY, quantity="0.010"), candles[0].close_ms)

    for minute in candles[1:]:
        exchange.on_candle(minute)

    fills = [r for r in exchange.drain_reports() if isinstance(r, FillReport)]
    entry, liquidation = fills
    assert entry.ts_ms == to_ms("2025-06-05T12:00:00Z")
    assert entry.price == candles[1].open == Decimal("104772.7")
    # Binance, isolated one-way: LP = (Q*EP - WB - cum) / (Q * (1 - MMR)), WB = Q*EP/leverage.
    btc = instruments.get("BTCUSDT")
    quantity, entry_price = Decimal("0.010"), entry.price
    bracket = btc.bracket_for(quantity * entry_price)
    margin = quantity * entry_price / 25
    expected = (quantity * entry_price - margin - bracket.cum) / (
        quantity * (1 - bracket.maint_margin_ratio)
    )
    assert liquidation.is_liquidation
    assert liquidation.price == ceil_to_tick(expected, btc.tick_size) == Decimal("100985.8")
    first_touch = next(c for c in candles[1:] if c.low <= liquidation.price)
    assert liquidation.ts_ms == first_touch.close_ms
    # An isolated position loses its margin and no more.
    assert exchange.ledger.wallet_balance == Decimal("1000") - margin - entry.fee
    assert not exchange.ledger.position("BTCUSDT").is_open
