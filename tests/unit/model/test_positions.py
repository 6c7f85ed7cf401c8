"""One-way isolated positions: averaging, reducing, flipping, margin and liquidation price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading_agents.config.instruments import default_instruments
from trading_agents.core.errors import InvalidTransition
from trading_agents.model.enums import PositionSide, Side
from trading_agents.model.positions import Position, PositionFill

D = Decimal


def btc(leverage: int = 10) -> Position:
    return Position(default_instruments().get("BTCUSDT"), leverage)


def test_buys_average_the_entry_and_post_margin_at_the_leverage() -> None:
    position = btc(10)

    position.apply(PositionFill(Side.BUY, D("0.1"), D("100000"), 1))
    position.apply(PositionFill(Side.BUY, D("0.3"), D("104000"), 2))

    assert position.side is PositionSide.LONG
    assert position.entry_price == D("103000")
    assert position.margin == D("4120")  # 41,200 notional at 10x
    assert position.opened_ms == 1


def test_a_partial_close_realizes_pnl_and_releases_margin_pro_rata() -> None:
    position = btc(10)
    position.apply(PositionFill(Side.BUY, D("0.4"), D("100000"), 1))

    realized = position.apply(PositionFill(Side.SELL, D("0.1"), D("101000"), 2))

    assert realized == D("100")
    assert position.quantity == D("0.3")
    assert position.margin == D("3000")
    assert position.entry_price == D("100000")


def test_a_short_profits_when_the_price_falls() -> None:
    position = btc()
    position.apply(PositionFill(Side.SELL, D("0.2"), D("100000"), 1))

    assert position.unrealized_pnl(D("95000")) == D("1000")
    assert position.apply(PositionFill(Side.BUY, D("0.2"), D("95000"), 2)) == D("1000")
    assert position.side is PositionSide.FLAT
    assert position.margin == 0


def test_an_oversized_opposite_fill_closes_and_opens_the_other_way() -> None:
    position = btc(5)
    position.apply(PositionFill(Side.BUY, D("0.1"), D("100000"), 1))

    realized = position.apply(PositionFill(Side.SELL, D("0.3"), D("99000"), 2))

    assert realized == D("-100")
    assert position.quantity == D("-0.2")
    assert position.entry_price == D("99000")
    assert position.margin == D("3960")
    assert position.opened_ms == 2


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        # Long: (Q*EP - Q*EP/L - cum) / (Q*(1 - MMR)); short: (Q*EP + Q*EP/L + cum) / (Q*(1 + MMR)).
        (Side.BUY, D("100000") * (1 - D(1) / 20) / (1 - D("0.004"))),
        (Side.SELL, D("100000") * (1 + D(1) / 20) / (1 + D("0.004"))),
    ],
)
def test_liquidation_price_follows_binances_isolated_formula(side: Side, expected: Decimal) -> None:
    position = btc(20)
    position.apply(PositionFill(side, D("0.1"), D("100000"), 1))

    price = position.liquidation_price()

    assert price is not None
    assert abs(price - expected) < D("0.1")
    # Rounded toward the entry: the holder is never told a safer price than the truth.
    assert price >= expected if side is Side.BUY else price <= expected


def test_a_1x_long_cannot_be_liquidated() -> None:
    position = btc(1)
    position.apply(PositionFill(Side.BUY, D("0.01"), D("100000"), 1))

    assert position.liquidation_price() is None


def test_larger_positions_fall_in_higher_brackets_and_liquidate_sooner() -> None:
    small, large = btc(20), btc(20)
    small.apply(PositionFill(Side.BUY, D("0.1"), D("100000"), 1))  # 10,000 notional
    large.apply(PositionFill(Side.BUY, D("5"), D("100000"), 1))  # 500,000 notional

    small_price, large_price = small.liquidation_price(), large.liquidation_price()

    assert small_price is not None
    assert large_price is not None
    assert large_price > small_price


def test_leverage_cannot_change_while_open() -> None:
    position = btc(10)
    position.apply(PositionFill(Side.BUY, D("0.1"), D("100000"), 1))

    with pytest.raises(InvalidTransition):
        position.change_leverage(20)


def test_a_fill_of_no_quantity_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        btc().apply(PositionFill(Side.BUY, D(0), D("100000"), 1))
