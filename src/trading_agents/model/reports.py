"""Execution reports: what a venue tells about orders, fills, funding and the wallet."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from trading_agents.model.enums import Liquidity, OrderStatus, Side
from trading_agents.model.orders import OrderIntent


# Order updates and fills are NamedTuples: immutable, and cheap to build on the hot path.
class OrderUpdate(NamedTuple):
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


class FillReport(NamedTuple):
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
