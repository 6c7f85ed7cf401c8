"""Exact addition: one step gives the digits, exponent and sign that adding from zero gives."""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

from hypothesis import given
from hypothesis import strategies as st

from trading_agents.portfolio._exact import exact_add, exact_sum

# Adding from zero in an unbounded context: the definition exact_add keeps to.
UNBOUNDED = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

# Money as the books meet it: signed, with up to twelve places or a positive exponent (a
# division's result such as 2E+2), and zeros of either sign with any exponent.
AMOUNTS = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(d) for d in str(digits)), exponent)),
    st.integers(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=10**20),
    st.integers(min_value=-12, max_value=6),
)


def from_zero(left: Decimal, right: Decimal) -> Decimal:
    """Return left + right added to zero first, one addition at a time."""
    return UNBOUNDED.add(UNBOUNDED.add(Decimal(0), left), right)


@given(AMOUNTS, AMOUNTS)
def test_adding_two_amounts_is_adding_them_to_zero(left: Decimal, right: Decimal) -> None:
    assert exact_add(left, right).as_tuple() == from_zero(left, right).as_tuple()


@given(st.lists(AMOUNTS, min_size=2, max_size=6))
def test_adding_one_at_a_time_is_the_exact_sum(amounts: list[Decimal]) -> None:
    total = Decimal(0)
    for amount in amounts:
        total = exact_add(total, amount)

    assert total.as_tuple() == exact_sum(amounts).as_tuple()


def test_the_cases_that_differ_in_one_step_still_agree() -> None:
    negative_zero, hundreds = Decimal("-0.00"), Decimal("5E+2")

    assert str(exact_add(negative_zero, Decimal("-0.000"))) == "0.000"
    assert str(exact_add(hundreds, Decimal("1E+1"))) == "510"
    assert str(exact_add(Decimal("1.5"), Decimal("-1.50"))) == "0.00"
