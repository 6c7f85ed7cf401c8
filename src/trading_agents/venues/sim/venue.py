"""The simulated venue behind the venue port: the same calls the Binance venue answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from trading_agents.core.clock import Clock
from trading_agents.market.candles import Candle
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.orders import Order, OrderIntent
from trading_agents.model.positions import PositionSnapshot
from trading_agents.model.reports import OrderAck
from trading_agents.venues.errors import OrderNotFound
from trading_agents.venues.port import (
    BalanceSnapshot,
    OrderSnapshot,
    Pending,
    VenueState,
)
from trading_agents.venues.reports import PublishedReports
from trading_agents.venues.rounding import round_intent
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange


class SimVenue(PublishedReports):
    """Serve the venue port from a simulated exchange fed with candles or prices."""

    def __init__(
        self,
        instruments: InstrumentRegistry,
        clock: Clock,
        config: SimVenueConfig | None = None,
        keep_ended: bool = True,
    ) -> None:
        """Simulate a venue; without `keep_ended` its exchange forgets orders once they end."""
        self.exchange = SimExchange(instruments, config or SimVenueConfig(), keep_ended)
        self._instruments = instruments
        self._clock = clock
        super().__init__()

    def on_candle(self, candle: Candle) -> None:
        """Feed a closed candle to the exchange and publish what it caused."""
        self.exchange.on_candle(candle)
        self._publish()

    def on_price(self, symbol: str, ts_ms: int, price: Decimal) -> None:
        """Feed a traded price to the exchange and publish what it caused."""
        self.exchange.on_price(symbol, ts_ms, price)
        self._publish()

    def on_mark(self, symbol: str, ts_ms: int, mark: Decimal) -> None:
        """Trigger stops, take-profits and liquidation at a mark price; publish what it caused."""
        self.exchange.on_mark(symbol, ts_ms, mark)
        self._publish()

    def fill_waiting(self, ts_ms: int, prices: Mapping[str, Decimal]) -> None:
        """Fill the orders waiting for a price at the latest prices, as a live venue would now."""
        for symbol, price in prices.items():
            if self.exchange.waits_for_price(symbol):
                self.on_price(symbol, ts_ms, price)

    def _publish(self) -> None:
        reports = self.exchange.drain_reports()
        if reports:
            self._publish_all(reports)

    def deposit(self, amount: Decimal) -> None:
        """Credit the simulated account, as a transfer into the futures wallet would."""
        self.exchange.ledger.deposit(amount)

    def withdraw(self, amount: Decimal) -> None:
        """Debit the simulated account, as a transfer out of the futures wallet would."""
        self.exchange.withdraw(amount)

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage for the symbol's next position."""
        self.exchange.set_leverage(symbol, leverage)

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        """Place an order; it fills on a later price, and its attached exits at that moment."""
        if intent.symbol in self._instruments:  # an unknown one is refused by the exchange
            instrument = self._instruments.get(intent.symbol)
            intent = round_intent(intent, instrument)
            attached = [round_intent(exit_, instrument) for exit_ in attached]
        order = self.exchange.submit(intent, self._clock.now_ms(), attached)
        self._publish()
        return OrderAck(
            intent.client_order_id,
            self.exchange.venue_order_id(intent.client_order_id),
            order.status,
            order.created_ms,
        )

    async def cancel(self, symbol: str, client_order_id: str) -> None:
        """Cancel an open order."""
        self.exchange.cancel(symbol, client_order_id, self._clock.now_ms())
        self._publish()

    async def order(self, symbol: str, client_order_id: str) -> OrderSnapshot:
        """Return one order by client order id."""
        order = self.exchange.order(client_order_id)
        if order.intent.symbol != symbol:
            raise OrderNotFound(client_order_id)
        return self._snapshot(order)

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]:
        """Return the orders that can still fill."""
        return [self._snapshot(order) for order in self.exchange.open_orders(symbol)]

    async def positions(self) -> Sequence[PositionSnapshot]:
        """Return the open positions."""
        return [position.snapshot() for position in self.exchange.ledger.open_positions()]

    async def balance(self) -> BalanceSnapshot:
        """Return the account's money."""
        ledger = self.exchange.ledger
        return BalanceSnapshot(
            wallet_balance=ledger.wallet_balance,
            available_balance=ledger.available_balance(),
            used_margin=ledger.used_margin(),
            unrealized_pnl=ledger.unrealized_pnl(self.exchange.marks()),
        )

    # -- the account's venue, as the service runs it ---------------------------------------

    @property
    def mode(self) -> str:
        """Say where the account trades: on paper."""
        return "paper"

    @property
    def exclusive_account(self) -> str | None:
        """Return None: a simulated venue is the account's own."""
        return None

    def state(self) -> VenueState:
        """Return the simulated exchange's books and open orders."""
        return VenueState(exchange=self.exchange.snapshot())

    def restore_state(
        self, state: VenueState, orders: Sequence[Order], venue_ids: Mapping[str, str]
    ) -> None:
        """Take back the exchange's books and its orders, as the account's books record them."""
        if state.exchange is None:
            raise ValueError("a simulated account's snapshot holds no simulated exchange")
        self.exchange.restore(state.exchange, orders, venue_ids)

    def resume(
        self,
        orders: Sequence[tuple[Order, str, Sequence[OrderIntent]]],
        trades: Sequence[tuple[str, str]],
    ) -> None:
        """Take nothing more: `restore_state` brought the orders and the exchange's trades."""

    def watch(
        self,
        on_alert: Callable[[str | None], None],
        on_settled: Callable[[str, str], None],
        on_repaired: Callable[[str], None],
        on_request: Callable[[str, float, str], None] | None = None,
    ) -> None:
        """Ignore: a simulated venue stops itself, settles orders late, repairs and calls never."""

    async def start(self) -> None:
        """Connect to nothing: the simulated exchange is in this process."""

    async def close(self) -> None:
        """Close nothing."""

    async def settle_after_restart(self, pending: Pending) -> dict[str, tuple[str, str]]:
        """Settle by what the restored exchange holds: it came back from the journal."""
        settled: dict[str, tuple[str, str]] = {}
        for intent, _ in pending:
            cid = intent.client_order_id
            if self.exchange.holds(cid):
                settled[cid] = ("sent", "found at the venue after a restart")
            else:
                settled[cid] = (
                    "lost",
                    "the process stopped before the venue's answer was journaled;"
                    " the restored paper venue never held it, so nothing was filled",
                )
        return settled

    async def reconcile(self) -> list[str]:
        """Repair nothing: the books take every report of this venue."""
        return []

    def _snapshot(self, order: Order) -> OrderSnapshot:
        intent = order.intent
        return OrderSnapshot(
            client_order_id=intent.client_order_id,
            venue_order_id=self.exchange.venue_order_id(intent.client_order_id),
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity,
            price=intent.price,
            trigger_price=intent.trigger_price,
            reduce_only=intent.reduce_only,
            status=order.status,
            filled_quantity=order.filled_quantity,
            average_price=order.average_price,
        )
