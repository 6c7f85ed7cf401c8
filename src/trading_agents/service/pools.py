"""A pooled book's owners: the investment accounts holding units of one agent type's book.

`Pool` keeps the unit register (portfolio/units.py) and, per owner, what its platform
ledger shows and its withdrawals waiting for free cash. Every change is a `PoolEntry` made
here and published on the book's stream; a restart replays the same entries (`replay`), so
the live path and the restored one are one mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from trading_agents.core.decimals import ZERO
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.events.types import PoolEntry, PoolEntryKind
from trading_agents.portfolio.units import MONEY, UnitError, UnitRegister

SHARE = Decimal("0.00000001")
STOP = "stop"  # how a stop's withdrawal, or its queued request, is referenced


@dataclass(frozen=True, slots=True)
class Queued:
    """A withdrawal waiting for the book's free cash: of `amount`, or of everything (a stop)."""

    request_id: str
    amount: Decimal | None  # None: everything the account holds (a stop)
    asked_ms: int


@dataclass(frozen=True, slots=True)
class TripShare:
    """An owner's part of one of the book's round trips: its share of the units at the close."""

    trade_id: str
    share: Decimal


@dataclass
class Owner:
    """One investment account's stake in the book."""

    account_id: str
    first_ms: int
    net_deposits: Decimal = ZERO  # deposits less withdrawals paid
    posted: Decimal = ZERO  # the balance its platform ledger shows
    queued: list[Queued] = field(default_factory=list)
    trips: list[TripShare] = field(default_factory=list)
    stopped: bool = False  # it asked to leave, and was paid everything
    # Its entries as its ledger shows them: time, balance after, money in or out, entry id.
    history: list[tuple[int, Decimal, Decimal, str]] = field(default_factory=list)

    @property
    def stopping(self) -> bool:
        """Tell whether a stop waits for the book's free cash to pay everything out."""
        return any(asked.amount is None for asked in self.queued)

    @property
    def first_deposit(self) -> Decimal:
        """Return the money it first bought units with."""
        return self.history[0][2] if self.history else ZERO


class Pool:
    """The unit register of one agent type's pooled book, and its owners."""

    def __init__(self, agent: str) -> None:
        self.agent = agent
        self.register = UnitRegister()
        self.owners: dict[str, Owner] = {}
        self.revalued: set[str] = set()  # the round trips every owner's value was posted at
        # At an exchange: money owners bought or redeemed units for whose transfer has not
        # come yet; the book's net asset value counts it. `unclaimed_*`: transfers that came
        # before any account's units awaited them: in the books, in nobody's value until a
        # deposit (or withdrawal) claims them. `matched`: the transfers settled.
        self.awaiting_in = ZERO
        self.awaiting_out = ZERO
        self.unclaimed_in = ZERO
        self.unclaimed_out = ZERO
        self.matched: set[str] = set()

    @property
    def owed(self) -> Decimal:
        """Return what the book's net asset value adds to its equity for transfers to come."""
        return self.awaiting_in - self.awaiting_out - self.unclaimed_in + self.unclaimed_out

    def owner(self, account_id: str) -> Owner | None:
        """Return an account's stake, if it ever had one."""
        return self.owners.get(account_id)

    def value(self, account_id: str) -> Decimal:
        """Return an account's value at the last mark: its units at the unit value."""
        return self.register.value(account_id)

    def share(self, account_id: str) -> Decimal:
        """Return an account's part of the book's units, to 8 decimals."""
        total = self.register.total_units
        if total == ZERO:
            return ZERO
        held = self.register.units.get(account_id, ZERO)
        return (held / total).quantize(SHARE, rounding=ROUND_DOWN)

    def mark(self, equity: Decimal) -> None:
        """Set the unit value from the book's equity now (its net asset value, never below 0)."""
        self.register.mark(max(equity, ZERO).quantize(MONEY, rounding=ROUND_DOWN))

    # -- entries, made live ----------------------------------------------------------------

    def subscribe(self, entry_id: str, account_id: str, amount: Decimal, ts_ms: int) -> PoolEntry:
        """Issue units for money coming in at the last mark's unit value; return its entry."""
        owner = self.owners.get(account_id)
        if owner is None:
            owner = self.owners[account_id] = Owner(account_id, ts_ms)
        owner.stopped = False  # a stopped account that starts again goes on with its history
        unit_value = self.register.unit_value
        try:
            issued = self.register.issue(account_id, amount)
        except UnitError as error:
            raise ValueError(str(error)) from None
        owner.net_deposits += amount
        owner.posted += amount
        owner.history.append((ts_ms, owner.posted, amount, entry_id))
        return self._entry(entry_id, owner, "deposit", amount, issued, unit_value)

    def redeem(
        self, entry_id: str, account_id: str, amount: Decimal | None, ts_ms: int, reference: str
    ) -> PoolEntry:
        """Redeem units for money going out (None: everything); return its entry."""
        owner = self.owners[account_id]
        unit_value = self.register.unit_value
        if amount is None:
            amount, redeemed = self.register.redeem_all(account_id)
            owner.stopped = True
        else:
            try:
                redeemed = self.register.redeem(account_id, amount)
            except UnitError as error:
                raise ValueError(str(error)) from None
        owner.net_deposits -= amount
        owner.posted -= amount
        owner.history.append((ts_ms, owner.posted, -amount, entry_id))
        owner.queued = [q for q in owner.queued if q.request_id != reference]
        return self._entry(entry_id, owner, "withdrawal", amount, -redeemed, unit_value, reference)

    def revalue(self, entry_id: str, account_id: str, ts_ms: int, trade_id: str = "") -> PoolEntry:
        """Post the change of an account's value since its last entry (after a round trip)."""
        owner = self.owners[account_id]
        change = self.value(account_id) - owner.posted
        owner.posted += change
        owner.history.append((ts_ms, owner.posted, ZERO, entry_id))
        if trade_id:
            owner.trips.append(TripShare(trade_id, self.share(account_id)))
        kind: PoolEntryKind = "profit" if change >= ZERO else "loss"
        return self._entry(
            entry_id, owner, kind, abs(change), ZERO, self.register.unit_value, trade_id
        )

    def queue(
        self, entry_id: str, account_id: str, amount: Decimal | None, ts_ms: int
    ) -> PoolEntry:
        """Note a withdrawal (None: everything) that waits for the book's free cash."""
        owner = self.owners[account_id]
        owner.queued.append(Queued(entry_id, amount, ts_ms))
        kind: PoolEntryKind = "queued_all" if amount is None else "queued"
        unit_value = self.register.unit_value
        return self._entry(entry_id, owner, kind, amount or ZERO, ZERO, unit_value, entry_id)

    def unqueue(self, entry_id: str, account_id: str, request_id: str) -> PoolEntry:
        """End a waiting withdrawal with nothing left to pay (the account is worth nothing)."""
        owner = self.owners[account_id]
        owner.queued = [q for q in owner.queued if q.request_id != request_id]
        unit_value = self.register.unit_value
        return self._entry(entry_id, owner, "unqueued", ZERO, ZERO, unit_value, request_id)

    def await_transfer(self, entry_id: str, account_id: str, amount: Decimal) -> PoolEntry:
        """Note a transfer the platform owes the book (amount above 0) or is owed by it."""
        owner = self.owners[account_id]
        if amount > ZERO:
            claimed = min(amount, self.unclaimed_in)  # the transfer came first
            self.unclaimed_in -= claimed
            self.awaiting_in += amount - claimed
            kind: PoolEntryKind = "awaiting_in"
        else:
            claimed = min(-amount, self.unclaimed_out)
            self.unclaimed_out -= claimed
            self.awaiting_out += -amount - claimed
            kind = "awaiting_out"
        unit_value = self.register.unit_value
        return self._entry(entry_id, owner, kind, abs(amount), ZERO, unit_value)

    def match_transfer(self, entry_id: str, transfer_id: str, amount: Decimal) -> PoolEntry | None:
        """Settle what a transfer at the exchange pays of the awaited money; None if nothing."""
        if transfer_id in self.matched:
            return None
        self.matched.add(transfer_id)
        if amount > ZERO:
            settled = min(amount, self.awaiting_in)
            self.awaiting_in -= settled
            self.unclaimed_in += amount - settled
            kind: PoolEntryKind = "received"
        else:
            settled = min(-amount, self.awaiting_out)
            self.awaiting_out -= settled
            self.unclaimed_out += -amount - settled
            kind = "sent"
        unit_value = self.register.unit_value
        book = POOL_ACCOUNT_ID  # the book's own record: no owner's
        size = abs(amount)  # the whole transfer: a replay settles it the same way
        return PoolEntry(entry_id, book, kind, size, ZERO, unit_value, ZERO, ZERO, transfer_id)

    def _entry(
        self,
        entry_id: str,
        owner: Owner,
        kind: PoolEntryKind,
        amount: Decimal,
        units: Decimal,
        unit_value: Decimal,
        reference: str = "",
    ) -> PoolEntry:
        share = self.share(owner.account_id)
        return PoolEntry(
            entry_id, owner.account_id, kind, amount, units, unit_value, owner.posted, share,
            reference,
        )  # fmt: skip

    # -- entries, replayed at a restart ----------------------------------------------------

    def replay(self, entry: PoolEntry, ts_ms: int) -> None:
        """Apply an entry the journal holds, as it was made; refuse one that does not fit."""
        kind = entry.kind
        if kind == "deposit":
            self.register.set_unit_value(entry.unit_value)  # a deposit needs a priced unit
            made = self.subscribe(entry.entry_id, entry.account_id, entry.amount, ts_ms)
        elif kind == "withdrawal":
            if entry.unit_value > ZERO:  # a stop when the book was worth nothing paid nothing
                self.register.set_unit_value(entry.unit_value)
            amount = None if is_stop(entry.reference) else entry.amount
            made = self.redeem(entry.entry_id, entry.account_id, amount, ts_ms, entry.reference)
        elif kind in ("profit", "loss"):
            owner = self.owners[entry.account_id]
            owner.posted = entry.balance
            owner.history.append((ts_ms, entry.balance, ZERO, entry.entry_id))
            if entry.reference:
                owner.trips.append(TripShare(entry.reference, entry.share))
            return
        elif kind in ("queued", "queued_all"):
            amount = None if kind == "queued_all" else entry.amount
            self.owners[entry.account_id].queued.append(Queued(entry.entry_id, amount, ts_ms))
            return
        elif kind == "unqueued":
            self.unqueue(entry.entry_id, entry.account_id, entry.reference)
            return
        elif kind in ("awaiting_in", "awaiting_out"):
            sign = 1 if kind == "awaiting_in" else -1
            self.await_transfer(entry.entry_id, entry.account_id, sign * entry.amount)
            return
        elif kind in ("received", "sent"):
            sign = 1 if kind == "received" else -1
            self.match_transfer(entry.entry_id, entry.reference, sign * entry.amount)
            return
        else:
            return
        if (made.units, made.balance) != (entry.units, entry.balance):
            raise ValueError(
                f"the pooled book of {self.agent} does not add up at entry {entry.entry_id}:"
                f" {made.units} units and a balance of {made.balance} where the journal holds"
                f" {entry.units} and {entry.balance}"
            )


def is_stop(reference: str) -> bool:
    """Tell whether a withdrawal's reference says it paid out everything (a stop)."""
    return reference.startswith(STOP)
