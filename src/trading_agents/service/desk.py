"""The trading desk: every running agent account on one market-data stream and one kernel.

The desk is put together from one part per concept: the shared state (`desk_base`), the
market loop, the agents' lifecycle, money moves and decisions on demand; this module adds
bringing the desk back after a restart.
"""

from __future__ import annotations

import logging

from trading_agents.core.errors import ConfigurationError
from trading_agents.journal.reading import StoredDesk, StoredSession
from trading_agents.service.deciding import Deciding
from trading_agents.service.desk_base import HISTORY_CANDLES, keep_out_of_collections
from trading_agents.service.lifecycle import Lifecycle
from trading_agents.service.market_loop import MarketLoop
from trading_agents.service.money import MoneyMoves
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.venues.errors import VenueError

__all__ = ["HISTORY_CANDLES", "TradingDesk"]


log = logging.getLogger(__name__)


class TradingDesk(MarketLoop, Lifecycle, MoneyMoves, Deciding):
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

    async def _reconnect(self, session: AgentSession, stored: StoredSession) -> None:
        """Start a restored session's venue: settle what was pending, book what it missed."""
        if session.status is SessionStatus.STOPPED:
            return  # nothing of it trades any more: its orders are read from the journal
        venue = session.parts.venue
        where = f"{session.agent} on account {session.account_id!r}"
        holder = self.binance.holder(self.sessions, exclude=(session.agent, session.account_id))
        if venue.exclusive_account is not None and holder is not None:
            raise ConfigurationError(
                f"cannot restore {where} at Binance: {holder.agent} on account"
                f" {holder.account_id!r} trades the same Binance account"
            )
        self.binance.watch(session, venue)
        try:
            await venue.start()
            repairs = await self.journal.reconnect(session, venue, stored)
        except VenueError as error:
            await venue.close()
            raise ConfigurationError(
                f"cannot restore {where}: the {venue.mode} venue could not be reconciled"
                f" ({error}); no new order was sent. Start the service again once it answers"
            ) from None
        except BaseException:
            await venue.close()
            raise
        for repair in repairs:  # published on the stream by the venue's watch
            log.warning("%s after the restart: %s", where, repair)
        account = session.parts.account
        account.late_changes |= account.settle(self.marks_for(session))
        if session.stream.pending:
            await self._save([session])  # what settling and reconciling booked
