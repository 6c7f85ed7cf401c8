"""The execute step's way to the venue, keeping the portfolio's leverage in step with it."""

from __future__ import annotations

from collections.abc import Sequence

from trading_agents.model.orders import OrderIntent
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.venues.port import OrderAck, OrderSnapshot, Venue


class AccountGateway:
    """Pass orders to the account's venue; mirror leverage changes in its portfolio."""

    def __init__(self, venue: Venue, portfolio: Portfolio) -> None:
        self._venue = venue
        self._portfolio = portfolio

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage at the venue, then in the books (margin and liquidation follow it)."""
        await self._venue.set_leverage(symbol, leverage)
        self._portfolio.ledger.position(symbol).change_leverage(leverage)

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        """Send an order with the exits to place once it fills."""
        return await self._venue.submit(intent, attached)

    async def cancel(self, symbol: str, client_order_id: str) -> None:
        """Cancel an open order."""
        await self._venue.cancel(symbol, client_order_id)

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]:
        """Return the orders still open."""
        return await self._venue.open_orders(symbol)
