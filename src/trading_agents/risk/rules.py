"""An instrument's filters and leverage caps, precomputed once so a check only looks them up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Final

from trading_agents.core.decimals import ZERO
from trading_agents.model.enums import OrderType
from trading_agents.model.instruments import Instrument, Lot
from trading_agents.model.members import LIMIT

# Quotients are rounded toward minus infinity so that a cap is never overstated.
FLOOR: Final = Context(rounding=ROUND_FLOOR)
# Its divisions bound once: compiled code looking the method up at each call paid about as
# much for the lookup as for the division.
FLOOR_DIVIDE: Final = FLOOR.divide
_DIVIDE_INT: Final = FLOOR.divide_int


@dataclass(frozen=True, slots=True)
class InstrumentRules:
    """What the risk engine needs of one instrument, ready for the hot path."""

    symbol: str
    unit: str
    tick: Decimal
    min_price: Decimal
    max_price: Decimal
    min_notional: Decimal
    max_leverage: int
    limit_lot: Lot
    market_lot: Lot
    # A market entry goes out as an IOC limit: the venue holds it to LOT_SIZE, and what it
    # takes at once is held to MARKET_LOT_SIZE as a market order's would be. Both, then.
    taker_lot: Lot
    # Index L: the position notional that leverage L must stay strictly below.
    notional_caps: tuple[Decimal, ...]

    @classmethod
    def of(cls, instrument: Instrument) -> InstrumentRules:
        """Precompute the rules of an instrument."""
        caps = tuple(
            max(
                (b.notional_cap for b in instrument.brackets if b.initial_leverage >= leverage),
                default=Decimal(0),
            )
            for leverage in range(instrument.max_leverage + 1)
        )
        return cls(
            symbol=instrument.symbol,
            unit=instrument.base_asset,
            tick=instrument.tick_size,
            min_price=instrument.min_price,
            max_price=instrument.max_price,
            min_notional=instrument.min_notional,
            max_leverage=instrument.max_leverage,
            limit_lot=instrument.limit_lot,
            market_lot=instrument.market_lot,
            taker_lot=_both(instrument.limit_lot, instrument.market_lot),
            notional_caps=caps,
        )

    def lot(self, order_type: OrderType) -> Lot:
        """Return the quantity filter for an order type: MARKET_LOT_SIZE unless it is a limit."""
        return self.limit_lot if order_type is LIMIT else self.market_lot

    def notional_cap(self, leverage: int) -> Decimal:
        """Return the position notional that `leverage` must stay strictly below."""
        return self.notional_caps[leverage]


def on_step(quantity: Decimal, step: Decimal) -> Decimal:
    """Round a quantity down to the step, written with the step's decimals: 0.500, not 0.5."""
    if quantity <= ZERO:
        return ZERO * step
    # The integer part of the quotient is exact, and an integer times the step keeps its decimals.
    return _DIVIDE_INT(quantity, step) * step


def tick_down(price: Decimal, tick: Decimal) -> Decimal:
    """Round a price above zero down to the tick."""
    return _DIVIDE_INT(price, tick) * tick


def tick_up(price: Decimal, tick: Decimal) -> Decimal:
    """Round a price above zero up to the tick."""
    below = _DIVIDE_INT(price, tick) * tick
    return below if below == price else below + tick


def _both(first: Lot, second: Lot) -> Lot:
    """Return the quantity filter that passes only what passes both (their steps nest)."""
    return Lot(
        max(first.step, second.step),
        max(first.min_qty, second.min_qty),
        min(first.max_qty, second.max_qty),
    )
