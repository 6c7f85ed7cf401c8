"""The venue port: what the kernel needs from any venue, simulated or real."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple, Protocol

from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import Order, OrderIntent
from trading_agents.model.positions import PositionSnapshot
from trading_agents.model.reports import ExecutionReport, OrderAck

if TYPE_CHECKING:  # the simulated exchange's state is the venue's own business
    from trading_agents.market.candles import Candle
    from trading_agents.venues.sim.exchange import ExchangeSnapshot

Pending = Sequence[tuple[OrderIntent, Sequence[OrderIntent]]]  # intents with their exits


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
    """A place that takes orders and reports what happened to them.

    Every change of an order it took or placed itself (an exit on a fill) is told as an
    execution report: the account's order cache keeps the orders, moved by those alone.
    """

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

    async def reported(self) -> None:
        """Wait until a published report waits to be taken."""
        ...


class VenueState(NamedTuple):
    """What a venue needs to go on after a restart, kept in the account's snapshot."""

    exchange: ExchangeSnapshot | None = None  # a simulated exchange's books and open orders
    funding_since_ms: int | None = None  # a real venue's funding booked up to here
    account: str | None = None  # the exchange account a real venue trades
    wallet_since_ms: int | None = None  # a real venue's wallet checked up to here


class AccountVenue(Venue, Protocol):
    """A venue an agent's account trades on, as the service runs it, whatever it is."""

    @property
    def mode(self) -> str:
        """Say where the account trades: paper, binance-demo or binance-live."""
        ...

    @property
    def exclusive_account(self) -> str | None:
        """Return the exchange account only this venue may trade; None for a venue of its own."""
        ...

    def deposit(self, amount: Decimal) -> None:
        """Credit the account, or raise MoneyMovesAtVenue where transfers are the exchange's."""
        ...

    def withdraw(self, amount: Decimal) -> None:
        """Debit the account (InsufficientFunds beyond the free money), or MoneyMovesAtVenue."""
        ...

    def on_candle(self, candle: Candle) -> None:
        """See a closed candle: a simulated venue fills on it, a real one sees its own market."""
        ...

    def fill_waiting(self, ts_ms: int, prices: Mapping[str, Decimal]) -> None:
        """Fill orders waiting for a price now; a real venue fills them itself."""
        ...

    def state(self) -> VenueState:
        """Return what the venue needs to go on after a restart."""
        ...

    def restore_state(
        self, state: VenueState, orders: Sequence[Order], venue_ids: Mapping[str, str]
    ) -> None:
        """Take back `state` and the account's orders as its books record them.

        Raise ValueError if they misfit. A venue that keeps its orders itself ignores them.
        """
        ...

    def resume(
        self,
        orders: Sequence[tuple[Order, str, Sequence[OrderIntent]]],
        trades: Sequence[tuple[str, str]],
    ) -> None:
        """Take back a previous run's open orders with their exits, and the trades it booked."""
        ...

    def watch(
        self,
        on_alert: Callable[[str | None], None],
        on_settled: Callable[[str, str], None],
        on_repaired: Callable[[str], None],
        on_request: Callable[[str, float, str], None] | None = None,
    ) -> None:
        """Be told when the venue stops itself, how late-settled orders ended, and repairs.

        `on_alert` hears why the venue is degraded (a ban, a clock it cannot sign with) and
        None once that ended.

        `on_request` hears each request to the exchange: its endpoint, its seconds, and `ok`
        or the exchange's error code (`network` when no answer came).
        """
        ...

    async def start(self) -> None:
        """Connect, where there is anything to connect to."""
        ...

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        ...

    async def settle_after_restart(self, pending: Pending) -> dict[str, tuple[str, str]]:
        """Settle intents a crash left pending: (sent or lost, why) by client order id."""
        ...

    async def reconcile(self) -> list[str]:
        """Compare the venue with the books, book what was missed; return the repairs."""
        ...
