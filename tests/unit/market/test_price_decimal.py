"""Prices read as floats become the decimals they were written as."""

from __future__ import annotations

from decimal import Decimal

from trading_agents.market.candles import price_decimal


def test_a_price_is_the_decimal_it_was_written_as() -> None:
    assert str(price_decimal(95505.4)) == "95505.4"
    assert str(price_decimal(0.1)) == "0.1"
    assert str(price_decimal(16.0)) == "16.0"
    assert str(price_decimal(1e-05)) == "0.00001"


def test_asking_again_gives_the_same_decimal() -> None:
    first = price_decimal(67123.5)
    assert price_decimal(67123.5) == first
    assert str(price_decimal(67123.5)) == "67123.5"


def test_zero_keeps_its_sign() -> None:
    assert str(price_decimal(0.0)) == "0.0"
    assert str(price_decimal(-0.0)) == "-0.0"
    assert str(price_decimal(0.0)) == "0.0"


def test_many_prices_in_a_row_each_convert_exactly() -> None:
    prices = [30_000 + step / 10 for step in range(1_000)]
    for _ in range(2):  # the second pass reads what the first may have left behind
        for price in prices:
            assert price_decimal(price) == Decimal(repr(price))


def test_not_a_number_stays_not_a_number() -> None:
    assert price_decimal(float("nan")).is_nan()
    assert price_decimal(float("nan")).is_nan()


def test_an_integer_price_reads_as_the_float_it_stands_for() -> None:
    assert str(price_decimal(5)) == "5.0"
    assert str(price_decimal(5.0)) == "5.0"
