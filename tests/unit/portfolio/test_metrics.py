"""Metrics: profit and loss, win rate, profit factor, drawdown, exposure, on hand-made inputs."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.portfolio.builders import T0, D, curve, funded_portfolio, minute, trip
from trading_agents.core.clock import MS_PER_MINUTE
from trading_agents.model.enums import Side
from trading_agents.portfolio.metrics import compute_metrics, exposure_time
from trading_agents.portfolio.trades import RoundTripTracker


def test_wins_and_losses_add_up_with_the_win_rate_and_profit_factor() -> None:
    trips = [trip("100"), trip("-40"), trip("60"), trip("0"), trip("-10")]

    metrics = compute_metrics(trips, [])

    assert (metrics.total_trades, metrics.winning_trades, metrics.losing_trades) == (5, 2, 2)
    assert (metrics.total_profit, metrics.total_loss) == (D("160"), D("50"))
    assert metrics.net_profit == D("110")
    assert metrics.win_rate == D("0.4")
    assert metrics.profit_factor == D("3.2")


def test_without_a_loss_there_is_no_profit_factor() -> None:
    metrics = compute_metrics([trip("5"), trip("7")], [])

    assert metrics.profit_factor is None
    assert metrics.win_rate == D("1")


def test_without_trips_every_rate_is_zero() -> None:
    metrics = compute_metrics([], [])

    assert (metrics.total_trades, metrics.win_rate, metrics.total_profit) == (0, D(0), D(0))
    assert metrics.profit_factor is None


def test_fees_funding_and_realized_pnl_are_the_closed_trips_totals() -> None:
    trips = [trip("10", fees="2", funding="-1"), trip("-5", fees="1.5", funding="0.25")]

    metrics = compute_metrics(trips, [])

    assert (metrics.fees, metrics.funding, metrics.realized_pnl) == (
        D("3.5"),
        D("-0.75"),
        D("9.25"),
    )
    assert metrics.net_profit == metrics.realized_pnl - metrics.fees + metrics.funding


def test_drawdown_is_the_fall_from_the_running_peak() -> None:
    metrics = compute_metrics([], curve("1000", "1200", "900", "1100", "1300", "1170"))

    assert metrics.max_drawdown == D("0.25")  # 1,200 to 900
    assert metrics.current_drawdown == D("0.1")  # 1,300 to 1,170


def test_a_deposit_in_a_drawdown_shifts_the_peak_and_is_not_a_recovery() -> None:
    points = curve(
        "1000", "1200", "900", "1900", "2300", "2070",
        net_deposits=("1000", "1000", "1000", "2000", "2000", "2000"),
    )  # fmt: skip

    metrics = compute_metrics([], points)

    assert metrics.max_drawdown == D("0.25")
    assert compute_metrics([], points[:4]).current_drawdown == D(300) / D(2200)
    assert metrics.current_drawdown == D("0.1")  # 2,300 is a new peak: 300 gained on 2,000


def test_a_withdrawal_is_not_a_drawdown() -> None:
    points = curve("1000", "1100", "600", net_deposits=("1000", "1000", "500"))

    assert compute_metrics([], points).max_drawdown == D("0")


def test_exposure_is_the_union_of_trips_clipped_to_the_marked_window() -> None:
    intervals = [(10, 30), (20, 40), (90, 150), (-50, 5), (200, 300)]

    assert exposure_time(intervals, 0, 100) == D("0.45")  # 5 + 30 + 10 of 100
    assert exposure_time(intervals, 0, 0) == D("0")


def test_a_trip_still_open_counts_until_the_last_mark() -> None:
    points = curve("1000", "1000", "1000", step=60 * MS_PER_MINUTE)  # two hours of marks

    metrics = compute_metrics(
        [trip("1", opened=minute(0), closed=minute(30))], points, open_since=[minute(90)]
    )

    assert metrics.exposure_time == D("0.5")


def test_sharpe_and_sortino_come_from_the_daily_closes() -> None:
    points = curve("1000", "1010", "999.9", "1019.898")

    metrics = compute_metrics([], points)

    assert metrics.sharpe is not None
    assert metrics.sortino is not None
    assert metrics.sharpe == pytest.approx(8.33809, rel=1e-6)
    assert metrics.sortino == pytest.approx(22.06052, rel=1e-6)


_quantities = st.decimals("0.001", "2", places=3)
_prices = st.decimals("90", "110", places=2)
_fees = st.decimals("0", "0.5", places=4)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(Side), _quantities, _prices, _fees, st.decimals("-1", "1", places=6)
        ),
        min_size=1,
        max_size=40,
    )
)
def test_total_profit_less_total_loss_is_the_sum_of_net_pnl_exactly(
    fills: list[tuple[Side, Decimal, Decimal, Decimal, Decimal]],
) -> None:
    portfolio = funded_portfolio("1000000", leverage=1)
    tracker = RoundTripTracker()
    trips = []
    for n, (side, quantity, price, fee, rate) in enumerate(fills):
        realized = portfolio.ledger.apply_fill("ETHUSDT", side, quantity, price, fee, T0 + n)
        closed = tracker.on_fill("ETHUSDT", side, quantity, price, fee, realized, T0 + n)
        trips += [closed] if closed else []
        tracker.on_funding("ETHUSDT", portfolio.ledger.apply_funding("ETHUSDT", rate, price))

    metrics = compute_metrics(trips, [])

    # Fractions: the check itself must not round.
    net = sum((Fraction(t.net_pnl) for t in trips), Fraction(0))
    assert Fraction(metrics.total_profit) - Fraction(metrics.total_loss) == net
    assert Fraction(metrics.net_profit) == net
    for t in trips:
        assert Fraction(t.net_pnl) == Fraction(t.realized_pnl) - Fraction(t.fees) + Fraction(
            t.funding
        )
