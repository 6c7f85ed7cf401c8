"""Entry sizing: from the risk at the stop, cut by every cap, rounded down to the step."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ONE, ZERO
from trading_agents.model.instruments import Lot
from trading_agents.risk.limits import RiskLimits
from trading_agents.risk.rules import FLOOR_DIVIDE, InstrumentRules, on_step
from trading_agents.risk.verdicts import DenialCode, Denied

RISK_PER_TRADE: Final = "risk per trade"
REQUESTED_SIZE: Final = "the requested size"
_ORDER_MAX: Final = "the instrument's maximum order size"


@dataclass(frozen=True, slots=True, init=False)
class EntryFacts:
    """The account and price facts an entry is sized from."""

    equity: Decimal
    available: Decimal
    leverage: int
    entry_price: Decimal  # the limit price, or the mark for a market order
    value_price: Decimal  # the higher of entry and mark: notional and risk are valued at it
    # The price the order carries (its limit, or a market entry's IOC cap): the venue holds
    # margin and checks the minimum notional at it.
    order_price: Decimal
    stop_distance: Decimal | None  # |entry - stop|, above zero, or None without a stop
    held_notional: Decimal  # the same-side position already held, at the mark
    exposure: Decimal  # every position's notional, at the marks

    def __init__(
        self,
        equity: Decimal,
        available: Decimal,
        leverage: int,
        entry_price: Decimal,
        value_price: Decimal,
        order_price: Decimal,
        stop_distance: Decimal | None,
        held_notional: Decimal,
        exposure: Decimal,
    ) -> None:
        object.__setattr__(self, "equity", equity)
        object.__setattr__(self, "available", available)
        object.__setattr__(self, "leverage", leverage)
        object.__setattr__(self, "entry_price", entry_price)
        object.__setattr__(self, "value_price", value_price)
        object.__setattr__(self, "order_price", order_price)
        object.__setattr__(self, "stop_distance", stop_distance)
        object.__setattr__(self, "held_notional", held_notional)
        object.__setattr__(self, "exposure", exposure)


@dataclass(frozen=True, slots=True, init=False)
class Sized:
    """The quantity an entry may have and the cuts that led to it."""

    quantity: Decimal
    adjustments: tuple[str, ...]

    def __init__(
        self,
        quantity: Decimal,
        adjustments: tuple[str, ...],
    ) -> None:
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "adjustments", adjustments)


def size_entry(
    requested: Decimal | None,
    facts: EntryFacts,
    rules: InstrumentRules,
    lot: Lot,
    limits: RiskLimits,
    fee_rate: Decimal,
) -> Sized | Denied:
    """Size an entry, or deny it when no quantity at or above the minimum fits every limit."""
    equity, value, leverage = facts.equity, facts.value_price, facts.leverage
    held, distance = facts.held_notional, facts.stop_distance
    step, unit = lot.step, rules.unit
    risk_budget = equity * limits.risk_per_trade
    cuts: list[str] = []
    # On the step from the start, so that every product with a price below is exact.
    if requested is not None:
        if requested > lot.max_qty:
            # Cut first: it also keeps an absurd size within the precision of the arithmetic.
            binding = _ORDER_MAX
            quantity = _cut(cuts, requested, lot.max_qty, binding, lot, unit)
        else:
            quantity, binding = on_step(requested, step), REQUESTED_SIZE
        if distance is not None and quantity * distance > risk_budget:
            binding = RISK_PER_TRADE
            quantity = _cut(cuts, quantity, FLOOR_DIVIDE(risk_budget, distance), binding, lot, unit)
    elif distance is not None:
        quantity, binding = on_step(FLOOR_DIVIDE(risk_budget, distance), step), RISK_PER_TRADE
    else:
        return Denied(
            DenialCode.INVALID_REQUEST, "no quantity was given and no stop loss to size it from"
        )
    # Each cap is tested with a product and divided out only when it binds: most do not.
    room = equity * limits.max_position_notional - held
    if quantity * value > room:
        binding = "max position notional"
        quantity = _cut(cuts, quantity, FLOOR_DIVIDE(room, value), binding, lot, unit)
    room = equity * limits.max_total_exposure - facts.exposure
    if quantity * value > room:
        binding = "max total exposure"
        quantity = _cut(cuts, quantity, FLOOR_DIVIDE(room, value), binding, lot, unit)
    margin_value = value if value >= facts.order_price else facts.order_price
    cost = margin_value * (ONE + leverage * fee_rate)
    room = facts.available * leverage
    if quantity * cost > room:
        binding = "available margin"
        quantity = _cut(cuts, quantity, FLOOR_DIVIDE(room, cost), binding, lot, unit)
    # The venue tests the bracket at the order's price, as it holds the margin.
    room = rules.notional_caps[leverage] - held
    if quantity * margin_value >= room:
        binding = "the instrument's leverage bracket"
        quantity = _cut(
            cuts, quantity, _strictly_below(room, margin_value, step), binding, lot, unit
        )
    if quantity > lot.max_qty:
        binding = _ORDER_MAX
        quantity = _cut(cuts, quantity, lot.max_qty, binding, lot, unit)
    if binding == REQUESTED_SIZE and quantity != requested:
        cuts.append(f"size rounded down from {requested} to {quantity} {unit}, the {step} step")
    entry, order_price = facts.entry_price, facts.order_price
    lowest = entry if entry <= order_price else order_price  # a sell's cap is below its entry
    denial = _below_minimum(quantity, lowest, binding, rules, lot)
    return Sized(quantity, tuple(cuts)) if denial is None else denial


def _cut(
    cuts: list[str], quantity: Decimal, cap: Decimal, name: str, lot: Lot, unit: str
) -> Decimal:
    """Return the cap on the step, which the caller has found below `quantity`, saying so."""
    after = on_step(cap, lot.step)
    cuts.append(f"size cut from {quantity} to {after} {unit} by {name}")
    return after


def _below_minimum(
    quantity: Decimal, entry: Decimal, binding: str, rules: InstrumentRules, lot: Lot
) -> Denied | None:
    unit = rules.unit
    if quantity < lot.min_qty:
        return Denied(
            DenialCode.SIZE_BELOW_MINIMUM,
            f"size {quantity} {unit} is below the {rules.symbol} minimum of {lot.min_qty} {unit};"
            f" bound by {binding}",
        )
    notional = quantity * entry
    if notional < rules.min_notional:
        return Denied(
            DenialCode.SIZE_BELOW_MINIMUM,
            f"notional {notional:.2f} USDT of {quantity} {unit} is below the {rules.symbol}"
            f" minimum of {rules.min_notional} USDT; size bound by {binding}",
        )
    return None


def _strictly_below(room: Decimal, value: Decimal, step: Decimal) -> Decimal:
    """Return the largest size on the step whose notional stays strictly below `room`."""
    # A bracket holds notionals strictly below its cap, so a size landing on the cap is too big.
    size = on_step(FLOOR_DIVIDE(room, value), step)
    if size > ZERO and size * value >= room:
        size -= step
    return size
