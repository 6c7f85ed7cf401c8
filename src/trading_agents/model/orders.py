"""Orders: intents to trade, and orders as state machines changed only by events.

The dataclasses built for every order write their `__init__` out, in field order, rather than
let `dataclasses` generate it: mypyc compiles a method written in the class body (a frozen
one's `object.__setattr__` becomes a direct store), where the generated one stays interpreted
and costs ten times as much. Their decorators say `init=False`: `dataclasses` would otherwise
still build an `__init__` from source text, only to leave it unused, about half of what the
decorator costs when the module is imported. tests/unit/model/test_written_initialisers.py
holds each to its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import InvalidTransition
from trading_agents.model.enums import (
    ExitReason,
    Liquidity,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from trading_agents.model.members import CONDITIONAL_TYPES, GTC, LIMIT


@dataclass(frozen=True, slots=True, init=False)
class OrderIntent:
    """A sized order, ready for a venue, with the deterministic id it will be known by."""

    client_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None  # limit price
    trigger_price: Decimal | None = None  # stop-market and take-profit-market
    reduce_only: bool = False
    time_in_force: TimeInForce = TimeInForce.GTC  # of a limit order
    # Of a close: why, for the round trip it ends. Not part of what the order is: an order
    # read back from a venue, which does not know it, is the same order.
    exit_reason: ExitReason | None = field(default=None, compare=False)

    # Written out (see the module's docstring): the fields in their order, then the checks.
    def __init__(
        self,
        client_order_id: str,
        symbol: str,
        side: Side,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        reduce_only: bool = False,
        time_in_force: TimeInForce = TimeInForce.GTC,
        exit_reason: ExitReason | None = None,
    ) -> None:
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "order_type", order_type)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "trigger_price", trigger_price)
        object.__setattr__(self, "reduce_only", reduce_only)
        object.__setattr__(self, "time_in_force", time_in_force)
        object.__setattr__(self, "exit_reason", exit_reason)
        if quantity <= ZERO:
            raise ValueError(f"{client_order_id}: quantity must be above zero")
        limit = order_type is LIMIT
        if limit and price is None:
            raise ValueError(f"{client_order_id}: a limit order needs a price")
        if time_in_force is not GTC and not limit:
            raise ValueError(f"{client_order_id}: only a limit order has a time in force")
        if order_type in CONDITIONAL_TYPES and trigger_price is None:
            raise ValueError(f"{client_order_id}: a {order_type} needs a trigger price")

    def resized(self, quantity: Decimal) -> OrderIntent:
        """Return the same order for another quantity."""
        return OrderIntent(
            self.client_order_id,
            self.symbol,
            self.side,
            self.order_type,
            quantity,
            self.price,
            self.trigger_price,
            self.reduce_only,
            self.time_in_force,
            self.exit_reason,
        )


@dataclass(frozen=True, slots=True, init=False)
class OrderAccepted:
    """The venue took the order."""

    ts_ms: int

    def __init__(self, ts_ms: int) -> None:
        object.__setattr__(self, "ts_ms", ts_ms)


@dataclass(frozen=True, slots=True, init=False)
class OrderRejected:
    """The venue refused the order, with its code."""

    ts_ms: int
    code: int
    reason: str

    def __init__(self, ts_ms: int, code: int, reason: str) -> None:
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True, init=False)
class OrderTriggered:
    """A conditional order's trigger price was reached; it now executes at market."""

    ts_ms: int
    price: Decimal

    def __init__(self, ts_ms: int, price: Decimal) -> None:
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "price", price)


@dataclass(frozen=True, slots=True, init=False)
class OrderTrade:
    """A trade on the order: what both fill events carry."""

    ts_ms: int
    trade_id: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    liquidity: Liquidity

    def __init__(
        self,
        ts_ms: int,
        trade_id: str,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        liquidity: Liquidity,
    ) -> None:
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "trade_id", trade_id)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "fee", fee)
        object.__setattr__(self, "liquidity", liquidity)


# init=False: each keeps the __init__ written above rather than a generated one.
@dataclass(frozen=True, slots=True, init=False)
class OrderPartiallyFilled(OrderTrade):
    """Part of the order traded."""


@dataclass(frozen=True, slots=True, init=False)
class OrderFilled(OrderTrade):
    """The rest of the order traded."""


def trade_event(
    done: bool,
    ts_ms: int,
    trade_id: str,
    quantity: Decimal,
    price: Decimal,
    fee: Decimal,
    liquidity: Liquidity,
) -> OrderPartiallyFilled | OrderFilled:
    """Return the event of a trade on an order: filled when it is `done`, else partly filled."""
    # Each class named: compiled, it is then built directly, not through a generic call.
    if done:
        return OrderFilled(ts_ms, trade_id, quantity, price, fee, liquidity)
    return OrderPartiallyFilled(ts_ms, trade_id, quantity, price, fee, liquidity)


@dataclass(frozen=True, slots=True, init=False)
class OrderCanceled:
    """The order was cancelled before it finished."""

    ts_ms: int
    reason: str = ""

    def __init__(self, ts_ms: int, reason: str = "") -> None:
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True, init=False)
class OrderExpired:
    """The venue retired the order on its own (a reduce-only exit with nothing left to reduce)."""

    ts_ms: int
    reason: str = ""

    def __init__(self, ts_ms: int, reason: str = "") -> None:
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "reason", reason)


OrderEvent = (
    OrderAccepted
    | OrderRejected
    | OrderTriggered
    | OrderPartiallyFilled
    | OrderFilled
    | OrderCanceled
    | OrderExpired
)
FillEvent = OrderPartiallyFilled | OrderFilled

S = OrderStatus
_TRANSITIONS: Final[dict[tuple[OrderStatus, type[OrderEvent]], OrderStatus]] = {
    (S.SUBMITTED, OrderAccepted): S.ACCEPTED,
    (S.SUBMITTED, OrderRejected): S.REJECTED,
    (S.ACCEPTED, OrderTriggered): S.TRIGGERED,
    (S.ACCEPTED, OrderPartiallyFilled): S.PARTIALLY_FILLED,
    (S.ACCEPTED, OrderFilled): S.FILLED,
    (S.ACCEPTED, OrderCanceled): S.CANCELED,
    (S.ACCEPTED, OrderExpired): S.EXPIRED,
    (S.ACCEPTED, OrderRejected): S.REJECTED,
    (S.TRIGGERED, OrderPartiallyFilled): S.PARTIALLY_FILLED,
    (S.TRIGGERED, OrderFilled): S.FILLED,
    (S.TRIGGERED, OrderCanceled): S.CANCELED,
    (S.TRIGGERED, OrderExpired): S.EXPIRED,
    (S.TRIGGERED, OrderRejected): S.REJECTED,
    (S.PARTIALLY_FILLED, OrderPartiallyFilled): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, OrderFilled): S.FILLED,
    (S.PARTIALLY_FILLED, OrderCanceled): S.CANCELED,
    (S.PARTIALLY_FILLED, OrderExpired): S.EXPIRED,
}
# A conditional order trades only after its trigger; any other order has no trigger. A venue
# may still refuse a conditional order it took, when its trigger comes and the order it
# becomes cannot be placed (Binance's algo service: a reduce-only exit with nothing left).
_CONDITIONAL_FORBIDDEN: Final = frozenset(
    {(S.ACCEPTED, OrderPartiallyFilled), (S.ACCEPTED, OrderFilled)}
)
_PLAIN_FORBIDDEN: Final = frozenset({(S.ACCEPTED, OrderTriggered), (S.ACCEPTED, OrderRejected)})


def allowed_transitions(
    order_type: OrderType,
) -> dict[tuple[OrderStatus, type[OrderEvent]], OrderStatus]:
    """Return every legal (status, event) -> status move for an order of this type."""
    forbidden = _CONDITIONAL_FORBIDDEN if order_type in CONDITIONAL_TYPES else _PLAIN_FORBIDDEN
    return {key: target for key, target in _TRANSITIONS.items() if key not in forbidden}


def _by_status(
    moves: dict[tuple[OrderStatus, type[OrderEvent]], OrderStatus],
) -> dict[OrderStatus, dict[type[OrderEvent], OrderStatus]]:
    nested: dict[OrderStatus, dict[type[OrderEvent], OrderStatus]] = {}
    for (status, event), target in moves.items():
        nested.setdefault(status, {})[event] = target
    return nested


# The moves by order type, then status, then event: `apply` looks one up twice a fill, and a
# (status, event) key is a tuple built and hashed at each call.
_TABLES: Final = {
    order_type: _by_status(allowed_transitions(order_type)) for order_type in OrderType
}
_NO_MOVES: Final[dict[type[OrderEvent], OrderStatus]] = {}


@dataclass(slots=True, eq=False, init=False)
class Order:
    """An order at a venue; its status moves only through `apply`."""

    intent: OrderIntent
    created_ms: int
    status: OrderStatus = OrderStatus.SUBMITTED
    filled_quantity: Decimal = ZERO
    average_price: Decimal = ZERO
    fees: Decimal = ZERO
    events: list[OrderEvent] = field(default_factory=list)

    def __init__(
        self,
        intent: OrderIntent,
        created_ms: int,
        status: OrderStatus = OrderStatus.SUBMITTED,
        filled_quantity: Decimal = ZERO,
        average_price: Decimal = ZERO,
        fees: Decimal = ZERO,
        events: list[OrderEvent] | None = None,
    ) -> None:
        self.intent = intent
        self.created_ms = created_ms
        self.status = status
        self.filled_quantity = filled_quantity
        self.average_price = average_price
        self.fees = fees
        self.events = [] if events is None else events

    @property
    def client_order_id(self) -> str:
        """Return the id the order is known by."""
        return self.intent.client_order_id

    @property
    def remaining(self) -> Decimal:
        """Return the quantity still to trade."""
        return self.intent.quantity - self.filled_quantity

    def apply(self, event: OrderEvent) -> None:
        """Move to the next status, or raise InvalidTransition if the event is not allowed now."""
        target = _TABLES[self.intent.order_type].get(self.status, _NO_MOVES).get(type(event))
        if target is None:
            raise InvalidTransition(self.client_order_id, self.status, type(event).__name__)
        if isinstance(event, OrderTrade):  # one of the two fill events
            self._record_fill(event)
        self.status = target
        self.events.append(event)

    def _record_fill(self, fill: FillEvent) -> None:
        remaining = self.remaining - fill.quantity
        if fill.quantity <= ZERO:
            raise InvalidTransition(self.client_order_id, self.status, "fill of no quantity")
        if isinstance(fill, OrderFilled) and remaining:
            raise InvalidTransition(
                self.client_order_id, self.status, f"OrderFilled leaving {remaining} unfilled"
            )
        if isinstance(fill, OrderPartiallyFilled) and remaining <= ZERO:
            raise InvalidTransition(
                self.client_order_id, self.status, "OrderPartiallyFilled completing the order"
            )
        total = self.filled_quantity + fill.quantity
        self.average_price = (
            self.average_price * self.filled_quantity + fill.price * fill.quantity
        ) / total
        self.filled_quantity = total
        self.fees += fill.fee
