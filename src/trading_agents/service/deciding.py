"""Decisions on demand: a running agent decides at once on a validated signal."""

from __future__ import annotations

from decimal import Decimal

from trading_agents.agents.state import DecisionState
from trading_agents.model.signals import Signal, SignalAction
from trading_agents.service.desk_base import DeskBase
from trading_agents.service.errors import Conflict, Invalid
from trading_agents.service.sessions import SessionStatus


class Deciding(DeskBase):
    """Let an agent decide now on a signal, between candles."""

    async def decide_on_signal(self, agent: str, account_id: str, signal: Signal) -> DecisionState:
        """Let a running agent decide at once on a validated signal (see SignalIntake)."""
        session = self.book_of(agent, account_id, acting=True)  # a pooled one's: its book
        if session.status is not SessionStatus.RUNNING:
            raise Conflict(f"{agent} is {session.status} on account {account_id!r}")
        if signal.symbol not in session.symbols:
            raise Invalid(
                f"{agent} does not trade {signal.symbol}; it trades {', '.join(session.symbols)}"
            )
        async with self._lock:
            account = session.parts.account
            state = await account.runner.on_signal(
                signal, account.account_state(self.marks_for(session)), account.positions()
            )
            self._fill_now(session)
            account.settle(self.marks_for(session))
            await self._save([session])
        return state

    async def signal(
        self,
        agent: str,
        account_id: str,
        symbol: str,
        action: SignalAction,
        confidence: Decimal,
        price: Decimal,
        signal_id: str | None = None,
        source: str = "api",
    ) -> DecisionState:
        """Decide at once on a signal given field by field (tests, tools)."""
        signal = Signal(symbol, action, confidence, price, self.clock.now_ms(), signal_id, source)
        return await self.decide_on_signal(agent, account_id, signal)
