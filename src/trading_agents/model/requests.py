"""Order requests: what a decision asks for, before the risk engine sizes and approves it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from trading_agents.model.enums import ExitReason, OrderType, Side

_NONE_HELD: Final[Mapping[str, Decimal]] = MappingProxyType({})


# Requests and account states are built for every decision: each writes its __init__ out,
# so that mypyc compiles it (see model/orders.py).
@dataclass(frozen=True, slots=True, init=False)
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
    # The price the decision acted on (a signal's): refused when too far from the market.
    reference_price: Decimal | None = None
    exit_reason: ExitReason | None = None  # of a close: why, for the round trip it ends

    def __init__(
        self,
        client_order_id: str,
        symbol: str,
        side: Side,
        order_type: OrderType = OrderType.MARKET,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        stop_loss: Decimal | None = None,
        take_profit: Decimal | None = None,
        leverage: int = 1,
        reduce_only: bool = False,
        confidence: Decimal | None = None,
        reference_price: Decimal | None = None,
        exit_reason: ExitReason | None = None,
    ) -> None:
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "order_type", order_type)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "trigger_price", trigger_price)
        object.__setattr__(self, "stop_loss", stop_loss)
        object.__setattr__(self, "take_profit", take_profit)
        object.__setattr__(self, "leverage", leverage)
        object.__setattr__(self, "reduce_only", reduce_only)
        object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "reference_price", reference_price)
        object.__setattr__(self, "exit_reason", exit_reason)


@dataclass(frozen=True, slots=True, init=False)
class AccountState:
    """What the risk engine needs to know of the account at the moment of a check."""

    equity: Decimal
    available_balance: Decimal
    # Signed quantity by symbol, and last price by symbol; none unless given (read-only).
    positions: Mapping[str, Decimal] = field(default_factory=lambda: _NONE_HELD)
    marks: Mapping[str, Decimal] = field(default_factory=lambda: _NONE_HELD)

    def __init__(
        self,
        equity: Decimal,
        available_balance: Decimal,
        positions: Mapping[str, Decimal] = _NONE_HELD,
        marks: Mapping[str, Decimal] = _NONE_HELD,
    ) -> None:
        object.__setattr__(self, "equity", equity)
        object.__setattr__(self, "available_balance", available_balance)
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "marks", marks)
