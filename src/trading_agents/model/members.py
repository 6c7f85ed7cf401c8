"""The enum members the compiled hot path tests against, bound once as constants.

Compiled code reads a `Final` name of a compiled module as a C static, where `Side.BUY` is a
lookup of the class and then of its member at every use. The enums themselves stay
interpreted (see `trading_agents/_compiled.py`). Signatures keep the enum's spelling
(`time_in_force: TimeInForce = TimeInForce.GTC`): that is what a reader and `help()` see.
"""

from __future__ import annotations

from typing import Final

from trading_agents.model import enums
from trading_agents.model.enums import (
    ExitReason,
    Liquidity,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)

BUY: Final = Side.BUY
SELL: Final = Side.SELL

FLAT: Final = PositionSide.FLAT
LONG: Final = PositionSide.LONG
SHORT: Final = PositionSide.SHORT

LIMIT: Final = OrderType.LIMIT
MARKET: Final = OrderType.MARKET
STOP_MARKET: Final = OrderType.STOP_MARKET
TAKE_PROFIT_MARKET: Final = OrderType.TAKE_PROFIT_MARKET

GTC: Final = TimeInForce.GTC
IOC: Final = TimeInForce.IOC

SUBMITTED: Final = OrderStatus.SUBMITTED
ACCEPTED: Final = OrderStatus.ACCEPTED
PARTIALLY_FILLED: Final = OrderStatus.PARTIALLY_FILLED
FILLED: Final = OrderStatus.FILLED
TRIGGERED: Final = OrderStatus.TRIGGERED
CANCELED: Final = OrderStatus.CANCELED
EXPIRED: Final = OrderStatus.EXPIRED
REJECTED: Final = OrderStatus.REJECTED

MAKER: Final = Liquidity.MAKER
TAKER: Final = Liquidity.TAKER

SIGNAL: Final = ExitReason.SIGNAL
RISK: Final = ExitReason.RISK
LIQUIDATION: Final = ExitReason.LIQUIDATION
OTHER: Final = ExitReason.OTHER

# The enums' tables, for the tests their properties make (`status.is_open`, `side.sign`):
# a property of an interpreted enum is a Python call, where a lookup here is a C one.
OPEN_STATUSES: Final = enums.OPEN_STATUSES  # an order in one of these can still fill
CONDITIONAL_TYPES: Final = enums.CONDITIONAL_TYPES  # orders that wait for a trigger price
SIGNS: Final = enums.SIGNS  # +1 for a buy, -1 for a sell
OPPOSITES: Final = enums.OPPOSITES  # the side that exits what a side opened
