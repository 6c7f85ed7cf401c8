"""One-way isolated positions, changed only by fills."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ZERO, ceil_to_tick, floor_to_tick
from trading_agents.core.errors import InvalidTransition
from trading_agents.model.enums import PositionSide, Side
from trading_agents.model.instruments import Instrument
from trading_agents.model.members import FLAT, LONG, SHORT, SIGNS

# Binance books USDT amounts to 8 decimals; rounding there keeps every sum of them exact.
USDT_QUANTUM: Final = Decimal("0.00000001")


@dataclass(frozen=True, slots=True, init=False)
class PositionFill:
    """A trade that moves a position."""

    side: Side
    quantity: Decimal
    price: Decimal
    ts_ms: int

    def __init__(
        self,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "ts_ms", ts_ms)


@dataclass(frozen=True, slots=True)
class PositionSnapshot:
    """What a venue or the portfolio reports about one position."""

    symbol: str
    quantity: Decimal  # signed: above zero long, below zero short
    entry_price: Decimal
    leverage: int
    margin: Decimal
    liquidation_price: Decimal | None

    @property
    def side(self) -> PositionSide:
        """Return which way the position points."""
        return _side_of(self.quantity)


def _side_of(quantity: Decimal) -> PositionSide:
    if quantity > ZERO:
        return LONG
    if quantity < ZERO:
        return SHORT
    return FLAT


@dataclass(slots=True)
class Position:
    """A one-way position on one instrument with isolated margin."""

    instrument: Instrument
    leverage: int
    quantity: Decimal = ZERO
    entry_price: Decimal = ZERO
    margin: Decimal = ZERO
    opened_ms: int | None = None
    updated_ms: int = 0

    @property
    def symbol(self) -> str:
        """Return the instrument's symbol."""
        return self.instrument.symbol

    @property
    def side(self) -> PositionSide:
        """Return which way the position points."""
        return _side_of(self.quantity)

    @property
    def is_open(self) -> bool:
        """Tell whether any quantity is held."""
        return bool(self.quantity)

    def notional(self, mark: Decimal) -> Decimal:
        """Return the position's value at `mark`."""
        return abs(self.quantity) * mark

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        """Return the profit or loss if closed at `mark`."""
        return self.quantity * (mark - self.entry_price)

    def change_leverage(self, leverage: int) -> None:
        """Set the leverage for the next opening; refused while a position is held."""
        if self.is_open:
            raise InvalidTransition(self.symbol, str(self.side), "leverage change while open")
        if not 1 <= leverage <= self.instrument.max_leverage:
            raise ValueError(
                f"{self.symbol}: leverage {leverage} outside 1..{self.instrument.max_leverage}"
            )
        self.leverage = leverage

    def liquidation_price(self) -> Decimal | None:
        """Return the price at which the margin falls to maintenance, rounded against the holder.

        Binance's isolated one-way formula: LP = (WB + cum - s*Q*EP) / (Q*MMR - s*Q), with the
        isolated margin as the wallet balance WB and the bracket of the entry notional.
        """
        if not self.is_open:
            return None
        size = abs(self.quantity)
        notional = size * self.entry_price
        bracket = self.instrument.bracket_for(notional)
        held = self.margin + bracket.cum
        maintenance = size * bracket.maint_margin_ratio
        # The formula's s = +1 long, -1 short, written out by side: subtracting a negated
        # term is adding it, the same exact operation, without making and multiplying by s.
        long = self.quantity > ZERO
        if long:
            price = (held - notional) / (maintenance - size)
        else:
            price = (held + notional) / (maintenance + size)
        if price <= ZERO:
            return None
        tick = self.instrument.tick_size
        # Rounded toward the entry so that a holder is never told a safer price than the truth.
        return ceil_to_tick(price, tick) if long else floor_to_tick(price, tick)

    def apply(self, fill: PositionFill) -> Decimal:
        """Apply a trade and return the profit or loss it realized."""
        if fill.quantity <= ZERO:
            raise InvalidTransition(self.symbol, str(self.side), "fill of no quantity")
        signed = fill.quantity * SIGNS[fill.side]
        self.updated_ms = fill.ts_ms
        if not self.quantity or (self.quantity > ZERO) == (signed > ZERO):
            self._grow(signed, fill.price, fill.ts_ms)
            return ZERO
        closing = min(abs(signed), abs(self.quantity))
        realized = (
            closing * (fill.price - self.entry_price) * (1 if self.quantity > ZERO else -1)
        ).quantize(USDT_QUANTUM)
        remaining = abs(self.quantity) - closing
        if not remaining:
            self.quantity = ZERO
            self.entry_price = ZERO
            self.margin = ZERO
            self.opened_ms = None
        else:
            self.margin = (self.margin * remaining / abs(self.quantity)).quantize(USDT_QUANTUM)
            self.quantity = remaining if self.quantity > ZERO else -remaining
        flip = abs(signed) - closing
        if flip > ZERO:
            self._grow(flip * SIGNS[fill.side], fill.price, fill.ts_ms)
        return realized

    def _grow(self, signed: Decimal, price: Decimal, ts_ms: int) -> None:
        total = self.quantity + signed
        self.entry_price = (abs(self.quantity) * self.entry_price + abs(signed) * price) / abs(
            total
        )
        self.margin += (abs(signed) * price / self.leverage).quantize(USDT_QUANTUM)
        if not self.quantity:
            self.opened_ms = ts_ms
        self.quantity = total

    def snapshot(self) -> PositionSnapshot:
        """Return an immutable copy for reports."""
        return PositionSnapshot(
            symbol=self.symbol,
            quantity=self.quantity,
            entry_price=self.entry_price,
            leverage=self.leverage,
            margin=self.margin,
            liquidation_price=self.liquidation_price(),
        )
