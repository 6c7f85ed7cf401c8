"""Enumerations shared by orders, positions and reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Side(StrEnum):
    """The side of an order or a fill."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """Return +1 for a buy and -1 for a sell."""
        return SIGNS[self]

    @property
    def opposite(self) -> Side:
        """Return the other side."""
        return OPPOSITES[self]


# Looked up in tables: on the hot path `Side.BUY` costs more than the test it serves.
SIGNS: Final = {Side.BUY: 1, Side.SELL: -1}
OPPOSITES: Final = {Side.BUY: Side.SELL, Side.SELL: Side.BUY}


class PositionSide(StrEnum):
    """Which way a one-way position points."""

    FLAT = "flat"
    LONG = "long"
    SHORT = "short"


class OrderType(StrEnum):
    """The order types the venues accept."""

    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    TAKE_PROFIT_MARKET = "take_profit_market"

    @property
    def is_conditional(self) -> bool:
        """Tell whether the order waits for a trigger price."""
        return self in CONDITIONAL_TYPES


CONDITIONAL_TYPES: Final = frozenset({OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET})


class ExitReason(StrEnum):
    """What brought a position back to flat."""

    SIGNAL = "signal"  # the agent's own close or reversal, on a signal or its analysis
    RISK = "risk"  # forced by the risk rules: a position left without its stop by the venue
    STOP_COMMAND = "stop_command"  # the platform stopped the agent, closing its positions
    MANUAL = "manual"  # a person asked, through the API, to close the position
    # A close at market of before these were told apart (a stored trip, or an order the books
    # took back from the venue without its purpose).
    DECISION = "decision"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    LIQUIDATION = "liquidation"
    # An order the account did not place (a close made at the venue by hand, a reconciliation),
    # or a trip booked before exit reasons were recorded.
    OTHER = "other"

    @classmethod
    def of_order(cls, order_type: OrderType | None) -> ExitReason:
        """Return the reason a fill of an order of `order_type` closes a trip for."""
        return _EXIT_BY_TYPE.get(order_type, cls.OTHER) if order_type else cls.OTHER


_EXIT_BY_TYPE: Final = {
    OrderType.MARKET: ExitReason.DECISION,
    OrderType.LIMIT: ExitReason.DECISION,
    OrderType.STOP_MARKET: ExitReason.STOP_LOSS,
    OrderType.TAKE_PROFIT_MARKET: ExitReason.TAKE_PROFIT,
}


class TimeInForce(StrEnum):
    """How long a limit order may wait: until cancelled, or not at all."""

    GTC = "gtc"  # rests on the book until it fills or is cancelled
    IOC = "ioc"  # trades what it can at once; the rest expires


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TRIGGERED = "triggered"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        """Tell whether the order can still fill."""
        return self in OPEN_STATUSES


OPEN_STATUSES: Final = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PARTIALLY_FILLED,
    }
)


class Liquidity(StrEnum):
    """Whether a fill added liquidity to the book or took it."""

    MAKER = "maker"
    TAKER = "taker"
