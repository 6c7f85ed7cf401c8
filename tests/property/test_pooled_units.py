"""A pooled book's units over random deposits, withdrawals and marks, checked at every step.

The book's equity is tracked here on its own: money in and out, and marks that move it the
way fills, fees and funding do. After every step the accounts' values and the reserve add
up to it to the last digit; a deposit or a withdrawal moves no other account's value; and
across a mark each account's profit is its units times the change in unit value, short of
it by less than the 10⁻⁸ that rounding a value down can take.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from trading_agents.portfolio.units import MONEY, UnitError, UnitRegister

ACCOUNTS = st.sampled_from(["inv-1", "inv-2", "inv-3", "inv-4"])
CENTS = st.integers(min_value=1, max_value=50_000_000_000).map(lambda n: Decimal(n) * MONEY)
RETURNS = st.integers(min_value=-300_000, max_value=300_000).map(lambda n: Decimal(n) / 1_000_000)


class PooledBook(RuleBasedStateMachine):
    """Deposits, withdrawals and marks on one register, against the book's own equity."""

    def __init__(self) -> None:
        super().__init__()
        self.register = UnitRegister()
        self.equity = Decimal(0)  # the book's: what came in, went out, and the market made
        self.since_mark = 0

    @rule(account=ACCOUNTS, amount=CENTS)
    def deposit(self, account: str, amount: Decimal) -> None:
        others = self._others(account)
        try:
            self.register.issue(account, amount)
        except UnitError:
            return  # too small to buy a unit at this unit value: refused, nothing moved
        self.equity += amount
        self.since_mark += 1
        assert self._others(account) == others

    @precondition(lambda self: bool(self.register.units))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        account = data.draw(st.sampled_from(sorted(self.register.units)))
        worth = self.register.value(account)
        if worth == 0:
            return
        share = data.draw(st.integers(min_value=1, max_value=int(worth / MONEY)))
        amount = Decimal(share) * MONEY
        others = self._others(account)
        self.register.redeem(account, amount)
        self.equity -= amount
        self.since_mark += 1
        assert self._others(account) == others

    @rule(move=RETURNS)
    def mark(self, move: Decimal) -> None:
        """Fills, fees and funding moved the book's equity by `move` of it; mark it."""
        self.equity = max(Decimal(0), (self.equity * (1 + move)).quantize(MONEY))
        units = dict(self.register.units)
        before, unit_value = self.register.values(), self.register.unit_value
        self.register.mark(self.equity)
        change = self.register.unit_value - unit_value
        after = self.register.values()
        for account, held in units.items():
            profit = after[account] - before[account]
            exact = held * change
            assert exact - MONEY < profit < exact + MONEY, (account, profit, exact)
        self.since_mark = 0
        bound = MONEY * len(units) + self.register.total_units * Decimal("1e-12")
        assert self.register.reserve <= bound or self.register.total_units == 0

    @invariant()
    def values_and_reserve_add_up_to_the_book(self) -> None:
        assert self.register.equity() == self.equity

    @invariant()
    def the_reserve_takes_only_what_rounding_leaves(self) -> None:
        assert self.register.reserve >= 0
        if self.register.total_units:
            # A mark leaves under 10⁻⁸ per account and 10⁻¹² per unit; each deposit or
            # withdrawal since, under (unit value + 1) × 10⁻⁸.
            per_move = MONEY * (self.register.unit_value + 1)
            bound = MONEY * len(self.register.units) + per_move * (self.since_mark + 1)
            bound += self.register.total_units * Decimal("1e-12")
            assert self.register.reserve <= bound, (self.register.reserve, bound)

    def _others(self, account: str) -> dict[str, Decimal]:
        return {a: v for a, v in self.register.values().items() if a != account}


PooledBook.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestPooledBook = PooledBook.TestCase


def test_a_withdrawal_beyond_an_account_s_value_is_refused_and_changes_nothing() -> None:
    register = UnitRegister()
    register.issue("inv-1", Decimal("100"))

    with pytest.raises(UnitError, match="worth 100"):
        register.redeem("inv-1", Decimal("100.00000001"))

    assert register.value("inv-1") == Decimal("100")


@pytest.mark.parametrize("amount", ["0.000000001", "0", "-5"])
def test_amounts_beyond_eight_decimals_or_not_positive_are_refused(amount: str) -> None:
    register = UnitRegister()

    with pytest.raises(UnitError):
        register.issue("inv-1", Decimal(amount))

    assert register.units == {}
