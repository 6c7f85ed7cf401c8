"""The venue port: what the kernel needs from any venue, simulated or real."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import Order, OrderIntent
from trading_agents.model.positions import PositionSnapshot
from trading_agents.model.reports import ExecutionReport


class OrderAck(NamedTuple):  # a NamedTuple: cheap to build for every order
    """The venue took an order; fills follow as execution reports."""

    client_order_id: str
    venue_order_id: str
    status: OrderStatus
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """What a venue reports about one order."""

    client_order_id: str
    venue_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    reduce_only: bool
    status: OrderStatus
    filled_quantity: Decimal
    average_price: Decimal


@dataclass(frozen=True, slots=True)
class BalanceSnapshot:
    """The account's USDT money at the venue."""

    wallet_balance: Decimal
    available_balance: Decimal
    used_margin: Decimal
    unrealized_pnl: Decimal

    @property
    def equity(self) -> Decimal:
        """Return the wallet balance plus unrealized PnL."""
        return self.wallet_balance + self.unrealized_pnl


class Venue(Protocol):
    """A place that takes orders and reports what happened to them."""

    async def set_leverage(self, symbol: str, leverage: int) -> None: ...

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        """Place an order; place the reduce-only `attached` exits once it is done filling."""
        ...

    async def cancel(self, symbol: str, client_order_id: str) -> None: ...

    async def order(self, symbol: str, client_order_id: str) -> OrderSnapshot: ...

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]: ...

    async def positions(self) -> Sequence[PositionSnapshot]: ...

    async def balance(self) -> BalanceSnapshot: ...

    def reports(self) -> AsyncIterator[ExecutionReport]: ...

    def take_reports(self) -> list[ExecutionReport]:
        """Return and forget the reports published since the last call, oldest first."""
        ...

    def order_record(self, client_order_id: str) -> tuple[Order, str] | None:
        """Return one of the account's orders as the venue holds it, with its id, or None."""
        ...

    def changed_orders(self) -> Sequence[str]:
        """Return the ids of orders that changed since the last call without a report."""
        ...
