"""Who owns how much of a pooled book: units issued and redeemed at the unit value, as a fund.

One book per agent type trades one exchange account; investment accounts own units of it.
A deposit issues units at the current unit value and a withdrawal redeems them, so one
account's money moving changes no other account's value. A mark sets the unit value from
the book's equity (its net asset value: marked to the latest prices, after fees and
funding), so every account's profit is its units times the change in unit value.

Money stays at 8 decimals. Units are kept to 8 decimals and the unit value to 12, so a
value (units times unit value) is rounded down to 8 decimals, and what that rounding leaves
over goes to one documented place: the book's `reserve`, owned by no investment account.
The values and the reserve add up to the book's equity to the last digit. The reserve only
takes what rounding leaves: less than (unit value + 1) × 10⁻⁸ USDT per deposit or
withdrawal, and at each mark less than 10⁻⁸ per account plus 10⁻¹² per unit; the mark
hands what it held back to the owners through the unit value. Deposits and withdrawals
are priced at the last mark's unit value: mark the book first.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal, localcontext
from typing import Final

from trading_agents.core.decimals import ZERO

MONEY: Final = Decimal("0.00000001")
UNIT: Final = Decimal("0.00000001")  # units are counted to 8 decimals
UNIT_VALUE: Final = Decimal("0.000000000001")  # USDT per unit, to 12 decimals
PRECISION: Final = 80  # digits for a product of units and unit value: never rounded by the context


class UnitError(ValueError):
    """A deposit too small to buy a unit, a withdrawal beyond an account's value, and such."""


class UnitRegister:
    """The units each investment account holds of one pooled book, and the unit value."""

    def __init__(self, unit_value: Decimal = Decimal(1)) -> None:
        if unit_value <= ZERO:
            raise UnitError(f"the unit value must be positive, not {unit_value}")
        self.unit_value = unit_value.quantize(UNIT_VALUE, rounding=ROUND_DOWN)
        self.units: dict[str, Decimal] = {}
        self.reserve = ZERO  # what rounding left: the book's, no account's

    @property
    def total_units(self) -> Decimal:
        """Return the units issued and not redeemed."""
        return sum(self.units.values(), ZERO)

    def value(self, account_id: str) -> Decimal:
        """Return an account's value: its units at the unit value, rounded down to 8 decimals."""
        return self._worth(self.units.get(account_id, ZERO))

    def values(self) -> dict[str, Decimal]:
        """Return every account's value."""
        return {account: self._worth(units) for account, units in self.units.items()}

    def equity(self) -> Decimal:
        """Return what the register says the book holds: every value and the reserve."""
        return sum(self.values().values(), ZERO) + self.reserve

    def issue(self, account_id: str, amount: Decimal) -> Decimal:
        """Issue units for a deposit at the unit value; return how many were issued."""
        _check_money(amount)
        if self.unit_value == ZERO:
            raise UnitError("the book's units are worth nothing: no unit can be priced")
        with localcontext(prec=PRECISION):
            issued = (amount / self.unit_value).quantize(UNIT, rounding=ROUND_DOWN)
        if issued <= ZERO:
            raise UnitError(f"{amount} USDT buys no unit at {self.unit_value} USDT a unit")
        before = self.value(account_id)
        self.units[account_id] = self.units.get(account_id, ZERO) + issued
        self.reserve += amount - (self.value(account_id) - before)
        return issued

    def redeem(self, account_id: str, amount: Decimal) -> Decimal:
        """Redeem units for a withdrawal at the unit value; return how many were redeemed."""
        _check_money(amount)
        held = self.units.get(account_id, ZERO)
        before = self._worth(held)
        if amount > before:
            raise UnitError(f"{account_id} is worth {before} USDT: {amount} cannot be withdrawn")
        with localcontext(prec=PRECISION):
            redeemed = (amount / self.unit_value).quantize(UNIT, rounding=ROUND_CEILING)
        redeemed = min(redeemed, held)
        left = held - redeemed
        after = self._worth(left)
        if before - after < amount:  # every unit went and still fell short: rounding's part
            raise UnitError(f"{account_id} is worth {before} USDT: {amount} cannot be withdrawn")
        if left:
            self.units[account_id] = left
        else:
            del self.units[account_id]
        self.reserve += (before - after) - amount
        return redeemed

    def redeem_all(self, account_id: str) -> tuple[Decimal, Decimal]:
        """Redeem every unit of an account at its value; return (amount, units redeemed)."""
        held = self.units.pop(account_id, ZERO)
        return self._worth(held), held

    def set_unit_value(self, unit_value: Decimal) -> None:
        """Price the next deposit or withdrawal at a unit value the journal recorded."""
        if unit_value <= ZERO:
            raise UnitError(f"the unit value must be positive, not {unit_value}")
        self.unit_value = unit_value.quantize(UNIT_VALUE, rounding=ROUND_DOWN)

    def mark(self, equity: Decimal) -> None:
        """Set the unit value from the book's equity; the reserve keeps what rounding leaves."""
        _check_money(equity, allow_zero=True)
        total = self.total_units
        if total == ZERO:
            self.reserve = equity  # nobody owns any of it
            return
        with localcontext(prec=PRECISION):
            self.unit_value = (equity / total).quantize(UNIT_VALUE, rounding=ROUND_DOWN)
        self.reserve = equity - sum(self.values().values(), ZERO)

    def _worth(self, units: Decimal) -> Decimal:
        with localcontext(prec=PRECISION):
            return (units * self.unit_value).quantize(MONEY, rounding=ROUND_DOWN)


def _check_money(amount: Decimal, allow_zero: bool = False) -> None:
    if amount != amount.quantize(MONEY):
        raise UnitError(f"{amount} has more than 8 decimals")
    if amount < ZERO or (amount == ZERO and not allow_zero):
        raise UnitError(f"{amount} is not a positive amount")
