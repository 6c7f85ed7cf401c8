"""A pooled book over random deposits, withdrawals, fills, funding and marks, at every step.

The book is a real ledger (BTCUSDT fills with fees, funding on the position, price marks)
and its owners are the service's `Pool`. After every step the owners' values and the
reserve add up to the book's net asset value (its equity at the mark, rounded down to
money's 8 decimals) to the last digit; a deposit or a withdrawal moves no
other owner's value; and across what the market does, each owner's profit is its units
times the change in unit value (short of it by less than the 10⁻⁸ rounding down takes).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.support.instruments import btcusdt, registry
from trading_agents.events.types import PoolEntry
from trading_agents.model.enums import Side
from trading_agents.portfolio.ledger import Ledger
from trading_agents.portfolio.units import MONEY
from trading_agents.service.pools import Pool

SYMBOL = "BTCUSDT"
FEE_RATE = Decimal("0.0005")
ACCOUNTS = st.sampled_from(["inv-1", "inv-2", "inv-3"])
AMOUNTS = st.integers(min_value=100_000_000, max_value=2_000_000_000_000).map(
    lambda n: Decimal(n) * MONEY  # 1 to 20,000 USDT, to the last of 8 decimals
)
PRICES = st.integers(min_value=1_500_000, max_value=9_000_000).map(lambda n: Decimal(n) / 100)
LOTS = st.integers(min_value=1, max_value=400).map(lambda n: Decimal(n) / 1000)
RATES = st.integers(min_value=-300, max_value=300).map(lambda n: Decimal(n) / 1_000_000)


class PooledBook(RuleBasedStateMachine):
    """One book's ledger and its owners, moved by money and by the market."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger(registry(btcusdt()), default_leverage=1)
        self.pool = Pool("nova")
        self.price = Decimal(60_000)
        self.entries = 0
        self.now = 0
        self.posted: dict[str, Decimal] = {}  # each owner's platform ledger: its postings' sum

    def _post(self, entry: PoolEntry) -> PoolEntry:
        """Post an entry as the journal does; the ledger's balance must be the entry's."""
        sign = {"deposit": 1, "withdrawal": -1, "profit": 1, "loss": -1}[entry.kind]
        balance = self.posted.get(entry.account_id, Decimal(0)) + sign * entry.amount
        self.posted[entry.account_id] = balance
        assert balance == entry.balance
        return entry

    def equity(self) -> Decimal:
        return self.ledger.equity({SYMBOL: self.price})

    def _id(self) -> str:
        self.entries += 1
        self.now += 1
        return f"e{self.entries}"

    def _others(self, account: str) -> dict[str, Decimal]:
        return {a: v for a, v in self.pool.register.values().items() if a != account}

    @rule(account=ACCOUNTS, amount=AMOUNTS)
    def deposit(self, account: str, amount: Decimal) -> None:
        self.pool.mark(self.equity())
        others = self._others(account)
        try:
            entry = self._post(self.pool.subscribe(self._id(), account, amount, self.now))
        except ValueError:
            return  # too small to buy a unit now: refused, nothing moved
        self.ledger.deposit(amount)
        assert entry.units > 0
        assert self._others(account) == others

    @precondition(lambda self: bool(self.pool.register.units))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        self.pool.mark(self.equity())
        account = data.draw(st.sampled_from(sorted(self.pool.register.units)))
        most = min(self.pool.value(account), self.ledger.available_balance())
        if most < MONEY:
            return
        amount = Decimal(data.draw(st.integers(1, int(most / MONEY)))) * MONEY
        others = self._others(account)
        self.ledger.withdraw(amount)
        self._post(self.pool.redeem(self._id(), account, amount, self.now, ""))
        assert self._others(account) == others

    @precondition(lambda self: bool(self.pool.register.units))
    @rule(data=st.data())
    def stop(self, data: st.DataObject) -> None:
        self.pool.mark(self.equity())
        account = data.draw(st.sampled_from(sorted(self.pool.register.units)))
        if self.pool.value(account) > self.ledger.available_balance():
            return  # the service queues it until positions close
        others = self._others(account)
        entry = self._post(self.pool.redeem(self._id(), account, None, self.now, "stop"))
        if entry.amount:
            self.ledger.withdraw(entry.amount)
        assert account not in self.pool.register.units
        assert self._others(account) == others

    @rule(quantity=LOTS)
    def buy(self, quantity: Decimal) -> None:
        """Buy at the market, as far as the free cash pays the margin and the fee."""
        fee = (quantity * self.price * FEE_RATE).quantize(MONEY)
        if quantity * self.price + fee > self.ledger.available_balance():
            return
        self._market(Side.BUY, quantity, fee)

    @rule(part=st.integers(min_value=1, max_value=4))
    def sell(self, part: int) -> None:
        """Sell a part (a quarter to all) of the long position at the market."""
        held = self.ledger.position(SYMBOL).quantity
        quantity = (held * part / 4).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
        if quantity <= 0:
            return
        self._market(Side.SELL, quantity, (quantity * self.price * FEE_RATE).quantize(MONEY))

    def _market(self, side: Side, quantity: Decimal, fee: Decimal) -> None:
        self._across_the_market(
            lambda: self.ledger.apply_fill(SYMBOL, side, quantity, self.price, fee, self.now)
        )

    @rule(price=PRICES)
    def move(self, price: Decimal) -> None:
        def set_price() -> None:
            self.price = price

        self._across_the_market(set_price)

    @rule(rate=RATES)
    def funding(self, rate: Decimal) -> None:
        if not self.ledger.position(SYMBOL).is_open:
            return
        self._across_the_market(lambda: self.ledger.apply_funding(SYMBOL, rate, self.price))

    def _across_the_market(self, happen: object) -> None:
        """Let the market move the book; each owner gains units times the unit value's change."""
        self.pool.mark(self.equity())
        units = dict(self.pool.register.units)
        before, unit_value = self.pool.register.values(), self.pool.register.unit_value
        happen()  # type: ignore[operator]
        self.pool.mark(self.equity())
        change = self.pool.register.unit_value - unit_value
        after = self.pool.register.values()
        for account, held in units.items():
            profit = after[account] - before[account]
            exact = held * change
            assert exact - MONEY < profit < exact + MONEY, (account, profit, exact)

    @invariant()
    def values_and_reserve_add_up_to_the_book(self) -> None:
        # The book's net asset value: its equity at the mark (an average entry price carries
        # more decimals) rounded down to money's 8.
        nav = self.equity().quantize(MONEY, rounding=ROUND_DOWN)
        self.pool.mark(self.equity())
        assert self.pool.register.equity() == nav
        assert self.pool.register.reserve >= 0

    @invariant()
    def each_owner_s_ledger_ends_at_its_value_once_revalued(self) -> None:
        self.pool.mark(self.equity())
        for account in list(self.pool.register.units):
            self._post(self.pool.revalue(self._id(), account, self.now))
            assert self.posted[account] == self.pool.value(account)


PooledBook.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
TestPooledBook = PooledBook.TestCase
