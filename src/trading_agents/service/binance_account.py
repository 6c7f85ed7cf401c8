"""The Binance account the service trades: the venue it opens, who holds it, how it is."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from trading_agents.agents.ports import DecisionSink
from trading_agents.config.binance import BinanceConfig
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import Clock, LiveClock
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.assembly import BinanceAccountParts, binance_account, make_brain
from trading_agents.engine.gateway import IntentLog
from trading_agents.events.stream import AccountStream
from trading_agents.events.types import Repaired
from trading_agents.journal.credentials import VenueKeys
from trading_agents.market.view import LiveMarket
from trading_agents.service.background import cancel
from trading_agents.service.errors import ServiceError
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.service.vault import KeyVault
from trading_agents.venues.port import AccountVenue

if TYPE_CHECKING:  # ccxt is imported only where Binance is traded
    from trading_agents.venues.binance.venue import BinanceVenue

log = logging.getLogger(__name__)
SessionKey = tuple[str, str]  # (agent, account id)
BOOK_SETTLE_S = 0.05  # what the venue reports in one burst is booked in one go
BOOK_RETRY_S = 1.0


OpenVenue = Callable[[BinanceConfig], "BinanceVenue"]


class BinanceAccount:
    """Open sessions' venues at Binance, on the service's account or the investor's own.

    A profile's `accounts` says whose: `single`, the account of BINANCE_API_KEY,
    which one session trades at a time; or `segregated`, each investment account on its
    own (sub-)account with the keys it registered, one session per key set. Every key set
    gets its own venue (user stream, order counts); `open_venue` shares the IP's weight.
    """

    def __init__(
        self,
        open_venue: OpenVenue | None = None,
        endpoints: BinanceConfig | None = None,
        service_keys: VenueKeys | None = None,
        vault: KeyVault | None = None,
    ) -> None:
        self._open_venue = open_venue  # a new, unstarted venue on the account of a config
        self._endpoints = endpoints  # where Binance is, without keys; None: not configured
        self._service_keys = service_keys
        self.vault = vault or KeyVault(None, None, LiveClock())
        self.alerts: dict[SessionKey, str] = {}  # a venue that stopped itself, and why
        # Hears each request to the exchange (endpoint, seconds, outcome): the metrics.
        self.on_request: Callable[[str, float, str], None] | None = None
        # Books and journals what a session's venue reported, under the desk's lock: set by
        # the desk, run as reports come between its steps (a stop's fill, a liquidation).
        self.book: Callable[[AgentSession], Awaitable[None]] | None = None
        self._booking: dict[SessionKey, asyncio.Task[None]] = {}

    async def assemble(
        self,
        profile: AgentProfile,
        account_id: str,
        symbols: Sequence[str],
        clock: Clock,
        market: LiveMarket,
        decisions: DecisionSink,
        intents: IntentLog,
        stream: AccountStream,
        equity: Decimal,
        resuming: bool,
    ) -> BinanceAccountParts:
        """Return a session's parts at Binance: connected and checked, or `resuming` offline."""
        try:
            config = await self.config_for(profile, account_id)
        except (ServiceError, ConfigurationError) as error:
            if resuming:  # a restart cannot bring it back: the operator must say
                raise ConfigurationError(f"cannot restore {profile.name}: {error}") from None
            raise
        assert self._open_venue is not None  # config_for checked
        venue = self._open_venue(config)
        try:
            if not resuming:
                await venue.start()
            return await binance_account(
                profile=profile,
                account_id=account_id,
                symbols=symbols,
                clock=clock,
                venue=venue,
                market=market,
                sink=decisions,
                runtime="langgraph",
                take_candle=market.on_candle,
                brain=make_brain(profile),
                stream=stream,
                intents=intents,
                equity=None if resuming else equity,
                resuming=resuming,
            )
        except BaseException:
            await venue.close()
            raise

    @property
    def configured(self) -> bool:
        """Say whether any session may trade at Binance."""
        return self._open_venue is not None

    async def config_for(self, profile: AgentProfile, account_id: str) -> BinanceConfig:
        """Return the settings of the Binance account a session of `profile` would trade."""
        if self._open_venue is None or self._endpoints is None:
            raise ConfigurationError(
                f"{profile.name} trades at Binance, but the service has no Binance configured"
                " (BINANCE_API_KEY and BINANCE_API_SECRET, or segregated accounts' own keys)"
            )
        if profile.accounts == "segregated":
            keys = await self.vault.keys_of(account_id, "binance")
        elif self._service_keys is None:
            raise ConfigurationError(
                f"{profile.name} trades the service's Binance account, which has no keys"
                " (BINANCE_API_KEY, BINANCE_API_SECRET)"
            )
        else:
            keys = self._service_keys
        return self._endpoints.with_keys(keys.api_key, keys.api_secret)

    @staticmethod
    def holder(
        sessions: Mapping[SessionKey, AgentSession],
        account: str | None,
        exclude: SessionKey | None = None,
        stopped_too: bool = False,
    ) -> AgentSession | None:
        """Return the session trading Binance `account` now (or, `stopped_too`, ever)."""
        if account is None:
            return None
        for key, session in sessions.items():
            if (
                key != exclude
                and session.parts.venue.exclusive_account == account
                and (stopped_too or session.status is not SessionStatus.STOPPED)
            ):
                return session
        return None

    def watch(self, session: AgentSession, venue: AccountVenue) -> None:
        """Show a venue that stops itself (Binance banned the IP) in health and the log.

        And let reconciliation settle the intents whose outcome was unknown.
        """
        key = (session.agent, session.account_id)

        def alert(reason: str | None) -> None:
            if reason is None:
                if self.alerts.pop(key, None) is not None:
                    log.warning("%s on account %s: the %s venue is well again", *key, venue.mode)
                return
            self.alerts[key] = reason
            log.critical("%s on account %s: the %s venue: %s", *key, venue.mode, reason)

        def settled(client_order_id: str, state: str) -> None:
            if session.intents is not None:
                detail = f"reconciled with the {venue.mode} venue by its client order id"
                session.intents.settle(client_order_id, state, detail)

        def repaired(description: str) -> None:
            session.stream.publish(Repaired(description))

        venue.watch(alert, settled, repaired, self._request)
        if venue.exclusive_account is not None and self.book is not None:
            task = self._booking.pop(key, None)
            if task is not None:
                task.cancel()
            self._booking[key] = asyncio.create_task(
                self._book_as_reported(session, self.book), name=f"book-{key[0]}@{key[1]}"
            )

    async def _book_as_reported(
        self, session: AgentSession, book: Callable[[AgentSession], Awaitable[None]]
    ) -> None:
        """Book a live venue's reports as they come, not at the next candle a minute later."""
        while True:
            await session.parts.venue.reported()
            # A burst (the exits canceled, then the fill) is booked together.
            await asyncio.sleep(BOOK_SETTLE_S)
            try:
                await book(session)
            except Exception:
                # The next step books them: never let this task die, nor spin on an error.
                log.exception("%s on %s: booking reports failed", session.agent, session.account_id)
                await asyncio.sleep(BOOK_RETRY_S)

    def _request(self, endpoint: str, seconds: float, outcome: str) -> None:
        if self.on_request is not None:
            self.on_request(endpoint, seconds, outcome)

    async def close(self, session: AgentSession) -> None:
        """Close a session's connection to its venue (a paper venue has none)."""
        key = (session.agent, session.account_id)
        task = self._booking.pop(key, None)
        if task is not None:
            await cancel(task)
        await session.parts.venue.close()
        self.alerts.pop(key, None)

    def state(self, sessions: Iterable[AgentSession]) -> str:
        """Say how the connection is: off, ok, or degraded with the reason."""
        live = [s for s in sessions if s.parts.venue.exclusive_account is not None]
        if not any(s.status is not SessionStatus.STOPPED for s in live):
            return "off (no agent trades at Binance)"
        if self.alerts:
            return "degraded: " + "; ".join(sorted(self.alerts.values()))
        return "ok"
