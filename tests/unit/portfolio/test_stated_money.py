"""Money an exchange states rather than the ledger computes: funding amounts, wallet drift."""

from __future__ import annotations

from tests.unit.portfolio.builders import T0, D, fill, funded_portfolio, minute
from trading_agents.model.enums import Side
from trading_agents.model.reports import BalanceAdjustment, FundingReport


def stated_funding(amount: str, *, held: str = "0", at: int = T0) -> FundingReport:
    """Return funding as Binance's income history states it: an amount, no rate or mark."""
    return FundingReport("BTCUSDT", at, None, None, D(held), D(amount))


def adjustment(amount: str, at: int = T0) -> BalanceAdjustment:
    """Return a wallet adjustment found by reconciliation."""
    return BalanceAdjustment(f"wallet-{at}-1", at, D(amount), "test")


def test_a_stated_funding_amount_is_booked_as_given_and_goes_to_the_open_trip() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", fee="5", at=minute(0)))

    # Rate times mark would give another figure; the exchange's amount is what moved.
    portfolio.apply(stated_funding("-1.23456789", held="0.1", at=minute(1)))

    ledger = portfolio.ledger
    assert ledger.funding == D("-1.23456789")
    assert ledger.wallet_balance == D("10000") - D("5") - D("1.23456789")
    (trip,) = portfolio.snapshot().open_trips
    assert trip.funding == D("-1.23456789")


def test_stated_funding_with_no_position_in_the_books_still_moves_the_wallet() -> None:
    portfolio = funded_portfolio()

    portfolio.apply(stated_funding("0.5", held="0.1", at=minute(1)))

    ledger = portfolio.ledger
    assert ledger.funding == D("0.5")
    assert ledger.wallet_balance == D("10000.5")
    assert portfolio.snapshot().open_trips == ()
    assert portfolio.trades == []


def test_a_wallet_adjustment_is_a_cash_flow_not_a_gain_or_a_loss() -> None:
    portfolio = funded_portfolio()
    portfolio.mark(minute(0), {})

    portfolio.apply(adjustment("250", at=minute(1)))
    credited = portfolio.mark(minute(1), {})
    portfolio.apply(adjustment("-1000", at=minute(2)))
    debited = portfolio.mark(minute(2), {})

    ledger = portfolio.ledger
    assert (ledger.deposits, ledger.withdrawals) == (D("10250"), D("1000"))
    assert ledger.wallet_balance == D("9250")
    assert (credited.equity, credited.net_deposits) == (D("10250"), D("10250"))
    assert (debited.equity, debited.net_deposits) == (D("9250"), D("9250"))
    assert portfolio.max_drawdown == D("0")
    assert ledger.realized_pnl == ledger.fees == ledger.funding == D("0")


def test_a_debit_is_booked_even_beyond_what_no_margin_holds() -> None:
    portfolio = funded_portfolio("1000", leverage=1)
    portfolio.apply(fill(Side.BUY, "0.009", "100000", at=minute(0)))  # 900 held as margin

    portfolio.apply(adjustment("-300", at=minute(1)))  # already gone at the exchange

    assert portfolio.ledger.wallet_balance == D("700")
    assert portfolio.ledger.withdrawals == D("300")
