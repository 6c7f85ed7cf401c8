"""The trading desk: every running agent account on one market-data stream and one kernel.

The desk is put together from one part per concept: the shared state (`desk_base`), the
market loop, the agents' lifecycle, money moves and decisions on demand; this module adds
bringing the desk back after a restart.
"""

from __future__ import annotations

import logging

from trading_agents.journal.reading import StoredDesk
from trading_agents.service.account_keys import AccountKeys
from trading_agents.service.deciding import Deciding
from trading_agents.service.desk_base import HISTORY_CANDLES, keep_out_of_collections
from trading_agents.service.market_loop import MarketLoop
from trading_agents.service.pooling import Pooling

__all__ = ["HISTORY_CANDLES", "TradingDesk"]


log = logging.getLogger(__name__)


class TradingDesk(MarketLoop, Pooling, Deciding, AccountKeys):
    """Start, steer and read agents, each on its own account, trading one shared stream."""

    async def restore(self, stored: StoredDesk) -> None:
        """Bring back the sessions the journal holds, where the last run left them.

        A session trading at Binance reconnects, settles the intents the last run left
        pending and reconciles with the exchange before it may decide anything.
        """
        if stored.last_close_ms is not None:
            self.kernel.last_close_ms = stored.last_close_ms
        for found in stored.sessions:
            session = await self.journal.revive(found, self._open)
            session.stream.release()
            # An agent whose profile file has gone stays reachable with the settings it had.
            self.profiles.setdefault(session.agent, session.profile)
            key = (session.agent, session.account_id)
            self.sessions[key] = session
            self._restore_pool(found)  # a pooled book's owners, before its venue reconnects
            await self._reconnect(session, found)
            self.kernel.add(session.parts.account)
            log.info(
                "restored %s on account %s: %s, %d open position(s)",
                session.agent,
                session.account_id,
                session.status,
                len(session.parts.account.positions()),
            )
        keep_out_of_collections()
