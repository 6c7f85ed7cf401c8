"""Execution reports: what a venue tells about orders, fills, funding and the wallet."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from trading_agents.model.enums import Liquidity, OrderStatus, Side
from trading_agents.model.orders import OrderIntent


# Every report writes its __init__ out, so that mypyc compiles it (see model/orders.py).
@dataclass(frozen=True, slots=True, init=False)
class OrderUpdate:
    """An order changed status without trading (accepted, triggered, cancelled, expired).

    A venue that sends an order of its own accord (an exit once its entry filled) reports
    it as submitted first.
    """

    client_order_id: str
    symbol: str
    status: OrderStatus
    ts_ms: int
    reason: str = ""
    venue_order_id: str = ""  # the venue's own id, told when it takes the order
    # The order as the venue took or refused it: rounded to its filters, an exit sized to the
    # position. Told with the acceptance or rejection, so the books hold what trades.
    intent: OrderIntent | None = None
    code: int = 0  # a rejection's code, as the venue gives it
    price: Decimal | None = None  # the price that triggered a conditional order

    def __init__(
        self,
        client_order_id: str,
        symbol: str,
        status: OrderStatus,
        ts_ms: int,
        reason: str = "",
        venue_order_id: str = "",
        intent: OrderIntent | None = None,
        code: int = 0,
        price: Decimal | None = None,
    ) -> None:
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "venue_order_id", venue_order_id)
        object.__setattr__(self, "intent", intent)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "price", price)


@dataclass(frozen=True, slots=True, init=False)
class OrderAck:
    """The venue took an order; fills follow as execution reports."""

    client_order_id: str
    venue_order_id: str
    status: OrderStatus
    ts_ms: int

    # A compiled class, not a NamedTuple: built for every order, and a NamedTuple's __new__
    # runs as interpreted code, several times the cost of the compiled initialiser.
    def __init__(
        self, client_order_id: str, venue_order_id: str, status: OrderStatus, ts_ms: int
    ) -> None:
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "venue_order_id", venue_order_id)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "ts_ms", ts_ms)


@dataclass(frozen=True, slots=True, init=False)
class FillReport:
    """A trade on an order, or a liquidation of a position."""

    client_order_id: str
    trade_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal  # paid, in USDT; for a liquidation the clearance fee (the rest of the margin)
    liquidity: Liquidity
    ts_ms: int
    order_status: OrderStatus  # the order's status after this fill
    realized_pnl: Decimal  # realized by this fill at the venue, before fees
    is_liquidation: bool = False

    def __init__(
        self,
        client_order_id: str,
        trade_id: str,
        symbol: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        liquidity: Liquidity,
        ts_ms: int,
        order_status: OrderStatus,
        realized_pnl: Decimal,
        is_liquidation: bool = False,
    ) -> None:
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "trade_id", trade_id)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "fee", fee)
        object.__setattr__(self, "liquidity", liquidity)
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "order_status", order_status)
        object.__setattr__(self, "realized_pnl", realized_pnl)
        object.__setattr__(self, "is_liquidation", is_liquidation)


@dataclass(frozen=True, slots=True)
class FundingReport:
    """A funding payment on a held position: above zero received, below zero paid.

    A venue that states only the amount (Binance's income history) leaves the rate and the
    mark price None: the ledger then takes the amount as given instead of recomputing it.
    """

    symbol: str
    ts_ms: int
    rate: Decimal | None
    mark_price: Decimal | None
    position_quantity: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BalanceAdjustment:
    """Money the exchange's wallet gained or lost outside our orders: a transfer, a missed fee."""

    adjustment_id: str
    ts_ms: int
    amount: Decimal  # above zero credited, below zero debited
    reason: str
    # "transfer": money moved in or out (a deposit or withdrawal to the books); "trading": a
    # result of trades the books did not see (a manual trade), counted as realized PnL.
    kind: Literal["transfer", "trading"] = "transfer"


ExecutionReport = OrderUpdate | FillReport | FundingReport | BalanceAdjustment
