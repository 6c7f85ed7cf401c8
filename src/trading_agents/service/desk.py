"""The trading desk: every running agent account on one market-data stream and one kernel."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from uuid import uuid4

from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.state import DecisionState
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import MS_PER_DAY, SimulatedClock
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.assembly import (
    AccountNotReady,
    AccountParts,
    BinanceAccountParts,
    EquityMismatch,
    SimAccountParts,
    make_brain,
    sim_account,
)
from trading_agents.engine.kernel import Kernel
from trading_agents.engine.moments import moments
from trading_agents.engine.restart import continue_account
from trading_agents.events.sinks import PublishedDecisions
from trading_agents.events.stream import EventHub
from trading_agents.events.types import CashFlowBooked, LifecycleChanged
from trading_agents.journal.platform import DaySnapshot, day_of
from trading_agents.journal.reading import StoredDesk, StoredSession
from trading_agents.journal.store import JournalUnavailable
from trading_agents.market.candles import Candle
from trading_agents.market.view import LiveMarket
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.signals import Signal, SignalAction
from trading_agents.portfolio.ledger import InsufficientFunds
from trading_agents.service.background import cancel
from trading_agents.service.binance_account import BinanceAccount
from trading_agents.service.errors import Conflict, Invalid, NotFound, Unavailable
from trading_agents.service.journal_keeper import JournalKeeper
from trading_agents.service.journaling import KEEP_DECISIONS, SessionJournal
from trading_agents.service.market import MarketSource
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.venues.errors import VenueError
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.venue import SimVenue

if TYPE_CHECKING:  # ccxt is imported only where Binance is traded
    from trading_agents.venues.binance.venue import BinanceVenue

log = logging.getLogger(__name__)
HISTORY_CANDLES = 4_000  # per symbol: enough 1m candles to warm up a 15m agent's indicators
VenueKind = Literal["paper", "binance"]


def keep_out_of_collections() -> None:
    """Move what lives now (the sessions) out of the garbage collector's reach.

    A full collection scans every object: with a thousand sessions that is a third of a
    second in which no call is answered. Sessions live as long as the service, so they go
    to the permanent generation; what requests make and drop is still collected.
    """
    gc.freeze()


class TradingDesk:
    """Start, steer and read agents, each on its own account, trading one shared stream."""

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
        binance: Callable[[], BinanceVenue] | None = None,
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
        self.binance = BinanceAccount(binance)
        self.mode = mode  # where agents trade, as health says it
        self.events = EventHub(source.clock)  # every account's stream, for the desk's consumers
        driven = source.clock if isinstance(source.clock, SimulatedClock) else None
        self.kernel = Kernel(driven if source.drives_clock else None, [], pause=self._let_others_in)
        self.sessions: dict[tuple[str, str], AgentSession] = {}
        self.market_state = "starting"
        self.market_error = ""
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

    # -- the market stream ------------------------------------------------------------------

    def start_market(self) -> None:
        """Start consuming the market stream in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._consume(), name="market-data")

    async def close(self) -> None:
        """Stop the market stream, close the exchange connections, then the journal."""
        await cancel(self._task)
        self._task = None
        await self.close_venues()
        await self.keeper.close()
        await self.journal.journal.close()

    async def close_venues(self) -> None:
        """Close every exchange connection the sessions hold (closing twice is harmless)."""
        for session in self.sessions.values():
            await self.binance.close(session)

    async def _consume(self) -> None:
        try:
            self.market_state = "streaming"
            async for moment in moments(self.source.feed, self.symbols):
                await self.step(moment)
            self.market_state = "ended"
            log.warning("market data ended: %s", self.source.description)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.market_state = "failed"
            self.market_error = repr(error)
            log.exception("market data stream failed")

    async def step(self, moment: Sequence[Candle]) -> None:
        """Trade one moment's candles on every account, then journal what changed."""
        async with self._lock:
            for candle in moment:
                self._history[candle.symbol].append(candle)
            close_ms = moment[0].close_ms
            last = self.kernel.last_close_ms
            if last is not None and close_ms <= last:
                # Stepped before a restart: the agents' indicators see it, nothing trades.
                self._show_past(moment)
                return
            await self.kernel.step(close_ms, moment)
            await self._save(self.sessions.values())
            if close_ms % MS_PER_DAY == 0:
                await self.snapshot_days()  # the UTC day just closed, for every account

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

    def _show_past(self, moment: Sequence[Candle]) -> None:
        for candle in moment:
            # After a restart on live data, the backfill is the only price there is yet.
            self.kernel.marks[candle.symbol] = candle.close
        for session in self.sessions.values():
            for candle in moment:
                if candle.symbol in session.symbols:
                    session.market.on_candle(candle)

    # -- the journal ------------------------------------------------------------------------

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
            if isinstance(session.parts, BinanceAccountParts):
                # A live venue reports at any time: what the journal writes of its orders
                # and funding is booked first, with no await between the two.
                account = session.parts.account
                account.late_changes |= account.settle(self.marks_for(session))
        await self.keeper.save(sessions, cursor)

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
        if not any(account == account_id for _, account in self.sessions):
            raise NotFound(f"no agent has been started on account {account_id!r}")
        if self.journal.journal.degraded:
            raise Unavailable("the journal's database cannot be reached; snapshots wait for it")
        return await self.snapshot_days(account_id)

    async def restore(self, stored: StoredDesk) -> None:
        """Bring back the sessions the journal holds, where the last run left them.

        A session trading at Binance reconnects, settles the intents the last run left
        pending and reconciles with the exchange before it may decide anything.
        """
        if stored.last_close_ms is not None:
            self.kernel.last_close_ms = stored.last_close_ms
        for found in stored.sessions:
            session = await self.journal.revive(found, self._open)
            # An agent whose profile file has gone stays reachable with the settings it had.
            self.profiles.setdefault(session.agent, session.profile)
            key = (session.agent, session.account_id)
            self.sessions[key] = session
            if isinstance(session.parts, BinanceAccountParts):
                await self._reconnect(session, session.parts.venue, found)
            self.kernel.add(session.parts.account)
            log.info(
                "restored %s on account %s: %s, %d open position(s)",
                session.agent,
                session.account_id,
                session.status,
                len(session.parts.account.positions()),
            )
        keep_out_of_collections()

    async def _reconnect(
        self, session: AgentSession, venue: BinanceVenue, stored: StoredSession
    ) -> None:
        """Start a restored Binance session: settle what was pending, book what it missed."""
        if session.status is SessionStatus.STOPPED:
            return  # nothing of it trades any more: its orders are read from the journal
        holder = self.binance.holder(self.sessions, exclude=(session.agent, session.account_id))
        where = f"{session.agent} on account {session.account_id!r}"
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
            await venue.close()
            raise ConfigurationError(
                f"cannot restore {where}: Binance could not be reconciled ({error}); no new"
                " order was sent. Start the service again once Binance answers"
            ) from None
        except BaseException:
            await venue.close()
            raise
        for repair in repairs:
            log.warning("%s after the restart: %s", where, repair)
        await self._save([session])  # books what reconciliation found, then writes it

    def marks_for(self, session: AgentSession) -> dict[str, Decimal]:
        """Return the latest marks, entry prices standing in for those not streamed yet."""
        ledger = session.parts.account.portfolio.ledger
        marks = {p.symbol: p.entry_price for p in ledger.open_positions()}
        marks.update(self.kernel.marks)
        return marks

    # -- use cases --------------------------------------------------------------------------

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

    async def start(
        self, agent: str, account_id: str, initial_equity: Decimal, brain: str | None = None
    ) -> AgentSession:
        """Start an agent on an account with its starting equity; 409 if it already runs.

        `brain` (rules or llm) overrides the profile's, for this session.
        """
        profile = self.profile(agent)
        if brain is not None and brain != profile.brain:
            profile = profile.model_copy(update={"brain": brain})
        # Pinned in the stored profile: a restart restores the session where it traded,
        # whatever VENUE says then.
        profile = profile.model_copy(update={"venue": self._venue_of(profile)})
        if initial_equity <= 0:
            raise Invalid(f"initial_equity must be above zero, got {initial_equity}")
        async with self._lock:
            existing = self.sessions.get((agent, account_id))
            if existing is not None and existing.status is not SessionStatus.STOPPED:
                raise Conflict(f"{agent} is already {existing.status} on account {account_id!r}")
            if existing is not None and "binance" in (profile.venue, existing.profile.venue):
                raise Conflict(
                    f"{agent} on account {account_id!r} has a stopped session at"
                    f" {existing.profile.venue or 'paper'}: a new start goes on with its books,"
                    " which is done for paper sessions only so far; start it on another account"
                )
            if profile.venue == "binance":  # pinned above
                holder = self.binance.holder(self.sessions)
                if holder is not None:
                    raise Conflict(
                        f"{holder.agent} on account {holder.account_id!r} already trades the"
                        " Binance account; one agent trades a Binance account at a time"
                    )
            if existing is None:
                session = await self._open_new(profile, account_id, initial_equity)
                deposit = CashFlowBooked(
                    f"start-{session.started_ms}", "deposit", session.initial_equity
                )
                session.stream.publish(deposit)
            else:
                session = await self._continue(existing, profile, initial_equity)
            continues = None if existing is None else existing.journal_id
            try:
                await self.journal.start(session, continues)
            except BaseException as error:
                await self.binance.close(session)  # never left connected with no session
                if isinstance(error, JournalUnavailable):
                    raise Unavailable(str(error)) from None
                raise
            if existing is not None:
                self.kernel.remove(existing.parts.account)
            self.sessions[(agent, account_id)] = session
            self.kernel.add(session.parts.account)
        keep_out_of_collections()
        log.info("started %s on account %s with %s USDT", agent, account_id, initial_equity)
        return session

    async def _continue(
        self, previous: AgentSession, profile: AgentProfile, equity: Decimal
    ) -> AgentSession:
        """Start again on a stopped paper account: its books go on, brought to `equity`.

        The wallet, positions, open orders, round trips, marks, decisions and kill switch
        carry over; the difference between `equity` and the wallet is booked as a deposit or
        a withdrawal, so the platform's ledger and the books tell one story.
        """
        old = previous.parts
        if not isinstance(old, SimAccountParts):
            raise Conflict(f"{previous.agent} on account {previous.account_id!r} is not paper")
        old.account.settle(self.marks_for(previous))
        await self._save([previous])  # what it booked last is journaled before it goes on
        now = self.clock.now_ms()
        session = await self._open(profile, previous.account_id, equity, now, True)
        held = {p.symbol for p in old.account.portfolio.ledger.open_positions()}
        held |= {order.symbol for order in await old.venue.open_orders()}
        dropped = sorted(held - set(session.symbols))
        if dropped:
            raise Conflict(
                f"{profile.name} on account {previous.account_id!r} holds {', '.join(dropped)},"
                " which its profile no longer trades: stop it closing its positions first"
            )
        parts = session.parts
        if not isinstance(parts, SimAccountParts):
            raise Conflict(f"{profile.name} on account {previous.account_id!r} is not paper")
        continue_account(old, parts)
        parts.account.runner.paused = False  # the stopped runner's pause ends with the start
        session.decisions.records = list(previous.decisions.records)
        change = equity - parts.account.portfolio.ledger.wallet_balance
        if change == 0:
            return session
        try:
            self._book_cash_flow(session, parts.venue, change)
        except InsufficientFunds as error:
            raise Invalid(
                f"initial_equity {equity} would withdraw {-change} USDT from the account's"
                f" books: {error}"
            ) from None
        # An id of its own: in a replay two starts can fall on the same simulated moment.
        flow_id = f"start-{uuid4().hex}"
        if change > 0:
            session.stream.publish(CashFlowBooked(flow_id, "deposit", change))
        else:
            session.stream.publish(CashFlowBooked(flow_id, "withdrawal", -change))
        return session

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
        stream = self.events.stream(profile.name, account_id)
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
            if history and isinstance(parts, SimAccountParts):
                # The venue needs a last price to take orders before the next candle.
                parts.venue.on_candle(history[-1])
        parts.venue.take_reports()
        session = AgentSession(
            profile, account_id, symbols, equity, parts, market, decisions, started_ms, stream
        )
        session.intents = intents
        if isinstance(parts, BinanceAccountParts) and not resuming:
            self.binance.watch(session, parts.venue)
            # The books open at the exchange's wallet, which initial_equity was checked against.
            session.initial_equity = parts.account.portfolio.ledger.wallet_balance
        return session

    def _venue_of(self, profile: AgentProfile) -> VenueKind:
        return profile.venue or self.venue

    def venue_state(self) -> str:
        """Say how the exchange connections are: off, ok, or degraded with the reason."""
        return self.binance.state(self.sessions.values())

    async def pause(self, agent: str, account_id: str) -> AgentSession:
        """Stop new decisions; open positions keep their stops at the venue."""
        async with self._lock:
            session = self._move(agent, account_id, "pause")
            await self._save([session])
        return session

    async def resume(self, agent: str, account_id: str) -> AgentSession:
        """Let a paused agent decide again."""
        async with self._lock:
            session = self._move(agent, account_id, "resume")
            await self._save([session])
        return session

    def _move(self, agent: str, account_id: str, use_case: str) -> AgentSession:
        session = self.session(agent, account_id)
        try:
            session.move(use_case)
        except ValueError as error:
            raise Conflict(f"cannot {use_case}: {error}") from None
        session.stream.publish(LifecycleChanged(use_case, str(session.status)))
        log.info("%s %s on account %s", use_case, agent, account_id)
        return session

    async def stop(self, agent: str, account_id: str, keep_positions: bool) -> AgentSession:
        """Stop the agent: close its positions at market, then cancel its open orders.

        Positions go first, so that a close the venue refuses leaves them with their exits;
        the agent then keeps running and the call answers why. Only a stop that did all it
        had to moves the agent to stopped.
        """
        async with self._lock:
            session = self.session(agent, account_id)
            if not session.allows("stop"):
                raise Conflict(
                    f"cannot stop: {agent} on account {account_id!r} is {session.status}"
                )
            account, venue = session.parts.account, session.parts.venue
            try:
                if not keep_positions:
                    await self._close_all(session)
                    left = sorted(account.positions())
                    if left:
                        await self._save([session])
                        raise Conflict(
                            f"{agent} on account {account_id!r} could not close"
                            f" {', '.join(left)} (its decisions say why); it keeps running,"
                            " its stops in place"
                        )
                for order in await venue.open_orders():
                    if not keep_positions or not order.reduce_only:
                        await venue.cancel(order.symbol, order.client_order_id)
            except VenueError as error:
                await self._save([session])  # what was done is journaled
                raise Unavailable(
                    f"{agent} on account {account_id!r} could not be stopped: the venue did not"
                    f" answer ({error}); it keeps running. Try again"
                ) from None
            account.settle(self.marks_for(session))
            self._move(agent, account_id, "stop")
            await self._save([session])
            # Nothing of a stopped session trades: its exchange connection goes (kept
            # positions keep their exits at Binance).
            await self.binance.close(session)
        return session

    async def _close_all(self, session: AgentSession) -> None:
        """Close every open position at market, as forced decisions of the agent."""
        account = session.parts.account
        for symbol in list(account.positions()):
            close = Decision(Action.CLOSE, symbol, "the agent was stopped: closing")
            await account.runner.decide(
                symbol,
                DecisionTrigger.POSITION,
                account.account_state(self.marks_for(session)),
                account.positions(),
                forced=close,
            )
            self._fill_now(session)
            account.settle(self.marks_for(session))

    async def decide_on_signal(self, agent: str, account_id: str, signal: Signal) -> DecisionState:
        """Let a running agent decide at once on a validated signal (see SignalIntake)."""
        session = self.session(agent, account_id)
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

    async def deposit(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Credit the agent's account: the venue, the books and the risk engine's references."""
        session, venue = self._paper_session(agent, account_id, "deposit")
        if amount <= 0:
            raise Invalid(f"a deposit must be above zero, got {amount}")
        async with self._lock:
            self._book_cash_flow(session, venue, amount)
            await self._journal_cash_flow(session, "deposit", amount)
        log.info("deposit of %s USDT to %s on account %s", amount, agent, account_id)
        return session

    async def withdraw(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Debit the agent's account; only money no position or order holds may leave."""
        session, venue = self._paper_session(agent, account_id, "withdrawal")
        if amount <= 0:
            raise Invalid(f"a withdrawal must be above zero, got {amount}")
        async with self._lock:
            try:
                self._book_cash_flow(session, venue, -amount)
            except InsufficientFunds as error:
                raise Invalid(str(error)) from None
            await self._journal_cash_flow(session, "withdrawal", amount)
        log.info("withdrawal of %s USDT from %s on account %s", amount, agent, account_id)
        return session

    @staticmethod
    def _book_cash_flow(session: AgentSession, venue: SimVenue, amount: Decimal) -> None:
        """Move money in (above zero) or out of a paper account: venue, books, risk engine.

        A withdrawal the venue refuses (InsufficientFunds) moves nothing. The risk engine
        hears of a cash flow before the books move, so the new equity is not a gain or loss.
        """
        account = session.parts.account
        if amount < 0:
            venue.withdraw(-amount)
            account.risk.record_cash_flow(amount)
            account.portfolio.withdraw(-amount)
        else:
            account.risk.record_cash_flow(amount)
            venue.deposit(amount)
            account.portfolio.deposit(amount)

    def _paper_session(
        self, agent: str, account_id: str, use_case: str
    ) -> tuple[AgentSession, SimVenue]:
        """Return a session whose money the service moves: a Binance account's moves at Binance."""
        session = self.session(agent, account_id)
        if not isinstance(session.parts, SimAccountParts):
            raise Conflict(
                f"{agent} on account {account_id!r} trades at Binance: a {use_case} is a"
                " transfer at Binance, which reconciliation books when it sees the wallet change"
            )
        return session, session.parts.venue

    async def _journal_cash_flow(self, session: AgentSession, kind: str, amount: Decimal) -> None:
        """Write a deposit or withdrawal with an id of its own: a retry posts it once."""
        if kind == "deposit":
            session.stream.publish(CashFlowBooked(uuid4().hex, "deposit", amount))
        else:
            session.stream.publish(CashFlowBooked(uuid4().hex, "withdrawal", amount))
        await self._save([session])

    def _fill_now(self, session: AgentSession) -> None:
        """Fill what a signal or a stop sent at the latest price, not at the next candle.

        Orders decided at a candle's close fill at the next candle's open, as in a backtest;
        an order sent between candles has no next candle to wait for on a live venue.
        """
        parts = session.parts
        if not isinstance(parts, SimAccountParts):
            return  # a real venue's orders fill there: their fills are booked as they come
        prices = {s: self.kernel.marks[s] for s in session.symbols if s in self.kernel.marks}
        parts.venue.fill_waiting(self.clock.now_ms(), prices)

    def running(self) -> int:
        """Return how many agent sessions are running."""
        return sum(1 for s in self.sessions.values() if s.status is SessionStatus.RUNNING)
