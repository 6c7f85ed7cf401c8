"""Opening an agent's session: its parts assembled, and its venue connected and reconciled."""

from __future__ import annotations

import logging
from decimal import Decimal

from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.assembly import (
    AccountNotReady,
    AccountParts,
    EquityMismatch,
    make_brain,
    sim_account,
)
from trading_agents.events.sinks import PublishedDecisions
from trading_agents.journal.reading import StoredSession
from trading_agents.market.view import LiveMarket
from trading_agents.service.desk_base import DeskBase
from trading_agents.service.errors import Conflict, Invalid, Unavailable
from trading_agents.service.journaling import KEEP_DECISIONS
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.venues.errors import VenueError

log = logging.getLogger(__name__)


class Opening(DeskBase):
    """Assemble a session on its venue, new or from the journal, and reconnect it."""

    async def _reconnect(
        self, session: AgentSession, stored: StoredSession, save: bool = True
    ) -> None:
        """Start a restored session's venue: settle what was pending, book what it missed.

        With `save`, what that booked is journaled at once; otherwise the caller writes it.
        """
        if session.status is SessionStatus.STOPPED:
            return  # nothing of it trades any more: its orders are read from the journal
        venue = session.parts.venue
        where = f"{session.agent} on account {session.account_id!r}"
        holder = self.binance.holder(
            self.sessions, venue.exclusive_account, exclude=(session.agent, session.account_id)
        )
        if holder is not None:
            raise ConfigurationError(
                f"cannot restore {where} at Binance: {holder.agent} on account"
                f" {holder.account_id!r} trades the same Binance account"
            )
        self.binance.watch(session, venue)
        try:
            await venue.start()
            repairs = await self.journal.reconnect(session, venue, stored)
        except VenueError as error:
            await self.binance.close(session)  # the venue, and any alert it raised
            raise ConfigurationError(
                f"cannot restore {where}: the {venue.mode} venue could not be reconciled"
                f" ({error}); no new order was sent. Start the service again once it answers"
            ) from None
        except BaseException:
            await self.binance.close(session)
            raise
        for repair in repairs:  # published on the stream by the venue's watch
            log.warning("%s after the restart: %s", where, repair)
        account = session.parts.account
        account.late_changes |= account.settle(self.marks_for(session))
        if save and session.stream.has_pending:
            await self._save([session])  # what settling and reconciling booked

    async def _open_new(
        self, profile: AgentProfile, account_id: str, equity: Decimal
    ) -> AgentSession:
        """Open a new session; a Binance one connects, and must match the account's wallet."""
        try:
            return await self._open(profile, account_id, equity, self.clock.now_ms(), False)
        except AccountNotReady as error:
            raise Conflict(str(error)) from None
        except EquityMismatch as error:
            raise Invalid(str(error)) from None
        except VenueError as error:
            raise Unavailable(f"Binance cannot take an agent now: {error}") from None

    async def _open(
        self,
        profile: AgentProfile,
        account_id: str,
        equity: Decimal,
        started_ms: int,
        resuming: bool,
    ) -> AgentSession:
        """Assemble a session's parts; `resuming` leaves them for the journal to fill in."""
        symbols = tuple(s for s in profile.symbols if s in self._history)
        if not symbols:
            raise ConfigurationError(
                f"{profile.name} trades none of the symbols with market data"
                f" ({', '.join(self.symbols)})"
            )
        market = LiveMarket(
            indicator_spec(profile.strategy), self.clock, symbols, profile.timeframe_ms
        )
        # Held until the session is stored: a start the journal refuses tells nobody anything.
        stream = self.events.stream(profile.name, account_id, held=True)
        decisions = PublishedDecisions(KEEP_DECISIONS, stream)
        intents = self.journal.intents(self.clock, stream)
        if self._venue_of(profile) == "binance":
            parts: AccountParts = await self.binance.assemble(
                profile,
                account_id,
                symbols,
                self.clock,
                market,
                decisions,
                intents,
                stream,
                equity,
                resuming,
            )
        else:
            parts = sim_account(
                profile=profile,
                account_id=account_id,
                symbols=symbols,
                clock=self.clock,
                instruments=self.instruments,
                market=market,
                venue_config=self.venue_config,
                initial_equity=equity,
                sink=decisions,
                runtime="langgraph",
                take_candle=market.on_candle,
                brain=make_brain(profile),
                stream=stream,
                intents=intents,
            )
        for symbol in symbols:
            history = self._history[symbol]
            for candle in history:
                market.on_candle(candle)
            if history:
                # A simulated venue needs a last price to take orders before the next candle.
                parts.venue.on_candle(history[-1])
        parts.venue.take_reports()
        session = AgentSession(
            profile, account_id, symbols, equity, parts, market, decisions, started_ms, stream
        )
        session.intents = intents
        if not resuming:
            self.binance.watch(session, parts.venue)
            # The books open at the venue's wallet (at Binance, initial_equity was checked
            # against it).
            session.initial_equity = parts.account.portfolio.ledger.wallet_balance
        return session
