"""The execute step's way to the venue, keeping the portfolio's leverage in step with it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from trading_agents.core.clock import Clock
from trading_agents.core.log_context import log_context
from trading_agents.engine.orders import OrderCache
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import OrderAck
from trading_agents.model.requests import AccountState
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.venues.errors import OrderOutcomeUnknown, VenueError
from trading_agents.venues.port import OrderSnapshot, Venue


class IntentLog(Protocol):
    """Where an order's intent is stored before it is sent, and the venue's answer after."""

    async def before_send(self, intent: OrderIntent, attached: Sequence[OrderIntent]) -> None:
        """Store the intent (and the exits that ride on it) durably; raise if it cannot be."""
        ...

    def answered(self, client_order_id: str, accepted: bool, detail: str) -> None:
        """Note what the venue answered, for the next journal write."""
        ...


class AccountGateway:
    """Pass orders to the account's venue, opening each in its order cache as it goes.

    Leverage changes are mirrored in the portfolio.
    """

    def __init__(
        self,
        venue: Venue,
        portfolio: Portfolio,
        orders: OrderCache,
        clock: Clock,
        intents: IntentLog | None = None,
    ) -> None:
        self._venue = venue
        self._portfolio = portfolio
        self._orders = orders
        self._clock = clock
        self._intents = intents  # the service journals intents; a backtest has none
        # The account's state at this moment, given by the account once it is assembled.
        self.books: Callable[[], AccountState] | None = None

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage at the venue, then in the books (margin and liquidation follow it)."""
        await self._venue.set_leverage(symbol, leverage)
        self._portfolio.ledger.position(symbol).change_leverage(leverage)

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        """Send an order with the exits to place once it fills; its intent is stored first.

        The order is open in the cache from here on; the venue's reports move it. A venue
        that refuses it outright never held it, and the cache forgets it.
        """
        with log_context(client_order_id=intent.client_order_id):
            return await self._submit(intent, attached)

    async def _submit(self, intent: OrderIntent, attached: Sequence[OrderIntent]) -> OrderAck:
        intents = self._intents
        if intents is not None:
            await intents.before_send(intent, attached)
        self._orders.open(intent, self._clock.now_ms(), attached)
        try:
            ack = await self._venue.submit(intent, attached)
        except OrderOutcomeUnknown:
            raise  # the intent stays pending: the venue (or the next start) asks by its id
        except VenueError as error:
            self._orders.refused(intent.client_order_id, attached)
            if intents is not None:
                intents.answered(intent.client_order_id, False, str(error))
            raise
        if intents is not None:
            intents.answered(intent.client_order_id, True, str(ack.status))
        return ack

    async def cancel(self, symbol: str, client_order_id: str) -> None:
        """Cancel an open order."""
        await self._venue.cancel(symbol, client_order_id)

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]:
        """Return the orders still open."""
        return await self._venue.open_orders(symbol)

    def account_now(self) -> AccountState | None:
        """Return the account as its books hold it now, for the execute step's second check."""
        return None if self.books is None else self.books()
