"""Poll the ML engine for the running agents' symbols and accounts, and hand signals in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.service.background import cancel
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import ServiceError
from trading_agents.service.pooled_views import owner_status
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.service.signal_intake import SignalIntake
from trading_agents.signals.ml_engine import EngineUnavailable, MlEngineClient

log = logging.getLogger(__name__)


class MlPoller:
    """Ask the engine at a fixed interval; when it is down, the agents go on without it."""

    def __init__(
        self, client: MlEngineClient, intake: SignalIntake, desk: TradingDesk, interval_s: float
    ) -> None:
        self.client = client
        self._intake = intake
        self._desk = desk
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self.state = "starting"

    def start(self) -> None:
        """Poll in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ml-engine-poll")

    async def close(self) -> None:
        """Stop polling and close the client."""
        await cancel(self._task)
        self._task = None
        await self.client.close()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except Exception:  # a bug here must not end polling for good
                log.exception("ML engine polling failed")
            await asyncio.sleep(self._interval_s)

    async def poll_once(self) -> None:
        """Ask for the running agents' symbols and accounts; hand each signal to its agents."""
        running = [s for s in self._desk.sessions.values() if s.status is SessionStatus.RUNNING]
        if not running:
            self.state = "ok"
            return
        symbols = sorted({symbol for session in running for symbol in session.symbols})
        # Whose account signals are asked for: each running session's account, and each
        # running owner of a pooled book (its signals go to the book), never the book's own.
        asking = [
            (session, session.account_id)
            for session in running
            if session.account_id != POOL_ACCOUNT_ID
        ]
        asking += [
            (self._desk.sessions[(agent, POOL_ACCOUNT_ID)], owner.account_id)
            for agent, pool in sorted(self._desk.pools.items())
            if (agent, POOL_ACCOUNT_ID) in self._desk.sessions
            for owner in pool.owners.values()
            if owner_status(owner) == str(SessionStatus.RUNNING)
        ]
        try:
            by_symbol = await self.client.batch(symbols)
            by_account = {
                account: await self.client.for_account(account)
                for account in sorted({account for _, account in asking})
            }
        except EngineUnavailable as error:
            self.state = f"degraded: {error}"
            return
        self.state = "ok"
        for session in running:
            for symbol in session.symbols:
                if symbol in by_symbol:
                    await self._dispatch(session, session.account_id, by_symbol[symbol])
        for session, account in asking:
            for payload in by_account.get(account, []):
                if payload.get("symbol") in session.symbols:
                    await self._dispatch(session, account, payload)

    async def _dispatch(
        self, session: AgentSession, account_id: str, payload: Mapping[str, Any]
    ) -> None:
        try:
            await self._intake.receive(session.agent, account_id, payload, "ml_poll")
        except ServiceError as error:
            log.debug(
                "ML signal for %s on %s refused: %s", session.agent, session.account_id, error
            )
