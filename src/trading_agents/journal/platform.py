"""The platform's tables: a transaction per closed trade and cash flow, a snapshot per day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from trading_agents.journal.tables import (
    account_transactions,
    agent_sessions,
    cash_flows,
    performance_snapshots,
    pool_entries,
    round_trips,
)

ZERO = Decimal(0)
# What each kind of pooled-book entry moves on its owner's ledger: in (1), out (-1).
POSTED_SIGN = {"deposit": 1, "withdrawal": -1, "profit": 1, "loss": -1}
DAY_MS = 86_400_000
_PRICE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Posting:
    """A change of an account's balance, for `account_transactions`."""

    account_id: str
    ts_ms: int
    change: Decimal  # above zero in, below zero out
    transaction_type: str  # profit, loss, deposit, withdrawal
    description: str
    reference_type: str  # agent_trade, agent_deposit, agent_withdrawal
    reference_id: str


def plain(value: Decimal) -> str:
    """Write a price or quantity without exponent or trailing zeros."""
    return format(value.quantize(_PRICE_PLACES).normalize(), "f")


def trade_description(
    long: bool, symbol: str, quantity: Decimal, entry: Decimal, exit_: Decimal
) -> str:
    """Describe a closed trade the way the platform shows it: `BUY BTCUSDT 0.012 @ a -> b`."""
    side = "BUY" if long else "SELL"
    return f"{side} {symbol} {plain(quantity)} @ {plain(entry)} -> {plain(exit_)}"


async def post(connection: AsyncConnection, postings: Sequence[Posting]) -> None:
    """Append the postings, oldest first, each account's balance going on from its last row."""
    balances: dict[str, Decimal] = {}
    for posting in sorted(postings, key=lambda p: p.ts_ms):
        account = posting.account_id
        if account not in balances:
            balances[account] = await _last_balance(connection, account)
        before = balances[account]
        after = balances[account] = before + posting.change
        await connection.execute(
            account_transactions.insert().values(
                account_id=account,
                transaction_type=posting.transaction_type,
                amount=abs(posting.change),
                balance_before=before,
                balance_after=after,
                description=posting.description,
                reference_type=posting.reference_type,
                reference_id=posting.reference_id,
            )
        )


async def _last_balance(connection: AsyncConnection, account_id: str) -> Decimal:
    last = (
        await connection.execute(
            select(account_transactions.c.balance_after)
            .where(account_transactions.c.account_id == account_id)
            .order_by(account_transactions.c.id.desc())
            .limit(1)
        )
    ).scalar()
    return ZERO if last is None else Decimal(last)


@dataclass(frozen=True, slots=True)
class DaySnapshot:
    """One account's UTC day, as `performance_snapshots` holds it."""

    account_id: str
    day: date
    opening_balance: Decimal
    closing_balance: Decimal
    profit_loss: Decimal
    total_trades: int
    winning_trades: int


def day_start_ms(day: date) -> int:
    """Return the epoch milliseconds at 00:00 UTC of `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def day_of(ts_ms: int) -> date:
    """Return the UTC day a moment falls in."""
    return datetime.fromtimestamp(ts_ms / 1000, UTC).date()


async def _events(connection: AsyncConnection, account_id: str) -> list[tuple[int, Decimal, str]]:
    """Return the account's balance changes (time, change, kind) from our own tables.

    The kind is `flow` (money in or out), `trade` (a round trip's result) or `pnl` (a pooled
    owner's value change posted before its own money moved: profit, not a trade).
    """
    sessions = select(agent_sessions.c.id).where(agent_sessions.c.account_id == account_id)
    flows = await connection.execute(
        select(cash_flows.c.ts_ms, cash_flows.c.kind, cash_flows.c.amount).where(
            cash_flows.c.session_id.in_(sessions)
        )
    )
    trips = await connection.execute(
        select(round_trips.c.closed_ms, round_trips.c.net_pnl).where(
            round_trips.c.session_id.in_(sessions)
        )
    )
    # An owner of a pooled book: its units' value, entry by entry (the book's own session,
    # under POOL_ACCOUNT_ID, has no platform account).
    entries = await connection.execute(
        select(
            pool_entries.c.ts_ms,
            pool_entries.c.kind,
            pool_entries.c.amount,
            pool_entries.c.reference,
        )
        .where(pool_entries.c.account_id == account_id)
        .order_by(pool_entries.c.id)
    )
    events = [
        (int(ts), amount if kind == "deposit" else -amount, "flow") for ts, kind, amount in flows
    ]
    events += [(int(ts), net, "trade") for ts, net in trips]
    for ts, kind, amount, reference in entries:
        sign = POSTED_SIGN.get(str(kind), 0)
        if sign:
            pnl = str(kind) in ("profit", "loss")
            events.append(
                (int(ts), sign * amount, ("trade" if reference else "pnl") if pnl else "flow")
            )
    return sorted(events, key=lambda event: event[0])


async def snapshot_days(
    connection: AsyncConnection, account_id: str, days: Iterable[date]
) -> list[DaySnapshot]:
    """Compute and upsert the account's snapshot for each day, from our journal's rows."""
    events = await _events(connection, account_id)
    written: list[DaySnapshot] = []
    for day in days:
        start, end = day_start_ms(day), day_start_ms(day) + DAY_MS
        opening = sum((change for ts, change, _ in events if ts < start), ZERO)
        closing = sum((change for ts, change, _ in events if ts < end), ZERO)
        trades = [change for ts, change, kind in events if kind == "trade" and start <= ts < end]
        pnl = [change for ts, change, kind in events if kind != "flow" and start <= ts < end]
        snapshot = DaySnapshot(
            account_id,
            day,
            opening,
            closing,
            sum(pnl, ZERO),
            len(trades),
            sum(1 for net in trades if net > ZERO),
        )
        await _upsert_snapshot(connection, snapshot)
        written.append(snapshot)
    return written


async def _upsert_snapshot(connection: AsyncConnection, snapshot: DaySnapshot) -> None:
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    values: dict[str, Any] = {
        "account_id": snapshot.account_id,
        "snapshot_date": snapshot.day,
        "period_type": "daily",
        "opening_balance": snapshot.opening_balance,
        "closing_balance": snapshot.closing_balance,
        "profit_loss": snapshot.profit_loss,
        "total_trades": snapshot.total_trades,
        "winning_trades": snapshot.winning_trades,
    }
    statement = dialect.insert(performance_snapshots).values(values)
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "snapshot_date", "period_type"],
            set_={name: statement.excluded[name] for name in list(values)[3:]},
        )
    )


async def first_day(connection: AsyncConnection, account_id: str) -> date | None:
    """Return the UTC day an agent was first started on the account, None if never."""
    started = (
        await connection.execute(
            select(agent_sessions.c.started_ms)
            .where(agent_sessions.c.account_id == account_id)
            .order_by(agent_sessions.c.started_ms)
            .limit(1)
        )
    ).scalar()
    owned = (  # an owner of a pooled book: from its first entry
        await connection.execute(
            select(func.min(pool_entries.c.ts_ms)).where(pool_entries.c.account_id == account_id)
        )
    ).scalar()
    firsts = [int(ts) for ts in (started, owned) if ts is not None]
    return day_of(min(firsts)) if firsts else None


async def days_to_snapshot(
    connection: AsyncConnection, account_id: str, through: date
) -> list[date]:
    """Return the days due: after the last snapshot (or from the first start) to `through`.

    `through` itself is always due once the account has started by then: it may still be
    going on, and its snapshot is upserted again.
    """
    first = await first_day(connection, account_id)
    if first is None or through < first:
        return []
    last = (
        await connection.execute(
            select(performance_snapshots.c.snapshot_date)
            .where(performance_snapshots.c.account_id == account_id)
            .order_by(performance_snapshots.c.snapshot_date.desc())
            .limit(1)
        )
    ).scalar()
    start = first if last is None else min(last + timedelta(days=1), through)
    return [start + timedelta(days=n) for n in range((through - start).days + 1)]
