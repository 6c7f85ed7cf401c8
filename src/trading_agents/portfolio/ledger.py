"""The ledger: wallet balance, isolated margins, fees, funding and PnL of one account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import FatalError
from trading_agents.model.enums import Side
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.members import BUY, SELL
from trading_agents.model.positions import USDT_QUANTUM, Position, PositionFill


class InsufficientFunds(FatalError):
    """A withdrawal or margin call asks for more than is available."""


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """The ledger's running totals, for reports and the accounting identity."""

    wallet_balance: Decimal
    deposits: Decimal
    withdrawals: Decimal
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    used_margin: Decimal


class LedgerSnapshot(NamedTuple):
    """A ledger's figures and positions, stored so that a restart takes them back."""

    wallet_balance: Decimal
    deposits: Decimal
    withdrawals: Decimal
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    positions: tuple[Position, ...]


class Ledger:
    """Keep one account's money exact: every change goes through a method that books it."""

    def __init__(self, instruments: InstrumentRegistry, default_leverage: int = 1) -> None:
        self._instruments = instruments
        self._default_leverage = default_leverage
        self.wallet_balance = ZERO
        self.deposits = ZERO
        self.withdrawals = ZERO
        self.realized_pnl = ZERO
        self.fees = ZERO
        self.funding = ZERO
        self.positions: dict[str, Position] = {}

    def position(self, symbol: str) -> Position:
        """Return the position on `symbol`, flat if none was held yet."""
        position = self.positions.get(symbol)
        if position is None:
            instrument = self._instruments.get(symbol)
            leverage = min(self._default_leverage, instrument.max_leverage)
            position = self.positions[symbol] = Position(instrument, leverage)
        return position

    def open_positions(self) -> list[Position]:
        """Return the positions that hold any quantity."""
        return [p for p in self.positions.values() if p.is_open]

    def deposit(self, amount: Decimal) -> None:
        """Book money coming in."""
        if amount <= ZERO:
            raise ValueError(f"a deposit must be above zero, not {amount}")
        self.deposits += amount
        self.wallet_balance += amount

    def withdraw(self, amount: Decimal) -> None:
        """Book money going out; only what no position holds as margin may leave."""
        if amount <= ZERO:
            raise ValueError(f"a withdrawal must be above zero, not {amount}")
        if amount > self.available_balance():
            raise InsufficientFunds(
                f"withdrawal of {amount} USDT exceeds the available {self.available_balance()} USDT"
            )
        self.withdrawals += amount
        self.wallet_balance -= amount

    def book_transfer(self, amount: Decimal) -> None:
        """Book money the exchange already moved in (above zero) or out (below zero)."""
        # No funds check, unlike withdraw: the money has left already, the books only follow.
        if amount > ZERO:
            self.deposits += amount
        elif amount < ZERO:
            self.withdrawals -= amount
        else:
            raise ValueError("a transfer must move some money, not zero")
        self.wallet_balance += amount

    def restate_fee(self, extra: Decimal) -> None:
        """Charge `extra` on top of a fee the books computed: the venue's figure differed."""
        self.fees += extra
        self.wallet_balance -= extra

    def book_trading_result(self, amount: Decimal) -> None:
        """Book PnL the exchange realized on trades the books only adjusted for."""
        self.realized_pnl += amount
        self.wallet_balance += amount

    def apply_fill(
        self, symbol: str, side: Side, quantity: Decimal, price: Decimal, fee: Decimal, ts_ms: int
    ) -> Decimal:
        """Book a trade: move the position, realize PnL, pay the fee; return the realized PnL."""
        realized = self.position(symbol).apply(PositionFill(side, quantity, price, ts_ms))
        self.realized_pnl += realized
        self.fees += fee
        self.wallet_balance += realized - fee
        return realized

    def apply_funding(self, symbol: str, rate: Decimal, mark_price: Decimal) -> Decimal:
        """Book a funding payment on the held position and return it (received above zero)."""
        position = self.position(symbol)
        # A positive rate means longs pay shorts; the amount is booked to USDT's 8 decimals.
        amount = (-position.quantity * mark_price * rate).quantize(USDT_QUANTUM, ROUND_HALF_EVEN)
        self.book_funding(amount)
        return amount

    def book_funding(self, amount: Decimal) -> None:
        """Book a funding payment of a stated amount (received above zero)."""
        self.funding += amount
        self.wallet_balance += amount

    def liquidate(
        self, symbol: str, price: Decimal, ts_ms: int
    ) -> tuple[Side, Decimal, Decimal, Decimal]:
        """Close the position at its liquidation price; the rest of its margin is the fee.

        Return the side, quantity, realized PnL and clearance fee. An isolated position loses
        exactly its margin, however far the price gapped through the liquidation price.
        """
        position = self.position(symbol)
        side = SELL if position.quantity > ZERO else BUY
        quantity = abs(position.quantity)
        margin = position.margin
        realized = position.apply(PositionFill(side, quantity, price, ts_ms))
        # Past the bankruptcy price the insurance fund takes the rest: the loss stops at the margin.
        realized = max(realized, -margin)
        clearance_fee = margin + realized
        self.realized_pnl += realized
        self.fees += clearance_fee
        self.wallet_balance += realized - clearance_fee
        return side, quantity, realized, clearance_fee

    def used_margin(self) -> Decimal:
        """Return the margin held by open positions."""
        margin = ZERO
        for position in self.positions.values():
            margin += position.margin
        return margin

    def available_balance(self) -> Decimal:
        """Return the balance no position holds as margin."""
        return self.wallet_balance - self.used_margin()

    def unrealized_pnl(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Return the open positions' PnL at the given marks."""
        pnl = ZERO
        for position in self.positions.values():
            if position.is_open:
                pnl += position.unrealized_pnl(marks[position.symbol])
        return pnl

    def equity(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Return the wallet balance plus unrealized PnL."""
        return self.wallet_balance + self.unrealized_pnl(marks)

    def snapshot(self) -> LedgerSnapshot:
        """Return the figures and the positions, held or flat with their leverage."""
        return LedgerSnapshot(
            self.wallet_balance,
            self.deposits,
            self.withdrawals,
            self.realized_pnl,
            self.fees,
            self.funding,
            tuple(self.positions.values()),
        )

    def restore(self, snapshot: LedgerSnapshot) -> None:
        """Take back what `snapshot` returned before a restart."""
        self.wallet_balance = snapshot.wallet_balance
        self.deposits = snapshot.deposits
        self.withdrawals = snapshot.withdrawals
        self.realized_pnl = snapshot.realized_pnl
        self.fees = snapshot.fees
        self.funding = snapshot.funding
        self.positions = {position.symbol: position for position in snapshot.positions}

    def totals(self) -> LedgerTotals:
        """Return the running totals."""
        return LedgerTotals(
            wallet_balance=self.wallet_balance,
            deposits=self.deposits,
            withdrawals=self.withdrawals,
            realized_pnl=self.realized_pnl,
            fees=self.fees,
            funding=self.funding,
            used_margin=self.used_margin(),
        )
