"""The portfolio books a venue's reports into the ledger and keeps the equity curve."""

from __future__ import annotations

import pytest

from tests.support.instruments import registry
from tests.unit.portfolio.builders import D, fill, funded_portfolio, funding, minute
from trading_agents.model.enums import OrderStatus, Side
from trading_agents.model.reports import OrderUpdate
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.portfolio import LedgerMismatch, Portfolio


def test_after_a_mixed_sequence_the_books_balance_to_the_cent() -> None:
    portfolio = funded_portfolio("10000", leverage=10)
    ledger = portfolio.ledger
    portfolio.apply(fill(Side.BUY, "0.2", "100000", fee="8", at=minute(0)))
    portfolio.apply(fill(Side.SELL, "3", "2500", fee="3", at=minute(1), symbol="ETHUSDT"))
    portfolio.apply(funding("0.0001", "100500", "0.2", "-2.01", at=minute(2)))
    portfolio.apply(fill(Side.SELL, "0.05", "101000", fee="2.02", at=minute(3)))
    portfolio.deposit(D("500"))
    portfolio.apply(fill(Side.BUY, "5", "2450", fee="4.9", at=minute(4), symbol="ETHUSDT"))
    portfolio.withdraw(D("1200"))
    portfolio.apply(funding("-0.0003", "2440", "2", "1.464", at=minute(5), symbol="ETHUSDT"))
    marks = {"BTCUSDT": D("99000"), "ETHUSDT": D("2470")}

    point = portfolio.mark(minute(6), marks)

    money_in = ledger.deposits - ledger.withdrawals
    assert ledger.wallet_balance == money_in + ledger.realized_pnl - ledger.fees + ledger.funding
    assert ledger.wallet_balance + ledger.unrealized_pnl(marks) == (
        money_in + ledger.realized_pnl + ledger.unrealized_pnl(marks) - ledger.fees + ledger.funding
    )
    # 9,300 in, +200 realized, -17.92 fees, -0.546 funding, -150 + 40 unrealized
    assert point.equity == D("9371.534")
    assert point.net_deposits == D("9300")


def test_once_flat_the_trips_account_for_every_cent_the_ledger_booked() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", fee="4", at=minute(0)))
    portfolio.apply(funding("0.0001", "100000", "0.1", "-1", at=minute(1)))
    portfolio.apply(fill(Side.SELL, "0.3", "101000", fee="12.12", at=minute(2)))
    portfolio.apply(fill(Side.SELL, "1", "2000", fee="0.8", at=minute(3), symbol="ETHUSDT"))
    portfolio.apply(fill(Side.BUY, "0.2", "99000", fee="7.92", at=minute(4)))
    portfolio.apply(fill(Side.BUY, "1", "2100", fee="0.84", at=minute(5), symbol="ETHUSDT"))
    ledger = portfolio.ledger

    net = sum((trip.net_pnl for trip in portfolio.trades), D(0))

    assert not ledger.open_positions()
    assert len(portfolio.trades) == 3
    assert net == ledger.realized_pnl - ledger.fees + ledger.funding
    assert ledger.wallet_balance == D("10000") + net


def test_funding_that_disagrees_with_the_ledger_is_booked_as_computed_and_raised() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))

    with pytest.raises(LedgerMismatch, match="funding"):
        portfolio.apply(funding("0.0001", "100000", "0.1", "-1.5", at=minute(1)))
    assert portfolio.ledger.funding == D("-1")


def test_funding_on_a_position_the_ledger_does_not_hold_changes_nothing() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))

    with pytest.raises(LedgerMismatch, match=r"holds 0\.1"):
        portfolio.apply(funding("0.0001", "100000", "0.2", "-2", at=minute(1)))
    assert portfolio.ledger.funding == D("0")


def test_a_liquidation_of_another_size_than_held_changes_nothing() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))

    with pytest.raises(LedgerMismatch, match="liquidated"):
        portfolio.apply(fill(Side.SELL, "0.2", "91000", fee="100", liquidation=True))
    assert portfolio.ledger.position("BTCUSDT").quantity == D("0.1")
    assert portfolio.trades == []


def test_a_liquidation_whose_clearance_fee_disagrees_books_the_venue_s_fee() -> None:
    portfolio = funded_portfolio(leverage=10)
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))
    wallet = portfolio.ledger.wallet_balance

    portfolio.apply(fill(Side.SELL, "0.1", "91000", fee="99", liquidation=True))

    # Binance states what left the wallet: the margin's model said 100, the venue took 99.
    assert portfolio.ledger.fees == D("99")
    assert portfolio.ledger.wallet_balance == wallet - D("900") - D("99")
    assert [trip.liquidated for trip in portfolio.trades] == [True]


def test_a_liquidation_in_parts_books_each_part_at_the_venue_s_figures() -> None:
    portfolio = funded_portfolio(leverage=10)
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))
    wallet = portfolio.ledger.wallet_balance

    portfolio.apply(fill(Side.SELL, "0.04", "91000", fee="40", liquidation=True))
    portfolio.apply(fill(Side.SELL, "0.06", "91000", fee="60", liquidation=True))

    assert portfolio.ledger.position("BTCUSDT").quantity == D("0")
    assert portfolio.ledger.wallet_balance == wallet - D("900") - D("100")
    assert [trip.liquidated for trip in portfolio.trades] == [True]


def test_order_updates_move_no_money() -> None:
    portfolio = funded_portfolio()

    result = portfolio.apply(OrderUpdate("c-1", "BTCUSDT", OrderStatus.CANCELED, minute(0)))

    assert result is None
    assert portfolio.ledger.totals() == funded_portfolio().ledger.totals()


def test_marks_record_equity_with_the_net_deposits_made_by_then() -> None:
    portfolio = funded_portfolio("1000")
    portfolio.apply(fill(Side.BUY, "0.01", "100000", at=minute(0)))

    portfolio.mark(minute(1), {"BTCUSDT": D("101000")})
    portfolio.withdraw(D("100"))
    portfolio.mark(minute(2), {"BTCUSDT": D("99000")})

    assert list(portfolio.equity_curve) == [
        EquityPoint(minute(1), D("1010"), D("1000")),
        EquityPoint(minute(2), D("890"), D("900")),
    ]
    # The withdrawal moves the peak from 1,010 to 910, not counting as a loss.
    assert portfolio.current_drawdown == D(20) / D(910)
    assert portfolio.max_drawdown == D(20) / D(910)


def test_a_mark_needs_a_price_for_every_open_position() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "1", "2000", symbol="ETHUSDT"))

    with pytest.raises(ValueError, match="ETHUSDT"):
        portfolio.mark(minute(1), {"BTCUSDT": D("100000")})


def test_marks_may_not_go_back_in_time() -> None:
    portfolio = funded_portfolio()
    portfolio.mark(minute(5), {})

    with pytest.raises(ValueError, match="before the last mark"):
        portfolio.mark(minute(4), {})
    assert len(portfolio.equity_curve) == 1


def test_metrics_measure_exposure_from_fill_times_within_the_marked_window() -> None:
    portfolio = funded_portfolio()
    portfolio.mark(minute(0), {})
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(15)))
    portfolio.apply(fill(Side.SELL, "0.1", "100000", at=minute(45)))
    portfolio.mark(minute(60), {})
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(90)))
    portfolio.mark(minute(120), {"BTCUSDT": D("100000")})

    metrics = portfolio.metrics()

    assert metrics.exposure_time == D("0.5")  # 30 + 30 of 120 minutes
    assert metrics.total_trades == 1


def test_a_new_portfolio_has_empty_metrics() -> None:
    metrics = Portfolio(registry()).metrics()

    assert (metrics.total_trades, metrics.win_rate, metrics.profit_factor) == (0, D(0), None)
    assert (metrics.current_drawdown, metrics.max_drawdown, metrics.exposure_time) == (D(0),) * 3
    assert (metrics.sharpe, metrics.sortino) == (None, None)
