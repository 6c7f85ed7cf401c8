"""Round trips: a position's life from flat back to flat, with its PnL, fees and funding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.portfolio.builders import T0, D, fill, funded_portfolio, funding, minute
from trading_agents.core.errors import InvalidTransition
from trading_agents.model.enums import ExitReason, OrderType, PositionSide, Side
from trading_agents.portfolio.trades import RoundTrip, RoundTripTracker


def test_a_long_from_flat_to_flat_is_one_trip_with_its_fees() -> None:
    portfolio = funded_portfolio()

    opened = portfolio.apply(fill(Side.BUY, "0.1", "100000", fee="4", at=minute(0)))
    closed = portfolio.apply(fill(Side.SELL, "0.1", "101000", fee="4.04", at=minute(10)))

    assert opened is None
    assert closed == RoundTrip(
        trade_id=f"BTCUSDT-{T0}-1",
        symbol="BTCUSDT",
        side=PositionSide.LONG,
        opened_ms=minute(0),
        closed_ms=minute(10),
        quantity=D("0.1"),
        entry_price=D("100000"),
        exit_price=D("101000"),
        realized_pnl=D("100"),
        fees=D("8.04"),
        funding=D("0"),
        net_pnl=D("91.96"),
        liquidated=False,
        fills=2,
    )
    assert portfolio.trades == [closed]


def test_a_short_earns_when_the_price_falls() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.SELL, "0.2", "100000", fee="8", at=minute(0)))

    trip = portfolio.apply(fill(Side.BUY, "0.2", "99000", fee="7.92", at=minute(5)))

    assert trip is not None
    assert trip.side is PositionSide.SHORT
    assert (trip.realized_pnl, trip.fees, trip.net_pnl) == (D("200"), D("15.92"), D("184.08"))
    assert trip.is_win


def test_scaling_in_averages_the_entry_and_the_trip_size_is_the_largest_held() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))
    portfolio.apply(fill(Side.BUY, "0.3", "104000", at=minute(1)))

    trip = portfolio.apply(fill(Side.SELL, "0.4", "105000", at=minute(2)))

    assert trip is not None
    assert (trip.quantity, trip.entry_price, trip.exit_price) == (
        D("0.4"),
        D("103000"),
        D("105000"),
    )
    assert trip.realized_pnl == D("800")
    assert trip.fills == 3


def test_partial_exits_keep_the_trip_open_until_flat_and_average_the_exit() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.4", "100000", at=minute(0)))

    first_exit = portfolio.apply(fill(Side.SELL, "0.1", "101000", at=minute(1)))
    trip = portfolio.apply(fill(Side.SELL, "0.3", "99000", at=minute(2)))

    assert first_exit is None
    assert trip is not None
    assert trip.exit_price == D("99500")  # (0.1 x 101,000 + 0.3 x 99,000) / 0.4
    assert trip.realized_pnl == D("-200")  # +100 on the first exit, -300 on the second
    assert (trip.opened_ms, trip.closed_ms, trip.quantity) == (minute(0), minute(2), D("0.4"))
    assert trip.is_loss


def test_a_flip_closes_the_long_and_opens_a_short_splitting_the_fee_by_quantity() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", fee="4", at=minute(0)))

    long_trip = portfolio.apply(fill(Side.SELL, "0.3", "101000", fee="12", at=minute(1)))
    short_trip = portfolio.apply(fill(Side.BUY, "0.2", "100000", fee="8", at=minute(2)))

    assert long_trip is not None
    assert short_trip is not None
    assert long_trip.side is PositionSide.LONG
    assert (long_trip.realized_pnl, long_trip.fees, long_trip.net_pnl) == (D(100), D(8), D(92))
    assert short_trip.side is PositionSide.SHORT
    assert short_trip.trade_id == f"BTCUSDT-{minute(1)}-2"
    assert (short_trip.opened_ms, short_trip.quantity, short_trip.entry_price) == (
        minute(1),
        D("0.2"),
        D("101000"),
    )
    assert (short_trip.realized_pnl, short_trip.fees, short_trip.net_pnl) == (D(200), D(16), D(184))
    assert (long_trip.fills, short_trip.fills) == (2, 2)  # the flipping fill counts in both


def test_a_flip_fee_that_does_not_divide_evenly_still_adds_up_to_the_fee_exactly() -> None:
    tracker = RoundTripTracker()
    tracker.on_fill("BTCUSDT", Side.BUY, D("0.003"), D("100000"), D("0"), D("0"), minute(0))

    closed = tracker.on_fill(
        "BTCUSDT", Side.SELL, D("0.007"), D("100000"), D("0.0123"), D("0"), minute(1)
    )
    reopened = tracker.on_fill(
        "BTCUSDT", Side.BUY, D("0.004"), D("100000"), D("0"), D("0"), minute(2)
    )

    assert closed is not None
    assert reopened is not None
    assert closed.fees == D("0.0123") - reopened.fees
    assert reopened.fees == D("0.0123") * D("0.004") / D("0.007")  # pro rata; the rest closes


def test_a_liquidation_closes_the_trip_losing_exactly_its_margin_and_fees() -> None:
    portfolio = funded_portfolio(leverage=10)
    portfolio.apply(fill(Side.BUY, "0.1", "100000", fee="4", at=minute(0)))  # 1,000 margin

    trip = portfolio.apply(
        fill(Side.SELL, "0.1", "91000", fee="100", at=minute(30), liquidation=True)
    )

    assert trip is not None
    assert trip.liquidated
    assert trip.exit_reason is ExitReason.LIQUIDATION
    assert trip.realized_pnl == D("-900")
    assert trip.fees == D("104")  # the entry fee and the clearance fee: the rest of the margin
    assert trip.net_pnl == D("-1004")
    assert portfolio.ledger.wallet_balance == D("8996")


def test_funding_is_attributed_to_the_trip_that_was_open() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.SELL, "0.1", "100000", at=minute(0)))
    portfolio.apply(funding("0.0001", "100000", "-0.1", "1", at=minute(1)))  # shorts receive
    portfolio.apply(funding("-0.0002", "100000", "-0.1", "-2", at=minute(2)))  # shorts pay

    trip = portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(3)))

    assert trip is not None
    assert trip.funding == D("-1")
    assert trip.net_pnl == D("-1")


def test_trade_ids_count_the_trips_of_each_symbol() -> None:
    portfolio = funded_portfolio()
    for n, symbol in enumerate(["BTCUSDT", "ETHUSDT", "BTCUSDT"]):
        portfolio.apply(fill(Side.BUY, "0.1", "2000", at=minute(2 * n), symbol=symbol))
        portfolio.apply(fill(Side.SELL, "0.1", "2000", at=minute(2 * n + 1), symbol=symbol))

    assert [t.trade_id for t in portfolio.trades] == [
        f"BTCUSDT-{minute(0)}-1",
        f"ETHUSDT-{minute(2)}-1",
        f"BTCUSDT-{minute(4)}-2",
    ]


def test_a_trip_at_exactly_zero_is_neither_a_win_nor_a_loss() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))

    trip = portfolio.apply(fill(Side.SELL, "0.1", "100000", at=minute(1)))

    assert trip is not None
    assert not trip.is_win
    assert not trip.is_loss


def test_the_tracker_refuses_a_liquidation_with_nothing_to_liquidate() -> None:
    tracker = RoundTripTracker()

    with pytest.raises(InvalidTransition):
        tracker.on_fill(
            "BTCUSDT", Side.SELL, D("0.1"), D("1"), D(0), D(0), minute(0), is_liquidation=True
        )


def test_the_tracker_refuses_a_liquidation_that_would_flip_the_position() -> None:
    tracker = RoundTripTracker()
    tracker.on_fill("BTCUSDT", Side.BUY, D("0.1"), D("100"), D(0), D(0), minute(0))

    with pytest.raises(InvalidTransition):
        tracker.on_fill(
            "BTCUSDT", Side.SELL, D("0.2"), D("90"), D(0), D("-1"), minute(1), is_liquidation=True
        )


def test_the_tracker_refuses_funding_on_a_flat_symbol_unless_it_is_zero() -> None:
    tracker = RoundTripTracker()
    tracker.on_funding("BTCUSDT", Decimal(0))

    with pytest.raises(InvalidTransition):
        tracker.on_funding("BTCUSDT", D("-1"))


def test_the_tracker_refuses_a_growing_fill_that_claims_realized_pnl() -> None:
    tracker = RoundTripTracker()

    with pytest.raises(ValueError, match="realized"):
        tracker.on_fill("BTCUSDT", Side.BUY, D("0.1"), D("100"), D(0), D("5"), minute(0))


def test_open_trips_report_when_they_opened() -> None:
    tracker = RoundTripTracker()
    tracker.on_fill("BTCUSDT", Side.BUY, D("0.1"), D("100"), D(0), D(0), minute(3))
    tracker.on_fill("ETHUSDT", Side.SELL, D("1"), D("10"), D(0), D(0), minute(7))

    assert tracker.open_since() == (minute(3), minute(7))


@pytest.mark.parametrize(
    ("order_type", "reason"),
    [
        (OrderType.STOP_MARKET, ExitReason.STOP_LOSS),
        (OrderType.TAKE_PROFIT_MARKET, ExitReason.TAKE_PROFIT),
        (OrderType.MARKET, ExitReason.DECISION),
        (OrderType.LIMIT, ExitReason.DECISION),
        (None, ExitReason.OTHER),  # an order the account never placed
    ],
)
def test_the_closing_order_names_the_exit(order_type: OrderType | None, reason: ExitReason) -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.1", "100000", at=minute(0)))

    trip = portfolio.apply(
        fill(Side.SELL, "0.1", "99000", at=minute(1)), ExitReason.of_order(order_type)
    )

    assert trip is not None
    assert trip.exit_reason is reason


def test_a_fill_that_only_reduces_leaves_the_exit_to_the_fill_that_ends_the_trip() -> None:
    portfolio = funded_portfolio()
    portfolio.apply(fill(Side.BUY, "0.2", "100000", at=minute(0)))

    partly = portfolio.apply(fill(Side.SELL, "0.1", "101000", at=minute(1)), ExitReason.DECISION)
    trip = portfolio.apply(fill(Side.SELL, "0.1", "99000", at=minute(2)), ExitReason.STOP_LOSS)

    assert partly is None
    assert trip is not None
    assert trip.exit_reason is ExitReason.STOP_LOSS
