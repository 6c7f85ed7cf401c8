"""Order requests: what a decision asks for, before the risk engine sizes and approves it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trading_agents.model.enums import OrderType, Side


@dataclass(frozen=True, slots=True)
class OrderRequest:
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


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the risk engine needs to know of the account at the moment of a check."""

    equity: Decimal
    available_balance: Decimal
    positions: Mapping[str, Decimal] = field(default_factory=dict)  # signed quantity by symbol
    marks: Mapping[str, Decimal] = field(default_factory=dict)  # last price by symbol
