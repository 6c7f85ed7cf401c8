"""The desk's shared parts: its sessions, kernel, journal and lock, and their helpers."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Literal
from uuid import uuid4

from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import LiveClock, SimulatedClock
from trading_agents.engine.driver import KernelDriver
from trading_agents.engine.kernel import Kernel
from trading_agents.events.stream import EventHub
from trading_agents.events.types import CashFlowBooked
from trading_agents.journal.platform import DaySnapshot, day_of
from trading_agents.market.candles import Candle
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.portfolio.ledger import InsufficientFunds
from trading_agents.service.background import cancel
from trading_agents.service.binance_account import BinanceAccount
from trading_agents.service.errors import Conflict, Invalid, NotFound, Unavailable
from trading_agents.service.journal_keeper import JournalKeeper
from trading_agents.service.journaling import SessionJournal
from trading_agents.service.market import MarketSource
from trading_agents.service.pools import Pool
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.venues.errors import MoneyMovesAtVenue
from trading_agents.venues.sim.config import SimVenueConfig

log = logging.getLogger(__name__)
WALL = LiveClock()  # how late market data is, in real time also while a replay plays
HISTORY_CANDLES = 4_000  # per symbol: enough 1m candles to warm up a 15m agent's indicators
VenueKind = Literal["paper", "binance"]


def keep_out_of_collections() -> None:
    """Move what lives now (the sessions) out of the garbage collector's reach.

    A full collection scans every object: with a thousand sessions that is a third of a
    second in which no call is answered. Sessions live as long as the service, so they go
    to the permanent generation; what requests make and drop is still collected.
    """
    gc.freeze()


class DeskBase:
    """What every part of the desk works with: the sessions, the kernel, the journal, the lock."""

    def __init__(
        self,
        source: MarketSource,
        profiles: Mapping[str, AgentProfile],
        instruments: InstrumentRegistry,
        symbols: Sequence[str],
        journal: SessionJournal,
        venue_config: SimVenueConfig | None = None,
        default_account: str = "default",
        venue: VenueKind = "paper",
        binance: BinanceAccount | None = None,
        mode: str = "paper",
    ) -> None:
        self.source = source
        self.journal = journal
        self.keeper = JournalKeeper(journal, source.clock, lambda: self.sessions.values())
        self.keeper.on_recovered = self.snapshot_days  # the days missed during the outage
        self.default_account = default_account
        self.clock = source.clock
        self.profiles = dict(profiles)
        self.instruments = instruments
        self.symbols = tuple(symbols)
        self.venue_config = venue_config or SimVenueConfig()
        self.venue: VenueKind = venue  # where agents trade whose profile does not say
        self.binance = binance or BinanceAccount()  # the composition root opens Binance
        self.binance.book = self._book_reported
        self.mode = mode  # where agents trade, as health says it
        self.events = EventHub(source.clock)  # every account's stream, for the desk's consumers
        driven = source.clock if isinstance(source.clock, SimulatedClock) else None
        self.kernel = Kernel(driven if source.drives_clock else None, [], pause=self._let_others_in)
        self.driver = KernelDriver(self.kernel, after_restart=True)
        self.sessions: dict[tuple[str, str], AgentSession] = {}
        self.pools: dict[str, Pool] = {}  # the pooled books' owners, by agent
        self.market_phase = "starting"  # starting, streaming, ended or failed
        self.market_error = ""
        self.last_moment_ms: int | None = None  # wall time the last moment (or the start) came
        self.candle_came_ms: dict[str, int] = {}  # wall time each symbol's latest candle came
        # The close of the last moment every agent has seen (a backfill's too): how far along.
        self.stepped_through_ms: int | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._history: dict[str, deque[Candle]] = {
            symbol: deque(maxlen=HISTORY_CANDLES) for symbol in self.symbols
        }
        for symbol, candles in source.history.items():
            self._history[symbol].extend(candles)
            if candles:
                # Orders and reads before the first streamed candle are valued at the last close.
                self.kernel.marks[symbol] = candles[-1].close

    async def close(self) -> None:
        """Stop the market stream, close the exchange connections, then the journal."""
        await cancel(self._task)
        self._task = None
        closing = getattr(self.source.feed, "aclose", None)  # a live feed's HTTP client
        if closing is not None:
            await closing()
        await self.close_venues()
        await self.keeper.close()
        await self.journal.journal.close()

    async def close_venues(self) -> None:
        """Close every exchange connection the sessions hold (closing twice is harmless)."""
        for session in self.sessions.values():
            await self.binance.close(session)

    async def _book_reported(self, session: AgentSession) -> None:
        """Book and journal what a session's live venue reported since it was last settled."""
        async with self._lock:
            await self._save([session])

    async def _let_others_in(self) -> None:
        """Between two accounts' decisions, let waiting use cases (a signal, a stop) run.

        Each account's work in a step is whole by then, and accounts share nothing but the
        marks, so a use case on any account sees a consistent state; the kernel steps the
        accounts it started the step with.
        """
        if self._lock.locked():
            self._lock.release()
            try:
                await asyncio.sleep(0)
            finally:
                await self._lock.acquire()

    async def _save(self, sessions: Iterable[AgentSession]) -> None:
        """Write what changed; the keeper spools it through an outage and shows failures.

        The cursor goes with every write. A use case let in during a step writes its session
        with the step's close: after a crash before the step's own write, the sessions it did
        not write resume after that close too, as if the service had been down for it; no
        session ever sees a candle twice.
        """
        last = self.kernel.last_close_ms
        cursor = (last, self.source.description) if last is not None else None
        sessions = list(sessions)
        for session in sessions:
            # A live venue reports at any time: what the journal writes of its orders and
            # funding is booked first, with no await between the two.
            account = session.parts.account
            account.late_changes |= account.settle_at(functools.partial(self.marks_for, session))
        self._before_save(sessions)  # what the books booked, its consequences in one write
        await self.keeper.save(sessions, cursor)

    def _before_save(self, sessions: list[AgentSession]) -> None:
        """Do what must be written with the sessions' own events (the pooled books' owners)."""

    async def snapshot_days(self, account_id: str | None = None) -> list[DaySnapshot]:
        """Upsert the daily snapshots due up to the market's day (the current one included)."""
        last = self.kernel.last_close_ms
        # A close at 00:00 ends the day before; the day it opens has had nothing yet.
        through = day_of(last - 1) if last is not None else day_of(self.clock.now_ms())
        accounts = None if account_id is None else [account_id]
        try:
            return await self.journal.journal.snapshot_accounts(through, accounts)
        except Exception as error:
            # Missed days are filled in when the journal is back, or at the next start.
            self.keeper.failed(error)
            return []

    async def snapshot_account(self, account_id: str) -> list[DaySnapshot]:
        """Write one account's daily snapshots on demand; 404 for an account never started."""
        owners = (pool.owners for pool in self.pools.values())
        if not any(account == account_id for _, account in self.sessions) and not any(
            account_id in found for found in owners
        ):
            raise NotFound(f"no agent has been started on account {account_id!r}")
        if self.journal.journal.degraded:
            raise Unavailable("the journal's database cannot be reached; snapshots wait for it")
        return await self.snapshot_days(account_id)

    @property
    def market_state(self) -> str:
        """Say how market data is, from facts: `streaming` only while candles come on time."""
        phase, late_after = self.market_phase, self.source.late_after()
        if phase != "streaming" or late_after is None or self.last_moment_ms is None:
            return phase
        quiet_s = (WALL.now_ms() - self.last_moment_ms) / 1000
        if quiet_s > late_after:
            cadence = self.source.feed.cadence_s
            return f"late: no candle for {quiet_s:.0f} s, one is due every {cadence:g} s"
        return phase

    def market_age_s(self) -> dict[str, float]:
        """Return the wall seconds since each symbol's latest candle came, for those that did."""
        now = WALL.now_ms()
        return {symbol: (now - came) / 1000 for symbol, came in self.candle_came_ms.items()}

    def marks_for(self, session: AgentSession) -> dict[str, Decimal]:
        """Return the latest marks, entry prices standing in for those not streamed yet."""
        ledger = session.parts.account.portfolio.ledger
        marks = {p.symbol: p.entry_price for p in ledger.open_positions()}
        marks.update(self.kernel.marks)
        return marks

    def profile(self, agent: str) -> AgentProfile:
        """Return an agent's profile, or raise NotFound naming the known agents."""
        profile = self.profiles.get(agent)
        if profile is None:
            known = ", ".join(sorted(self.profiles))
            raise NotFound(f"unknown agent {agent!r}; known agents: {known}")
        return profile

    def session(self, agent: str, account_id: str) -> AgentSession:
        """Return an agent's session on an account, or raise NotFound."""
        self.profile(agent)
        found = self.sessions.get((agent, account_id))
        if found is None:
            raise NotFound(f"{agent} has not been started on account {account_id!r}")
        return found

    def book_of(self, agent: str, account_id: str, acting: bool = False) -> AgentSession:
        """Return the session that decides for an account (a pooled book's, see PooledReads).

        `acting`: the account asks the session to act (a signal), so it must be running.
        """
        return self.session(agent, account_id)

    def _venue_of(self, profile: AgentProfile) -> VenueKind:
        return profile.venue or self.venue

    def venue_state(self) -> str:
        """Say how the exchange connections are: off, ok, or degraded with the reason."""
        return self.binance.state(self.sessions.values())

    @staticmethod
    def _move_money(session: AgentSession, amount: Decimal, flow_id: str = "") -> None:
        """Move money in (above zero) or out of an account, and publish it as a cash flow.

        The venue goes first: a withdrawal beyond the free money (422) or a venue where money
        moves by a transfer at the exchange (409) moves nothing. The risk engine hears of a
        cash flow before the books move, so the new equity is not a gain or a loss. The flow
        has an id of its own (`flow_id`, or a new one), so the journal posts it once.
        """
        venue, account = session.parts.venue, session.parts.account
        try:
            if amount < 0:
                venue.withdraw(-amount)
            else:
                venue.deposit(amount)
        except InsufficientFunds as error:
            raise Invalid(str(error)) from None
        except MoneyMovesAtVenue as error:
            raise Conflict(
                f"{session.agent} on account {session.account_id!r} trades at {venue.mode}: {error}"
            ) from None
        account.risk.record_cash_flow(amount)
        flow_id = flow_id or uuid4().hex
        if amount < 0:
            account.portfolio.withdraw(-amount)
            session.stream.publish(CashFlowBooked(flow_id, "withdrawal", -amount))
        else:
            account.portfolio.deposit(amount)
            session.stream.publish(CashFlowBooked(flow_id, "deposit", amount))

    def _fill_now(self, session: AgentSession) -> None:
        """Fill what a signal or a stop sent at the latest price, not at the next candle.

        Orders decided at a candle's close fill at the next candle's open, as in a backtest;
        an order sent between candles has no next candle to wait for on a live venue (a real
        venue fills them itself: their fills are booked as they come).
        """
        prices = {s: self.kernel.marks[s] for s in session.symbols if s in self.kernel.marks}
        session.parts.venue.fill_waiting(self.clock.now_ms(), prices)

    def running(self) -> int:
        """Return how many agent sessions are running."""
        return sum(1 for s in self.sessions.values() if s.status is SessionStatus.RUNNING)
