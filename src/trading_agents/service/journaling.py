"""Keep the desk's sessions in the journal, and bring them back after a restart."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal

from pydantic import ValidationError

from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import Clock
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.restart import (
    AccountHistory,
    AccountSnapshot,
    restore_account,
    snapshot_account,
)
from trading_agents.events.stream import AccountStream
from trading_agents.events.types import IntentSettled, IntentState, IntentStored
from trading_agents.journal import rows
from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.codec import CodecError
from trading_agents.journal.reading import StoredSession
from trading_agents.journal.store import Journal, JournalBatch
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.orders import OrderIntent
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.service.stored_types import make_codec
from trading_agents.venues.port import AccountVenue

KEEP_DECISIONS = 1_000  # per session, in memory and read back at a restart

# (profile, account id, starting equity, started at, resuming a stored session)
OpenSession = Callable[[AgentProfile, str, Decimal, int, bool], Awaitable[AgentSession]]


class SessionIntents:
    """A session's order intents: stored before they are sent, settled on its stream."""

    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        codec_dumps: Callable[[object], str],
        stream: AccountStream,
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._dumps = codec_dumps
        self._stream = stream
        self.session_id = 0  # set once the session is stored; nothing is sent before

    async def before_send(self, intent: OrderIntent, attached: Sequence[OrderIntent]) -> None:
        """Store the intent in its own transaction before the order goes out."""
        row = {
            "session_id": self.session_id,
            "client_order_id": intent.client_order_id,
            "symbol": intent.symbol,
            "state": "pending",
            "created_ms": self._clock.now_ms(),
            "settled_ms": None,
            "detail": "",
            "body": self._dumps((intent, tuple(attached))),
        }
        await self._journal.save(JournalBatch(intents=[row]))
        self._stream.publish(IntentStored(intent.client_order_id, intent.symbol))

    def answered(self, client_order_id: str, accepted: bool, detail: str) -> None:
        """Settle the intent with the venue's answer, journaled with the next write."""
        self.settle(client_order_id, "sent" if accepted else "refused", detail)

    def settle(self, client_order_id: str, state: IntentState, detail: str) -> None:
        """Note how an intent ended: sent, refused, or lost in a crash."""
        self._stream.publish(IntentSettled(client_order_id, state, detail))


class SessionJournal:
    """Write what sessions did to the journal; read them back as they were."""

    def __init__(self, journal: Journal, instruments: InstrumentRegistry) -> None:
        self.journal = journal
        self.codec = make_codec(instruments)

    def intents(self, clock: Clock, stream: AccountStream) -> SessionIntents:
        """Return the intent log a new session's gateway stores its orders in."""
        return SessionIntents(self.journal, clock, self.codec.dumps, stream)

    async def start(self, session: AgentSession, continues: int | None = None) -> None:
        """Store a started session: its settings, its state and what its stream holds.

        `continues` is the journal id of the stopped session whose books it goes on with:
        that row takes the new settings and keeps its history. The stream holds the money
        the session opened with (a deposit, or the difference a continued one was brought
        to its starting equity by).
        """
        row = {
            "agent": session.agent,
            "account_id": session.account_id,
            "status": str(session.status),
            "symbols": ",".join(session.symbols),
            "initial_equity": session.initial_equity,
            "started_ms": session.started_ms,
            "updated_ms": session.started_ms,
            "profile": session.profile.model_dump_json(),
            "snapshot": self.codec.dumps(_snapshot(session)),
        }
        started = AuditEntry(
            session.started_ms,
            "lifecycle",
            session.agent,
            session.account_id,
            {
                "use_case": "start",
                "status": str(session.status),
                "symbols": list(session.symbols),
                "initial_equity": str(session.initial_equity),
                "brain": session.profile.brain,
                "continues": continues is not None,
            },
        )
        events = session.stream.pending

        def first_batch(session_id: int) -> JournalBatch:
            session.journal_id = session_id
            batch = JournalBatch(audit=[started])
            rows.add_events(batch, session, events, self.codec, session.started_ms)
            return batch

        session.journal_id = await self.journal.start_session(row, first_batch, continues)
        if session.intents is not None:
            session.intents.session_id = session.journal_id
        session.journaled(events[-1].seq if events else 0)

    async def save(
        self, sessions: Iterable[AgentSession], now_ms: int, cursor: tuple[int, str] | None
    ) -> None:
        """Write the sessions' events and state, and the cursor, in one transaction."""
        batch = JournalBatch(cursor=cursor)
        written: list[tuple[AgentSession, int]] = []
        for session in sessions:
            through = self._add(batch, session, now_ms)
            if through is not None:
                written.append((session, through))
        if written or cursor is not None:
            await self.journal.save(batch)
        for session, through in written:
            session.journaled(through)

    def _add(self, batch: JournalBatch, session: AgentSession, now_ms: int) -> int | None:
        """Add a session's unwritten events and its state; return the last event's number."""
        if not (session.dirty or session.stream.has_pending):
            return None
        events = session.stream.pending
        rows.add_events(batch, session, events, self.codec, now_ms)
        batch.sessions.append(
            {
                "id": session.journal_id,
                "status": str(session.status),
                "updated_ms": now_ms,
                "snapshot": self.codec.dumps(_snapshot(session)),
            }
        )
        return events[-1].seq if events else 0

    async def revive(self, stored: StoredSession, open_session: OpenSession) -> AgentSession:
        """Rebuild a stored session: fresh parts, then its state and history put back.

        A session at a real venue is not reconnected here: see `reconnect`.
        """
        row = stored.row
        where = f"{row['agent']} on account {row['account_id']!r} (session {row['id']})"
        try:
            profile = AgentProfile.model_validate(json.loads(row["profile"]))
        except ValidationError as error:
            raise ConfigurationError(
                f"cannot restore {where}: the profile it was started with no longer"
                f" validates: {error}"
            ) from None
        session = await open_session(
            profile, row["account_id"], row["initial_equity"], int(row["started_ms"]), True
        )
        symbols = ",".join(session.symbols)
        if symbols != row["symbols"]:
            raise ConfigurationError(
                f"cannot restore {where}: it traded {row['symbols']}, but the market data now"
                f" serves only {symbols or 'none of them'}"
            )
        try:
            self._put_back(session, stored)
        except (CodecError, ValueError) as error:
            await _close_venue(session)
            raise ConfigurationError(f"cannot restore {where}: {error}") from None
        session.status = SessionStatus(row["status"])
        session.journal_id = int(row["id"])
        session.journaled(session.stream.seq)  # assembling it published nothing new to keep
        if session.intents is not None:
            session.intents.session_id = session.journal_id
        return session

    async def reconnect(
        self, session: AgentSession, venue: AccountVenue, stored: StoredSession
    ) -> list[str]:
        """Settle a started venue's pending intents by their ids, then reconcile it.

        Runs before the session may send anything: an intent the venue holds is `sent` and
        its fills are booked; one it never heard of is `lost`. Returns the venue's repairs.
        """
        intents = session.intents
        if intents is None:
            raise ValueError(f"{session.agent}: a service session keeps its intents")
        pending: list[tuple[OrderIntent, Sequence[OrderIntent]]] = []
        for cid in stored.pending_intents:
            body = stored.intent_bodies.get(cid)
            if body is None:
                intents.settle(cid, "lost", "its stored intent has no body to send it from")
                continue
            try:
                intent, attached = self.codec.loads(body)
            except (CodecError, TypeError, ValueError) as error:
                if venue.exclusive_account is not None:
                    # An exchange may hold it, with exits to place: refuse rather than guess.
                    raise CodecError(
                        f"the pending intent {cid} cannot be read back ({error!r}), so it"
                        " cannot be settled with the exchange"
                    ) from None
                # A venue of the account's own came back from the journal with its books:
                # the order cache holds every order it took.
                held = session.parts.account.orders.venue_order_id(cid) != ""
                detail = "its stored intent could not be read back; the venue " + (
                    "holds it" if held else "never held it"
                )
                intents.settle(cid, "sent" if held else "lost", detail)
                continue
            pending.append((intent, attached))
        for cid, (state, detail) in (await venue.settle_after_restart(pending)).items():
            intents.settle(cid, state, detail)
        return await venue.reconcile()

    def _put_back(self, session: AgentSession, stored: StoredSession) -> None:
        """Put the stored snapshot, orders, trips, marks and decisions into fresh parts."""
        snapshot = self.codec.loads(stored.row["snapshot"])
        if not isinstance(snapshot, AccountSnapshot):
            raise CodecError("its stored state is not an account snapshot")
        history = AccountHistory(
            orders=[self.codec.loads(order["body"]) for order in stored.orders],
            venue_ids={
                order["client_order_id"]: order["venue_order_id"] for order in stored.orders
            },
            trips=[self.codec.loads(trip["body"]) for trip in stored.trips],
            marks=[
                EquityPoint(int(mark["ts_ms"]), mark["equity"], mark["net_deposits"])
                for mark in stored.marks
            ],
        )
        parts = session.parts
        restore_account(parts.account, parts.venue, snapshot, history, parts.brain)
        parts.venue.resume(
            [
                (order, history.venue_ids.get(order.client_order_id, ""), attached)
                for order in history.orders
                for attached in [self._attached(stored, order.client_order_id)]
            ],
            stored.booked_trades,
        )
        session.decisions.records = [self.codec.loads(d["body"]) for d in stored.decisions]

    def _attached(self, stored: StoredSession, client_order_id: str) -> Sequence[OrderIntent]:
        """Return the exits an order's stored intent carries, to place once it fills."""
        body = stored.intent_bodies.get(client_order_id)
        if body is None:
            return ()
        _, attached = self.codec.loads(body)
        return tuple(attached)


async def _close_venue(session: AgentSession) -> None:
    await session.parts.venue.close()


def _snapshot(session: AgentSession) -> AccountSnapshot:
    parts = session.parts
    return snapshot_account(parts.account, parts.venue, parts.brain)
