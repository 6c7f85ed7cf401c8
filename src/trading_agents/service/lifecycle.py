"""An agent's life on an account: start (afresh or going on), pause, resume, stop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from uuid import uuid4

from trading_agents.config.profiles import AgentProfile
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.restart import continue_account
from trading_agents.events.types import (
    CashFlowBooked,
    LifecycleChanged,
    RiskReset,
    RiskStateChanged,
    Safety,
)
from trading_agents.journal.codec import CodecError
from trading_agents.journal.store import JournalUnavailable
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import ExitReason
from trading_agents.service.desk_base import keep_out_of_collections
from trading_agents.service.errors import Conflict, Invalid, Unavailable
from trading_agents.service.journaling import KEEP_DECISIONS
from trading_agents.service.opening import Opening
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.venues.errors import VenueError

log = logging.getLogger(__name__)


class Lifecycle(Opening):
    """Start, pause, resume and stop agents on accounts, through one transition table."""

    async def start(
        self, agent: str, account_id: str, initial_equity: Decimal, brain: str | None = None
    ) -> AgentSession:
        """Start an agent on an account with its starting equity; 409 if it already runs.

        `brain` (rules or llm) overrides the profile's, for this session.
        """
        return await self._start(agent, account_id, initial_equity, brain)

    async def _start(
        self,
        agent: str,
        account_id: str,
        initial_equity: Decimal,
        brain: str | None,
        opened: Callable[[AgentSession], None] | None = None,
    ) -> AgentSession:
        """Start a session; `opened` may publish what is stored with its start, atomically."""
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
            if existing is not None and self._venue_of(existing.profile) != profile.venue:
                raise Conflict(
                    f"{agent} on account {account_id!r} traded at"
                    f" {self._venue_of(existing.profile)}: a new start goes on with its books"
                    f" there, not at {profile.venue}"
                )
            if profile.venue == "binance":  # pinned above
                at = (await self.binance.config_for(profile, account_id)).account
                holder = self.binance.holder(self.sessions, at)
                if holder is not None:
                    raise Conflict(
                        f"{holder.agent} on account {holder.account_id!r} already trades the"
                        f" Binance account ({at}); one agent trades a Binance account at a time"
                    )
            if existing is None:
                session = await self._open_new(profile, account_id, initial_equity)
                deposit = CashFlowBooked(
                    f"start-{session.started_ms}", "deposit", session.initial_equity
                )
                session.stream.publish(deposit)
                if opened is not None:
                    opened(session)
            elif existing.parts.venue.exclusive_account is not None:
                session = await self._continue_at_exchange(existing, profile, initial_equity)
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
            session.stream.release()
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
        continue_account(old, parts)
        session.decisions.records = list(previous.decisions.records)
        change = equity - parts.account.portfolio.ledger.wallet_balance
        if change == 0:
            return session
        try:
            # An id of its own: in a replay two starts can fall on the same simulated moment.
            self._move_money(session, change, f"start-{uuid4().hex}")
        except Invalid as error:
            raise Invalid(
                f"initial_equity {equity} would withdraw {-change} USDT from the account's"
                f" books: {error}"
            ) from None
        return session

    async def _continue_at_exchange(
        self, previous: AgentSession, profile: AgentProfile, equity: Decimal
    ) -> AgentSession:
        """Start again on a stopped account at an exchange: its books go on from the journal.

        The session comes back as a restart brings it (its state, its orders with their
        exits, the trades it booked); the venue connects, settles and reconciles what
        happened while it was stopped (an exit that filled, a transfer). Money moves by
        transfers at the exchange, so `equity` must then be the wallet the books hold.
        """
        key = (previous.agent, previous.account_id)
        traded = previous.parts.venue.exclusive_account
        now_at = (await self.binance.config_for(profile, previous.account_id)).account
        if now_at != traded:
            raise Conflict(
                f"{previous.agent} on account {previous.account_id!r} traded the Binance"
                f" {traded}, but its keys now open the {now_at}: its books cannot go on"
                " there; register the keys it traded with, or start it on another account"
            )
        other = self.binance.holder(self.sessions, traded, exclude=key, stopped_too=True)
        if other is not None:
            # The exchange account may have traded for the other since: its positions, exits
            # and money are not this agent's books any more.
            raise Conflict(
                f"{other.agent} on account {other.account_id!r} has traded the same exchange"
                f" account since: {previous.agent} cannot go on with its books on account"
                f" {previous.account_id!r}; start it on another account"
            )
        if self.journal.journal.degraded:
            raise Unavailable("the journal's database cannot be reached; a start waits for it")
        await self._save([previous])  # what it booked last is journaled before it goes on
        stored = await self.journal.journal.load_session(previous.journal_id, KEEP_DECISIONS)
        stored.row = {
            **stored.row,
            "profile": profile.model_dump_json(),
            "status": str(SessionStatus.RUNNING),
            "initial_equity": equity,
        }
        try:
            session = await self.journal.revive(stored, self._open)
        except ConfigurationError as error:
            raise Conflict(str(error)) from None
        session.started_ms = self.clock.now_ms()  # this start's (the row keeps the first)
        session.parts.account.runner.paused = False  # the stopped runner's pause ends here
        try:
            await self._reconnect(session, stored, save=False)  # the start writes it all
        except ConfigurationError as error:  # the venue is closed again by then
            raise Unavailable(str(error)) from None
        except CodecError as error:
            raise Conflict(f"{previous.agent} cannot go on with its books: {error}") from None
        wallet = session.parts.account.portfolio.ledger.wallet_balance
        if equity != wallet:
            await self.binance.close(session)
            raise Invalid(
                f"{profile.name} on account {previous.account_id!r} goes on with its books at"
                f" {session.parts.venue.mode}, whose wallet holds {wallet} USDT:"
                f" initial_equity must be {wallet}, not {equity} (money moves by transfers"
                " there)"
            )
        return session

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

    async def reset(self, agent: str, account_id: str, what: Safety, reason: str) -> AgentSession:
        """Reset a tripped kill switch or an open circuit breaker, with a person's reason.

        The kill switch measures drawdown afresh from the equity now. Refused (409) when the
        safety is not tripped: a reset is a decision about a halt, never a formality.
        """
        reason = reason.strip()
        if not reason:
            raise Invalid("a reset needs a reason a person wrote")
        async with self._lock:
            session = self.book_of(agent, account_id)  # a pooled account's: its book's
            risk = session.parts.account.risk
            before = risk.state
            if what == "kill_switch":
                if not risk.kill_switch_tripped:
                    raise Conflict(f"{agent} on {account_id}: the kill switch is not tripped")
                risk.reset_kill_switch()
            else:
                if not risk.circuit_breaker_open:
                    raise Conflict(f"{agent} on {account_id}: the circuit breaker is not open")
                risk.reset_circuit_breaker()
            session.stream.publish(RiskReset(what, reason))
            if risk.state is not before:
                session.stream.publish(RiskStateChanged(risk.state, before))
            log.warning("%s on %s: %s reset by a person: %s", agent, account_id, what, reason)
            await self._save([session])
        return session

    def _move(self, agent: str, account_id: str, use_case: str) -> AgentSession:
        session = self.session(agent, account_id)
        if session.repeats(use_case):
            return session  # already so: nothing to do, nothing to journal
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
            if session.repeats("stop"):
                return session  # stopped already: a repeat is answered with the state
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

    async def close_position(self, agent: str, account_id: str, symbol: str) -> AgentSession:
        """Close one position at market, as a forced decision of the agent a person asked for.

        The close passes the risk engine like any order (reduce-only: always allowed); its
        decision record says who asked. A stopped agent's kept positions are closed by
        starting it again: its venue connection is gone.
        """
        async with self._lock:
            session = self.book_of(agent, account_id)  # a pooled account's: its book's
            if session.status is SessionStatus.STOPPED:
                raise Conflict(
                    f"{agent} on account {account_id!r} is stopped: start it again to close"
                    " what it kept"
                )
            account = session.parts.account
            if symbol not in account.positions():
                raise Conflict(f"{agent} on account {account_id!r} holds no {symbol} position")
            await self._close_at_market(
                session, symbol, "a person asked to close this position", ExitReason.MANUAL
            )
            await self._save([session])
            if symbol in account.positions():
                raise Conflict(
                    f"{agent} on account {account_id!r} could not close {symbol}: its decision"
                    " says why; the position keeps its stops"
                )
        return session

    async def _close_all(self, session: AgentSession) -> None:
        """Close every open position at market, as forced decisions of the agent."""
        for symbol in list(session.parts.account.positions()):
            await self._close_at_market(
                session, symbol, "the agent was stopped: closing", ExitReason.STOP_COMMAND
            )

    async def _close_at_market(
        self,
        session: AgentSession,
        symbol: str,
        reason: str,
        exit_reason: ExitReason,
        part: Decimal | None = None,
    ) -> None:
        """Close one position (or `part` of it) at market as a forced decision, filled at once."""
        account = session.parts.account
        await account.runner.decide(
            symbol,
            DecisionTrigger.POSITION,
            account.account_state(self.marks_for(session)),
            account.positions(),
            forced=Decision(Action.CLOSE, symbol, reason, quantity=part, exit_reason=exit_reason),
        )
        self._fill_now(session)
        account.settle(self.marks_for(session))
