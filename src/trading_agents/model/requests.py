"""Order requests: what a decision asks for, before the risk engine sizes and approves it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from trading_agents.model.enums import ExitReason, OrderType, Side

_NONE_HELD: Mapping[str, Decimal] = MappingProxyType({})


# Requests and account states are built for every decision: NamedTuples are immutable and
# cheaper to build than frozen dataclasses.
class OrderRequest(NamedTuple):
    """An order a brain wants; quantity None asks the risk engine to size it."""

    client_order_id: str
    symbol: str
    side: Side
    order_type: OrderType = OrderType.MARKET
    quantity: Decimal | None = None
    price: Decimal | None = None  # limit price
    trigger_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    leverage: int = 1
    reduce_only: bool = False
    confidence: Decimal | None = None
    # The price the decision acted on (a signal's): refused when too far from the market.
    reference_price: Decimal | None = None
    exit_reason: ExitReason | None = None  # of a close: why, for the round trip it ends


class AccountState(NamedTuple):
    """What the risk engine needs to know of the account at the moment of a check."""

    equity: Decimal
    available_balance: Decimal
    positions: Mapping[str, Decimal] = _NONE_HELD  # signed quantity by symbol
    marks: Mapping[str, Decimal] = _NONE_HELD  # last price by symbol
