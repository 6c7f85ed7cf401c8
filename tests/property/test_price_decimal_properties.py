"""A price read as a float becomes exactly the decimal its shortest text writes."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trading_agents.market.candles import price_decimal

# Prices as files write them: up to ten decimals, from a fraction of a satoshi to ten million.
WRITTEN = st.builds(
    lambda digits, places: float(Decimal(digits).scaleb(-places)),
    st.integers(min_value=0, max_value=10**17),
    st.integers(min_value=0, max_value=10),
)


def same_decimal(value: float) -> bool:
    """Tell whether the price is repr()'s decimal: the same digits, sign and exponent."""
    return price_decimal(value).as_tuple() == Decimal(repr(value)).as_tuple()


@given(WRITTEN)
def test_a_written_price_is_the_decimal_repr_writes(value: float) -> None:
    assert same_decimal(value)


@given(WRITTEN)
def test_the_floats_beside_a_written_price_keep_their_own_long_decimals(value: float) -> None:
    for neighbour in (math.nextafter(value, -math.inf), math.nextafter(value, math.inf)):
        assert same_decimal(neighbour)


@given(st.floats(allow_nan=False))
def test_any_float_is_the_decimal_repr_writes(value: float) -> None:
    assert same_decimal(value)
