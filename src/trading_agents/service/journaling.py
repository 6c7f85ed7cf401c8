"""Keep the desk's sessions in the journal, and bring them back after a restart."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import ValidationError

from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import Clock
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.assembly import BinanceAccountParts, SimAccountParts
from trading_agents.engine.restart import (
    AccountHistory,
    AccountSnapshot,
    restore_account,
    snapshot_account,
)
from trading_agents.journal.audit import AuditEntry
from trading_agents.journal.codec import CodecError
from trading_agents.journal.reading import Row, StoredSession
from trading_agents.journal.store import Journal, JournalBatch
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.orders import Order, OrderIntent
from trading_agents.model.reports import BalanceAdjustment, FillReport, OrderUpdate
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.service import journal_rows as rows
from trading_agents.service.sessions import AgentSession, CashFlow, SessionStatus
from trading_agents.service.stored_types import make_codec
from trading_agents.venues.errors import OrderNotFound

if TYPE_CHECKING:  # ccxt is imported only where Binance is traded
    from trading_agents.venues.binance.venue import BinanceVenue

KEEP_DECISIONS = 1_000  # per session, in memory and read back at a restart

# (profile, account id, starting equity, started at, resuming a stored session)
OpenSession = Callable[[AgentProfile, str, Decimal, int, bool], Awaitable[AgentSession]]


class SessionIntents:
    """A session's order intents: stored before they are sent, settled with the next write."""

    def __init__(self, journal: Journal, clock: Clock, codec_dumps: Callable[[object], str]):
        self._journal = journal
        self._clock = clock
        self._dumps = codec_dumps
        self.session_id = 0  # set once the session is stored; nothing is sent before
        self.settled: dict[str, Row] = {}  # by client order id, until the next write

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

    def answered(self, client_order_id: str, accepted: bool, detail: str) -> None:
        """Settle the intent with the venue's answer at the next write."""
        self.settle(client_order_id, "sent" if accepted else "refused", detail)

    def settle(self, client_order_id: str, state: str, detail: str) -> None:
        """Note how an intent ended: sent, refused, or lost in a crash."""
        self.settled[client_order_id] = {
            "session_id": self.session_id,
            "client_order_id": client_order_id,
            "symbol": "",
            "state": state,
            "created_ms": self._clock.now_ms(),
            "settled_ms": self._clock.now_ms(),
            "detail": detail,
            "body": "",
        }


class SessionJournal:
    """Write what sessions did to the journal; read them back as they were."""

    def __init__(self, journal: Journal, instruments: InstrumentRegistry) -> None:
        self.journal = journal
        self.codec = make_codec(instruments)

    def intents(self, clock: Clock) -> SessionIntents:
        """Return the intent log a new session's gateway stores its orders in."""
        return SessionIntents(self.journal, clock, self.codec.dumps)

    async def start(
        self, session: AgentSession, opening: CashFlow | None, continues: int | None = None
    ) -> None:
        """Store a started session: settings, state, the money it opened with, an audit record.

        `continues` is the journal id of the stopped session whose books it goes on with;
        `opening` the deposit or withdrawal that brought them to its starting equity.
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

        def first_batch(session_id: int) -> JournalBatch:
            session.journal_id = session_id
            batch = JournalBatch(audit=[started])
            if opening is not None:
                rows.add_cash_flow(batch, session, opening)
            return batch

        session.journal_id = await self.journal.start_session(row, first_batch, continues)
        if session.intents is not None:
            session.intents.session_id = session.journal_id
        session.saved()

    async def save(
        self, sessions: Iterable[AgentSession], now_ms: int, cursor: tuple[int, str] | None
    ) -> None:
        """Write the sessions' news and state, and the cursor, in one transaction."""
        batch = JournalBatch(cursor=cursor)
        written = [session for session in sessions if self._add(batch, session, now_ms)]
        if written or cursor is not None:
            await self.journal.save(batch)
        for session in written:
            session.saved()

    def _add(self, batch: JournalBatch, session: AgentSession, now_ms: int) -> bool:
        changes = session.parts.account.changes
        records = session.decisions.unsaved
        settled = session.intents.settled if session.intents is not None else {}
        if not (session.dirty or changes or records or settled):
            return False
        sid = session.journal_id
        touched: dict[str, None] = {}
        for report in changes.reports if changes is not None else ():
            if isinstance(report, OrderUpdate | FillReport):
                touched[report.client_order_id] = None
            if isinstance(report, FillReport):
                batch.fills.append(rows.fill_row(sid, report))
            elif isinstance(report, BalanceAdjustment) and report.kind == "transfer":
                # Money moved at the exchange: the platform sees it as a deposit or withdrawal.
                kind = "deposit" if report.amount > 0 else "withdrawal"
                flow = CashFlow(report.adjustment_id, kind, abs(report.amount), report.ts_ms)
                rows.add_cash_flow(batch, session, flow)
        if isinstance(session.parts, BinanceAccountParts):
            # Exits placed and statuses heard between reports change orders too.
            touched.update(dict.fromkeys(session.parts.venue.changed_orders()))
        for cid in touched:
            found = _order_of(session, cid)
            if found is not None:  # else a liquidation or a repair: no order of ours
                order, venue_id = found
                batch.orders.append(rows.order_row(sid, order, venue_id, now_ms, self.codec))
        for trip in changes.trips if changes is not None else ():
            rows.add_trip(batch, session, trip, self.codec)
        for point in changes.marks if changes is not None else ():
            batch.marks.append(rows.mark_row(sid, point))
        for record in records:
            rows.add_decision(batch, session, record, self.codec)
        for flow in session.cash_flows:
            rows.add_cash_flow(batch, session, flow)
        batch.audit += session.audit
        batch.intents += settled.values()
        batch.sessions.append(
            {
                "id": sid,
                "status": str(session.status),
                "updated_ms": now_ms,
                "snapshot": self.codec.dumps(_snapshot(session)),
            }
        )
        return True

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
        session.saved()
        if session.intents is not None:
            session.intents.session_id = session.journal_id
        self._settle_simulated(session, stored)  # a real venue's are settled at `reconnect`
        return session

    @staticmethod
    def _settle_simulated(session: AgentSession, stored: StoredSession) -> None:
        """Settle intents stored before a crash whose answer was never journaled.

        The paper venue comes back from the journal: an order it holds was sent; one it does
        not hold was lost with the process before anything filled it.
        """
        if session.intents is None or not isinstance(session.parts, SimAccountParts):
            return
        exchange = session.parts.venue.exchange
        for cid in stored.pending_intents:
            if exchange.holds(cid):
                session.intents.settle(cid, "sent", "found at the venue after a restart")
            else:
                session.intents.settle(
                    cid,
                    "lost",
                    "the process stopped before the venue's answer was journaled;"
                    " the restored paper venue never held it, so nothing was filled",
                )

    async def reconnect(
        self, session: AgentSession, venue: BinanceVenue, stored: StoredSession
    ) -> list[str]:
        """Settle a started real venue's pending intents by their ids, then reconcile it.

        Runs before the session may send anything: an intent Binance holds is `sent` and its
        fills are booked; one it never heard of is `lost`. Returns the venue's repairs.
        """
        intents = session.intents
        if intents is None:
            raise ValueError(f"{session.agent}: a service session keeps its intents")
        pending: list[tuple[OrderIntent, Sequence[OrderIntent]]] = []
        for cid in stored.pending_intents:
            body = stored.intent_bodies.get(cid)
            if body is None:
                intents.settle(cid, "lost", "its stored intent could not be read back")
                continue
            intent, attached = self.codec.loads(body)
            pending.append((intent, attached))
        for cid, state in (await venue.settle(pending)).items():
            detail = (
                "found at Binance by its client order id after a restart"
                if state == "sent"
                else "Binance never received it: the process stopped before sending it"
            )
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
        if isinstance(parts, BinanceAccountParts):
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
    if isinstance(session.parts, BinanceAccountParts):
        await session.parts.venue.close()


def _order_of(session: AgentSession, client_order_id: str) -> tuple[Order, str] | None:
    """Return one of the session's orders, as its venue last knew it, with the venue's id."""
    parts = session.parts
    if isinstance(parts, BinanceAccountParts):
        return parts.venue.order_record(client_order_id)
    exchange = parts.venue.exchange
    try:
        return exchange.order(client_order_id), exchange.venue_order_id(client_order_id)
    except OrderNotFound:
        return None


def _snapshot(session: AgentSession) -> AccountSnapshot:
    parts = session.parts
    return snapshot_account(parts.account, parts.venue, parts.brain)
