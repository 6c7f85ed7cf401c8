"""Round-trip trades: a position's life from flat back to flat, and what it earned."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import InvalidTransition
from trading_agents.model.enums import ExitReason, PositionSide, Side
from trading_agents.model.members import BUY, LIQUIDATION, LONG, SHORT
from trading_agents.portfolio._exact import exact_add, exact_product, exact_sum


@dataclass(frozen=True, slots=True, init=False)
class RoundTrip:
    """A closed trade: a position opened from flat and returned to flat."""

    trade_id: str
    symbol: str
    side: PositionSide
    opened_ms: int
    closed_ms: int
    quantity: Decimal  # the largest size held
    entry_price: Decimal  # quantity-weighted average of the entry fills
    exit_price: Decimal  # quantity-weighted average of the exit fills
    realized_pnl: Decimal  # before fees and funding
    fees: Decimal  # paid; a liquidation's clearance fee included
    funding: Decimal  # above zero received, below zero paid
    net_pnl: Decimal  # realized_pnl - fees + funding, exactly
    liquidated: bool
    fills: int
    exit_reason: ExitReason = ExitReason.OTHER  # what the fill that brought it to flat was

    # Written out rather than generated, so that mypyc compiles it (see model/orders.py).
    def __init__(
        self,
        trade_id: str,
        symbol: str,
        side: PositionSide,
        opened_ms: int,
        closed_ms: int,
        quantity: Decimal,
        entry_price: Decimal,
        exit_price: Decimal,
        realized_pnl: Decimal,
        fees: Decimal,
        funding: Decimal,
        net_pnl: Decimal,
        liquidated: bool,
        fills: int,
        exit_reason: ExitReason = ExitReason.OTHER,
    ) -> None:
        object.__setattr__(self, "trade_id", trade_id)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "opened_ms", opened_ms)
        object.__setattr__(self, "closed_ms", closed_ms)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "entry_price", entry_price)
        object.__setattr__(self, "exit_price", exit_price)
        object.__setattr__(self, "realized_pnl", realized_pnl)
        object.__setattr__(self, "fees", fees)
        object.__setattr__(self, "funding", funding)
        object.__setattr__(self, "net_pnl", net_pnl)
        object.__setattr__(self, "liquidated", liquidated)
        object.__setattr__(self, "fills", fills)
        object.__setattr__(self, "exit_reason", exit_reason)

    @property
    def is_win(self) -> bool:
        """Tell whether the trip earned money after fees and funding."""
        return self.net_pnl > ZERO

    @property
    def is_loss(self) -> bool:
        """Tell whether the trip lost money after fees and funding."""
        return self.net_pnl < ZERO


@dataclass(slots=True, init=False)
class OpenTrip:
    """A trip still open: what its fills added up to so far."""

    trade_id: str
    symbol: str
    side: PositionSide
    opened_ms: int
    size: Decimal = ZERO
    max_size: Decimal = ZERO
    entry_quantity: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_quantity: Decimal = ZERO
    exit_value: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    fills: int = 0
    liquidated: bool = False

    def __init__(
        self,
        trade_id: str,
        symbol: str,
        side: PositionSide,
        opened_ms: int,
        size: Decimal = ZERO,
        max_size: Decimal = ZERO,
        entry_quantity: Decimal = ZERO,
        entry_value: Decimal = ZERO,
        exit_quantity: Decimal = ZERO,
        exit_value: Decimal = ZERO,
        realized_pnl: Decimal = ZERO,
        fees: Decimal = ZERO,
        funding: Decimal = ZERO,
        fills: int = 0,
        liquidated: bool = False,
    ) -> None:
        self.trade_id = trade_id
        self.symbol = symbol
        self.side = side
        self.opened_ms = opened_ms
        self.size = size
        self.max_size = max_size
        self.entry_quantity = entry_quantity
        self.entry_value = entry_value
        self.exit_quantity = exit_quantity
        self.exit_value = exit_value
        self.realized_pnl = realized_pnl
        self.fees = fees
        self.funding = funding
        self.fills = fills
        self.liquidated = liquidated

    def enter(self, quantity: Decimal, price: Decimal, fee: Decimal) -> None:
        self.size = exact_add(self.size, quantity)
        self.max_size = max(self.max_size, self.size)
        self.entry_quantity = exact_add(self.entry_quantity, quantity)
        self.entry_value = exact_add(self.entry_value, exact_product(quantity, price))
        self.fees = exact_add(self.fees, fee)
        self.fills += 1

    def exit(self, quantity: Decimal, price: Decimal, fee: Decimal, realized_pnl: Decimal) -> None:
        self.size = exact_add(self.size, quantity.copy_negate())
        self.exit_quantity = exact_add(self.exit_quantity, quantity)
        self.exit_value = exact_add(self.exit_value, exact_product(quantity, price))
        self.realized_pnl = exact_add(self.realized_pnl, realized_pnl)
        self.fees = exact_add(self.fees, fee)
        self.fills += 1

    def close(self, closed_ms: int, reason: ExitReason) -> RoundTrip:
        return RoundTrip(
            trade_id=self.trade_id,
            symbol=self.symbol,
            side=self.side,
            opened_ms=self.opened_ms,
            closed_ms=closed_ms,
            quantity=self.max_size,
            entry_price=self.entry_value / self.entry_quantity,
            exit_price=self.exit_value / self.exit_quantity,
            realized_pnl=self.realized_pnl,
            fees=self.fees,
            funding=self.funding,
            net_pnl=exact_sum((self.realized_pnl, self.fees.copy_negate(), self.funding)),
            liquidated=self.liquidated,
            fills=self.fills,
            exit_reason=LIQUIDATION if self.liquidated else reason,
        )


def _side_opened_by(side: Side) -> PositionSide:
    return LONG if side is BUY else SHORT


class RoundTripTracker:
    """Follow each symbol's one-way position from flat to flat and emit the trip it made."""

    def __init__(self) -> None:
        self._open: dict[str, OpenTrip] = {}
        self._opened: dict[str, int] = {}

    def on_fill(
        self,
        symbol: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        realized_pnl: Decimal,
        ts_ms: int,
        *,
        is_liquidation: bool = False,
        exit_reason: ExitReason = ExitReason.OTHER,
    ) -> RoundTrip | None:
        """Book a fill; return the round trip it closed, if it brought the position to flat."""
        if quantity <= ZERO:
            raise ValueError(f"{symbol}: a fill must have a quantity above zero, not {quantity}")
        trip = self._open.get(symbol)
        if trip is None or trip.side is _side_opened_by(side):
            if is_liquidation:
                state = "flat" if trip is None else str(trip.side)
                raise InvalidTransition(symbol, state, f"liquidation {side} that does not reduce")
            if realized_pnl:
                raise ValueError(f"{symbol}: a fill that grows a position realized {realized_pnl}")
            if trip is None:
                trip = self._start(symbol, side, ts_ms)
            trip.enter(quantity, price, fee)
            return None
        closing = min(quantity, trip.size)
        opening = exact_add(quantity, closing.copy_negate())
        if is_liquidation and opening > ZERO:
            raise InvalidTransition(symbol, str(trip.side), f"liquidation of {quantity} > held")
        opening_fee = fee * opening / quantity
        # Computed as the difference so that both parts add up to the fee exactly.
        closing_fee = exact_add(fee, opening_fee.copy_negate())
        trip.liquidated = trip.liquidated or is_liquidation
        trip.exit(closing, price, closing_fee, realized_pnl)
        if trip.size > ZERO:
            return None
        del self._open[symbol]
        if opening > ZERO:
            self._start(symbol, side, ts_ms).enter(opening, price, opening_fee)
        return trip.close(ts_ms, exit_reason)

    def on_funding(self, symbol: str, amount: Decimal) -> None:
        """Attribute a funding payment (received above zero) to the trip open on `symbol`."""
        trip = self._open.get(symbol)
        if trip is None:
            if amount:
                raise InvalidTransition(symbol, "flat", f"funding of {amount}")
            return
        trip.funding = exact_add(trip.funding, amount)

    def snapshot(self) -> tuple[tuple[OpenTrip, ...], dict[str, int]]:
        """Return the trips still open and how many trips each symbol has opened."""
        return tuple(self._open.values()), dict(self._opened)

    def restore(self, open_trips: tuple[OpenTrip, ...], opened: dict[str, int]) -> None:
        """Take back what `snapshot` returned before a restart."""
        self._open = {trip.symbol: trip for trip in open_trips}
        self._opened = dict(opened)

    def open_since(self) -> tuple[int, ...]:
        """Return when each trip still open was opened."""
        return tuple(trip.opened_ms for trip in self._open.values())

    def _start(self, symbol: str, side: Side, ts_ms: int) -> OpenTrip:
        number = self._opened.get(symbol, 0) + 1
        self._opened[symbol] = number
        trip = OpenTrip(f"{symbol}-{ts_ms}-{number}", symbol, _side_opened_by(side), ts_ms)
        self._open[symbol] = trip
        return trip
