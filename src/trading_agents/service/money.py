"""Money in and out of an agent's account: deposits and withdrawals."""

from __future__ import annotations

import logging
from decimal import Decimal

from trading_agents.service.desk_base import DeskBase
from trading_agents.service.errors import Invalid
from trading_agents.service.sessions import AgentSession

log = logging.getLogger(__name__)


class MoneyMoves(DeskBase):
    """Deposit and withdraw, booked once and posted to the platform's ledger."""

    async def deposit(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Credit the agent's account: the venue, the books and the risk engine's references."""
        session = self.session(agent, account_id)
        if amount <= 0:
            raise Invalid(f"a deposit must be above zero, got {amount}")
        async with self._lock:
            self._move_money(session, amount)
            await self._save([session])
        log.info("deposit of %s USDT to %s on account %s", amount, agent, account_id)
        return session

    async def withdraw(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Debit the agent's account; only money no position or order holds may leave."""
        session = self.session(agent, account_id)
        if amount <= 0:
            raise Invalid(f"a withdrawal must be above zero, got {amount}")
        async with self._lock:
            self._move_money(session, -amount)
            await self._save([session])
        log.info("withdrawal of %s USDT from %s on account %s", amount, agent, account_id)
        return session
