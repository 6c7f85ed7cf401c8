"""Exact addition for money that is summed across many trades."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Final

# The default context keeps 28 digits, so adding a fee share like 0.0133…33 to a PnL of
# thousands would round and break total_profit - total_loss == Σ net_pnl. Addition and
# multiplication are exact in an unbounded context; never divide in it (1/3 never ends).
_EXACT: Final = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

# The same, but a result's exponent is folded down to zero at most (clamp=1 limits it to
# Emax - prec + 1), the coefficient taking the zeros: 5E+2 comes out as 500. Adding in it
# gives in one step what adding to zero first gives in two: the exponent of 0 + a + b is
# min(0, a's, b's). Folding down is exact here, as the precision is unbounded.
_EXACT_TO_UNITS: Final = Context(
    prec=MAX_PREC,
    Emax=MAX_PREC - 1,
    Emin=MIN_EMIN,
    clamp=1,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

_ZERO: Final = Decimal(0)
# Bound once: looking a context's method up at each call cost as much as the addition (a
# backtest adds exactly some 700,000 times a year).
_ADD: Final = _EXACT.add
_ADD_TO_UNITS: Final = _EXACT_TO_UNITS.add
_MULTIPLY: Final = _EXACT.multiply


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Add decimals without rounding."""
    total = _ZERO
    for value in values:
        total = _ADD(total, value)
    return total


def exact_add(left: Decimal, right: Decimal) -> Decimal:
    """Add two decimals without rounding, exactly as exact_sum((left, right)) does."""
    # As exact_sum adds from zero, in one step instead of two (see _EXACT_TO_UNITS): the same
    # digits and exponent. Only the sign of a zero can differ: -0 + -0 is -0, where adding
    # from zero first gives 0; a zero sum goes the two-step way.
    total = _ADD_TO_UNITS(left, right)
    if total or not total.is_signed():
        return total
    return _ADD(_ADD(_ZERO, left), right)


def exact_product(left: Decimal, right: Decimal) -> Decimal:
    """Multiply two decimals without rounding."""
    return _MULTIPLY(left, right)
