"""Money in and out of an agent's account: deposits and withdrawals."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from trading_agents.core.clock import iso_utc
from trading_agents.service.desk_base import DeskBase
from trading_agents.service.errors import Invalid, Unavailable
from trading_agents.service.sessions import AgentSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CashFlowView:
    """One deposit or withdrawal of an agent's account."""

    flow_id: str
    kind: str  # deposit or withdrawal
    amount: Decimal
    at: str


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

    async def cash_flows(self, agent: str, account_id: str, limit: int) -> list[CashFlowView]:
        """Return the agent's deposits and withdrawals on the account, oldest first.

        Read from the journal, so those of earlier sessions on the account are there too
        (the start's equity is its first deposit).
        """
        self.session(agent, account_id)  # NotFound for an agent never started there
        try:
            rows = await self.journal.journal.cash_flows(agent, account_id, limit)
        except Exception as error:
            raise Unavailable(f"the journal cannot be read now: {error}; try again") from None
        return [
            CashFlowView(str(r["flow_id"]), str(r["kind"]), r["amount"], iso_utc(r["ts_ms"]))
            for r in rows
        ]

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
