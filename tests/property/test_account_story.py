"""An account's money and history tell one story through starts, stops and restarts.

Random sequences of what the platform does to one account (start, signal, deposit,
withdraw, pause, resume, stop, start again, a service restart) run on the paper venue and
an SQLite journal. After every step the platform ledger's last `balance_after` equals the
books' wallet (less what open trades have paid and the ledger posts when they close), and
the account's trade count, as the API reads it, never goes down.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from trading_agents.config.settings import Settings
from trading_agents.core.decimals import ZERO
from trading_agents.journal.tables import account_transactions
from trading_agents.model.signals import SignalAction
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Conflict, Invalid, NotFound
from trading_agents.service.queries import metrics_of, trades_of

AGENT, ACCOUNT = "atlas", "acc-1"
EXAMPLES = 200 if os.environ.get("CI", "").strip().lower() in {"true", "1"} else 30

amounts = st.decimals(min_value=1, max_value=5_000, places=2)
steps = st.one_of(
    st.tuples(st.just("start"), amounts),
    st.tuples(
        st.just("signal"),
        st.sampled_from(["BTCUSDT", "ETHUSDT"]),
        st.sampled_from([SignalAction.BUY, SignalAction.SELL]),
    ),
    st.tuples(st.just("deposit"), amounts),
    st.tuples(st.just("withdraw"), amounts),
    st.tuples(st.just("pause")),
    st.tuples(st.just("resume")),
    st.tuples(st.just("stop"), st.booleans()),
    st.tuples(st.just("restart")),
)


async def _ledger_balance(desk: TradingDesk) -> Decimal:
    async with desk.journal.journal.engine.connect() as connection:
        last = (
            await connection.execute(
                select(account_transactions.c.balance_after)
                .where(account_transactions.c.account_id == ACCOUNT)
                .order_by(account_transactions.c.id.desc())
                .limit(1)
            )
        ).scalar()
    return ZERO if last is None else Decimal(last)


def _posted_wallet(desk: TradingDesk) -> Decimal:
    """Return the books' wallet less what trades still open have added to it so far."""
    session = desk.sessions.get((AGENT, ACCOUNT))
    if session is None:
        return ZERO
    portfolio = session.parts.account.portfolio
    open_results = sum(
        (trip.realized_pnl - trip.fees + trip.funding for trip in portfolio.snapshot().open_trips),
        ZERO,
    )
    return portfolio.ledger.wallet_balance - open_results


def _trade_count(desk: TradingDesk) -> int:
    session = desk.sessions.get((AGENT, ACCOUNT))
    if session is None:
        return 0
    metrics = metrics_of(session, desk.marks_for(session))
    assert len(trades_of(session, 10_000)) == metrics.total_trades
    return metrics.total_trades


async def _do(desk: TradingDesk, step: tuple[object, ...]) -> None:
    """Apply one step; a refusal (404, 409, 422) must change nothing, which the checks see."""
    kind = step[0]
    try:
        if kind == "start":
            await desk.start(AGENT, ACCOUNT, Decimal(str(step[1])))
        elif kind == "signal":
            action = step[2]
            assert isinstance(action, SignalAction)
            symbol = str(step[1])
            price = desk.kernel.marks[symbol]
            await desk.signal(AGENT, ACCOUNT, symbol, action, Decimal("0.9"), price)
        elif kind == "deposit":
            await desk.deposit(AGENT, ACCOUNT, Decimal(str(step[1])))
        elif kind == "withdraw":
            await desk.withdraw(AGENT, ACCOUNT, Decimal(str(step[1])))
        elif kind == "pause":
            await desk.pause(AGENT, ACCOUNT)
        elif kind == "resume":
            await desk.resume(AGENT, ACCOUNT)
        elif kind == "stop":
            await desk.stop(AGENT, ACCOUNT, keep_positions=bool(step[1]))
    except (Conflict, Invalid, NotFound):
        pass


async def _story(folder: Path, story: list[tuple[object, ...]]) -> None:
    config = Settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'journal.db'}",
        TRADING_AGENTS_SPOOL_DIR=str(folder / "spool"),
        MARKET_DATA="replay",
    )
    desk = await build_desk(config)
    trades = 0
    try:
        for step in story:
            if step[0] == "restart":
                await desk.close()
                desk = await build_desk(config)
            else:
                await _do(desk, step)
            assert await _ledger_balance(desk) == _posted_wallet(desk), step
            count = _trade_count(desk)
            assert count >= trades, step
            trades = count
    finally:
        await desk.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=1, max_size=12))
def test_the_ledger_follows_the_books_and_no_trade_is_lost(story: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory(prefix="account-story-") as folder:
        asyncio.run(_story(Path(folder), [("start", Decimal(1000)), *story]))
