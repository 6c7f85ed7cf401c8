"""Keep the desk's sessions in the journal, and bring them back after a restart."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal

from pydantic import ValidationError

from trading_agents.agents.runner import RunnerSnapshot
from trading_agents.agents.state import DecisionRecord, OrderOutcome, RiskCheck
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.restart import (
    AccountHistory,
    AccountSnapshot,
    restore_account,
    snapshot_account,
)
from trading_agents.journal.codec import Codec, CodecError
from trading_agents.journal.store import Journal, JournalBatch, Row, StoredSession
from trading_agents.model import orders as order_types
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, PositionSide, Side
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.positions import Position
from trading_agents.model.reports import FillReport, OrderUpdate
from trading_agents.model.requests import OrderRequest
from trading_agents.model.signals import Signal, SignalAction
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.ledger import LedgerSnapshot
from trading_agents.portfolio.portfolio import PortfolioSnapshot
from trading_agents.portfolio.trades import OpenTrip, RoundTrip
from trading_agents.risk.state import RiskSnapshot
from trading_agents.risk.verdicts import Approved, DenialCode, Denied
from trading_agents.service.sessions import AgentSession, SessionStatus
from trading_agents.venues.sim.exchange import ExchangeSnapshot

KEEP_DECISIONS = 1_000  # per session, in memory and read back at a restart

# Every type a stored snapshot or record may hold; decoding builds these and nothing else.
STORED_TYPES: tuple[type, ...] = (
    Action,
    DecisionTrigger,
    DenialCode,
    Liquidity,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    SignalAction,
    order_types.Order,
    order_types.OrderIntent,
    order_types.OrderAccepted,
    order_types.OrderRejected,
    order_types.OrderTriggered,
    order_types.OrderPartiallyFilled,
    order_types.OrderFilled,
    order_types.OrderCanceled,
    order_types.OrderExpired,
    Position,
    Signal,
    Decision,
    OrderRequest,
    Approved,
    Denied,
    RiskCheck,
    OrderOutcome,
    DecisionRecord,
    RoundTrip,
    OpenTrip,
    LedgerSnapshot,
    ExchangeSnapshot,
    PortfolioSnapshot,
    RiskSnapshot,
    RunnerSnapshot,
    AccountSnapshot,
)

OpenSession = Callable[[AgentProfile, str, Decimal, int], AgentSession]


class SessionJournal:
    """Write what sessions did to the journal; read them back as they were."""

    def __init__(self, journal: Journal, instruments: InstrumentRegistry) -> None:
        self.journal = journal
        self.codec = Codec(STORED_TYPES, instruments)

    async def start(self, session: AgentSession) -> None:
        """Store a new session with its settings, its state and its first deposit."""
        row = {
            "agent": session.agent,
            "account_id": session.account_id,
            "status": str(session.status),
            "symbols": ",".join(session.symbols),
            "initial_equity": session.initial_equity,
            "started_ms": session.started_ms,
            "updated_ms": session.started_ms,
            "profile": session.profile.model_dump_json(),
            "snapshot": self.codec.dumps(
                snapshot_account(session.parts.account, session.parts.venue)
            ),
        }
        deposit = {"kind": "deposit", "amount": session.initial_equity, "ts_ms": session.started_ms}
        session.journal_id = await self.journal.start_session(row, deposit)
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
        if not (session.dirty or changes or records):
            return False
        sid = session.journal_id
        exchange = session.parts.venue.exchange
        touched: dict[str, None] = {}
        for report in changes.reports if changes is not None else ():
            if isinstance(report, OrderUpdate | FillReport):
                touched[report.client_order_id] = None
            if isinstance(report, FillReport):
                batch.fills.append(self._fill_row(sid, report))
        known = {order.client_order_id: order for order in exchange.orders()}
        for cid in touched:
            order = known.get(cid)
            if order is None:
                continue  # a liquidation: the exchange's own order, not one of ours
            batch.orders.append(
                {
                    "session_id": sid,
                    "client_order_id": cid,
                    "venue_order_id": exchange.venue_order_id(cid),
                    "symbol": order.intent.symbol,
                    "status": str(order.status),
                    "updated_ms": now_ms,
                    "body": self.codec.dumps(order),
                }
            )
        for trip in changes.trips if changes is not None else ():
            batch.trips.append(
                {
                    "session_id": sid,
                    "trade_id": trip.trade_id,
                    "symbol": trip.symbol,
                    "side": str(trip.side),
                    "opened_ms": trip.opened_ms,
                    "closed_ms": trip.closed_ms,
                    "net_pnl": trip.net_pnl,
                    "body": self.codec.dumps(trip),
                }
            )
        for point in changes.marks if changes is not None else ():
            batch.marks.append(
                {
                    "session_id": sid,
                    "ts_ms": point.ts_ms,
                    "equity": point.equity,
                    "net_deposits": point.net_deposits,
                }
            )
        for record in records:
            batch.decisions.append(
                {
                    "session_id": sid,
                    "sequence": record.sequence,
                    "ts_ms": record.ts_ms,
                    "symbol": record.symbol,
                    "action": str(record.decision.action),
                    "trigger": str(record.trigger),
                    "body": self.codec.dumps(record),
                }
            )
        for kind, amount, ts_ms in session.cash_flows:
            batch.cash_flows.append(
                {"session_id": sid, "kind": kind, "amount": amount, "ts_ms": ts_ms}
            )
        batch.sessions.append(
            {
                "id": sid,
                "status": str(session.status),
                "updated_ms": now_ms,
                "snapshot": self.codec.dumps(
                    snapshot_account(session.parts.account, session.parts.venue)
                ),
            }
        )
        return True

    @staticmethod
    def _fill_row(session_id: int, fill: FillReport) -> Row:
        return {
            "session_id": session_id,
            "trade_id": fill.trade_id,
            "client_order_id": fill.client_order_id,
            "symbol": fill.symbol,
            "side": str(fill.side),
            "quantity": fill.quantity,
            "price": fill.price,
            "fee": fill.fee,
            "realized_pnl": fill.realized_pnl,
            "is_liquidation": fill.is_liquidation,
            "ts_ms": fill.ts_ms,
        }

    def revive(self, stored: StoredSession, open_session: OpenSession) -> AgentSession:
        """Rebuild a stored session: fresh parts, then its state and history put back."""
        row = stored.row
        where = f"{row['agent']} on account {row['account_id']!r} (session {row['id']})"
        try:
            profile = AgentProfile.model_validate(json.loads(row["profile"]))
        except ValidationError as error:
            raise ConfigurationError(
                f"cannot restore {where}: the profile it was started with no longer"
                f" validates: {error}"
            ) from None
        session = open_session(
            profile, row["account_id"], row["initial_equity"], int(row["started_ms"])
        )
        symbols = ",".join(session.symbols)
        if symbols != row["symbols"]:
            raise ConfigurationError(
                f"cannot restore {where}: it traded {row['symbols']}, but the market data now"
                f" serves only {symbols or 'none of them'}"
            )
        try:
            self._put_back(session, stored)
        except CodecError as error:
            raise ConfigurationError(f"cannot restore {where}: {error}") from None
        session.status = SessionStatus(row["status"])
        session.journal_id = int(row["id"])
        session.saved()
        return session

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
        restore_account(session.parts.account, session.parts.venue, snapshot, history)
        session.decisions.records = [self.codec.loads(d["body"]) for d in stored.decisions]
