"""Pooled accounts: one book per agent type, investment accounts owning units of it.

A profile with `accounts: pooled` trades one book (a session under POOL_ACCOUNT_ID) for
every investment account that starts it. A start or a deposit issues units at the book's
net asset value (its equity at the latest marks, after fees and funding); a withdrawal or
a stop redeems them, paid from the book's free cash or, when positions hold it, queued until
the book has it (each step pays what it can, oldest first). Each account's value, metrics,
trades and platform rows are derived from its units (service/pools.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal
from uuid import uuid4

from trading_agents.core.clock import iso_utc
from trading_agents.core.decimals import ZERO
from trading_agents.core.ids import POOL_ACCOUNT_ID
from trading_agents.events.types import PoolEntry, TripClosed
from trading_agents.journal.reading import StoredSession
from trading_agents.model.enums import ExitReason
from trading_agents.model.reports import BalanceAdjustment
from trading_agents.service.errors import Conflict, Invalid
from trading_agents.service.lifecycle import Lifecycle
from trading_agents.service.money import CashFlowView, MoneyMoves
from trading_agents.service.pooled_views import PooledReads, owner_status
from trading_agents.service.pools import STOP, Owner, Pool
from trading_agents.service.sessions import AgentSession

log = logging.getLogger(__name__)
REDUCE_MARGIN = Decimal("1.02")  # a little more than the cash short: fees and rounding


class Pooling(PooledReads, Lifecycle, MoneyMoves):
    """Start, fund, drain and stop investment accounts' stakes in pooled books."""

    # -- use cases -------------------------------------------------------------------------

    async def start(
        self, agent: str, account_id: str, initial_equity: Decimal, brain: str | None = None
    ) -> AgentSession:
        """Start an agent on an account; for a pooled one, buy units of its book."""
        profile = self.profile(agent)
        if profile.accounts != "pooled":
            return await super().start(agent, account_id, initial_equity, brain)
        if brain is not None and brain != profile.brain:
            raise Invalid(
                f"{agent}'s pooled book decides for every account with its {profile.brain} brain"
            )
        if initial_equity <= 0:
            raise Invalid(f"initial_equity must be above zero, got {initial_equity}")
        if agent not in self.pools or (agent, POOL_ACCOUNT_ID) not in self.sessions:

            def first_owner(book: AgentSession) -> None:
                # Stored with the book's start, in one transaction: never money without units.
                pool = self.pools[agent] = Pool(agent)
                entry = pool.subscribe(uuid4().hex, account_id, initial_equity, book.started_ms)
                book.stream.publish(entry)

            try:
                # The first money opens the book: its start is the book's first deposit.
                return await self._start(agent, POOL_ACCOUNT_ID, initial_equity, None, first_owner)
            except Conflict:
                if agent not in self.pools:
                    raise  # not opened meanwhile by another start: refused (the account is held)
        async with self._lock:
            owner = self.pools[agent].owner(account_id)
            if owner is not None and not owner.stopped:
                raise Conflict(
                    f"{agent} is already {owner_status(owner)} on account {account_id!r}"
                )
            return await self._subscribe(agent, account_id, initial_equity)

    async def deposit(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Credit an account; a pooled one buys units at the book's value now."""
        if not self.pooled(agent):
            return await super().deposit(agent, account_id, amount)
        if amount <= 0:
            raise Invalid(f"a deposit must be above zero, got {amount}")
        async with self._lock:
            self._active(agent, account_id)
            return await self._subscribe(agent, account_id, amount)

    async def withdraw(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Debit an account; a pooled one redeems units, paid now or queued for free cash."""
        if not self.pooled(agent):
            return await super().withdraw(agent, account_id, amount)
        if amount <= 0:
            raise Invalid(f"a withdrawal must be above zero, got {amount}")
        async with self._lock:
            owner = self._active(agent, account_id)
            book, pool = self.book(agent), self.pools[agent]
            self._settle_pending(book, pool)
            pool.mark(self._book_equity(book))  # the payment posts the value change itself
            waiting = sum((q.amount or ZERO for q in owner.queued), ZERO)
            value = pool.value(account_id)
            if owner.stopping or amount + waiting > value:
                raise Invalid(
                    f"account {account_id!r} is worth {value} USDT in {agent}'s book"
                    + (f", {waiting} of it already asked for" if waiting else "")
                    + f": {amount} cannot be withdrawn"
                )
            await self._pay_or_queue(book, pool, account_id, amount, uuid4().hex)
            await self._save([book])
        return book

    async def stop(self, agent: str, account_id: str, keep_positions: bool) -> AgentSession:
        """Stop an agent on an account; a pooled one redeems every unit (or queues it)."""
        if not self.pooled(agent):
            return await super().stop(agent, account_id, keep_positions)
        if keep_positions:
            raise Invalid(
                f"account {account_id!r} holds units of {agent}'s book, not positions of its own:"
                " nothing to keep"
            )
        async with self._lock:
            owner = self.owner(agent, account_id)
            if owner.stopped or owner.stopping:
                return self.book(agent)  # stopped, or stopping: a repeat gets the state
            book, pool = self.book(agent), self.pools[agent]
            self._settle_pending(book, pool)
            await self._pay_or_queue(book, pool, account_id, None, f"{STOP}-{uuid4().hex}")
            await self._save([book])
        return book

    async def cash_flows(self, agent: str, account_id: str, limit: int) -> list[CashFlowView]:
        """Return the account's deposits and withdrawals (in a pooled book: its units')."""
        if not self.pooled(agent):
            return await super().cash_flows(agent, account_id, limit)
        owner = self.owner(agent, account_id)
        flows = [
            CashFlowView(entry_id, "deposit" if flow > 0 else "withdrawal", abs(flow), iso_utc(at))
            for at, _, flow, entry_id in owner.history
            if flow != ZERO
        ]
        return flows[-limit:]

    async def pause(self, agent: str, account_id: str) -> AgentSession:
        """Pause an agent on an account; refused for an account in a pooled book."""
        self._refuse_steering(agent, account_id, "pause")
        return await super().pause(agent, account_id)

    async def resume(self, agent: str, account_id: str) -> AgentSession:
        """Resume an agent on an account; refused for an account in a pooled book."""
        self._refuse_steering(agent, account_id, "resume")
        return await super().resume(agent, account_id)

    def _refuse_steering(self, agent: str, account_id: str, use_case: str) -> None:
        if self.pooled(agent):
            self.owner(agent, account_id)  # NotFound first, as for any agent
            raise Conflict(
                f"account {account_id!r} owns units of {agent}'s pooled book, which decides for"
                f" every account: one account cannot {use_case} it; withdraw or stop instead"
            )

    # -- the book's money ------------------------------------------------------------------

    async def _subscribe(self, agent: str, account_id: str, amount: Decimal) -> AgentSession:
        """Issue units for `amount` at the book's value now, and move the money in."""
        book, pool = self.book(agent), self.pools[agent]
        self._settle_pending(book, pool)  # trips closed before this money came are not its
        owner = pool.owner(account_id)
        if owner is not None and not owner.stopped:
            self._revalue(book, pool, [account_id])
        else:
            pool.mark(self._book_equity(book))
        try:
            entry = pool.subscribe(uuid4().hex, account_id, amount, self.clock.now_ms())
        except ValueError as error:
            raise Invalid(str(error)) from None  # too small to buy a unit: nothing moved
        book.stream.publish(entry)
        if _at_exchange(book):  # the platform transfers it: counted as owed until it comes
            book.stream.publish(pool.await_transfer(uuid4().hex, account_id, amount))
        else:
            self._move_money(book, amount)  # a paper book takes any deposit
        await self._save([book])
        log.info("%s: account %s bought units for %s USDT", agent, account_id, amount)
        return book

    async def _pay_or_queue(
        self, book: AgentSession, pool: Pool, account_id: str, amount: Decimal | None, ref: str
    ) -> None:
        """Pay a withdrawal from the free cash; else reduce the book or queue it, as set."""
        owner = pool.owners[account_id]
        if not owner.queued and self._pay(book, pool, account_id, amount, ref):
            return
        if not owner.queued and book.profile.pool_withdrawals == "reduce":
            wanted = pool.value(account_id) if amount is None else amount
            await self._reduce_for(book, wanted, f"account {account_id} withdraws {wanted} USDT")
            if self._pay(book, pool, account_id, amount, ref):
                return
        book.stream.publish(pool.queue(ref, account_id, amount, self.clock.now_ms()))
        log.info("%s: account %s's withdrawal waits for free cash", pool.agent, account_id)

    async def _reduce_for(self, book: AgentSession, amount: Decimal, why: str) -> None:
        """Close the same part of every open position, enough to free `amount` of cash.

        Closing a part releases its margin and realizes its PnL; the fees it costs are the
        book's, as any trade's. Quantities go up to the lot step, never beyond a position.
        """
        ledger = book.parts.account.portfolio.ledger
        marks = self.marks_for(book)
        short = amount - self._free_cash(book)
        positions = ledger.open_positions()
        freed = sum((p.margin + p.unrealized_pnl(marks[p.symbol]) for p in positions), ZERO)
        if short <= ZERO or freed <= ZERO:
            return
        part = min(Decimal(1), short / freed * REDUCE_MARGIN)
        for position in positions:
            step = self.instruments.get(position.symbol).step_size
            held = abs(position.quantity)
            quantity = min(held, (held * part / step).to_integral_value(ROUND_CEILING) * step)
            reason = f"reducing every position by {part:.2%}: {why}"
            # A reduction to pay out: the book's risk taken down, not the agent's own choice.
            await self._close_at_market(book, position.symbol, reason, ExitReason.RISK, quantity)

    def _pay(
        self, book: AgentSession, pool: Pool, account_id: str, amount: Decimal | None, ref: str
    ) -> bool:
        """Pay from the book's free cash, if it has enough; say whether it did.

        The account's value is taken at the book's value before the money leaves, and its
        change since its last entry is posted first: its ledger then ends at its value.
        """
        pool.mark(self._book_equity(book))
        paid = pool.value(account_id) if amount is None else min(amount, pool.value(account_id))
        if amount is not None and paid <= ZERO:  # worth nothing now: the request ends
            book.stream.publish(pool.unqueue(uuid4().hex, account_id, ref))
            return True
        if paid > ZERO and _at_exchange(book):
            # The platform transfers it out: what no position holds, nor earlier withdrawals.
            if paid > self._free_cash(book):
                return False
            book.stream.publish(pool.await_transfer(uuid4().hex, account_id, -paid))
        elif paid > ZERO:
            try:
                self._move_money(book, -paid)
            except Invalid:
                return False  # positions hold the cash: the withdrawal waits
        now = self.clock.now_ms()
        revalued = pool.revalue(uuid4().hex, account_id, now)  # at the mark above
        if revalued.amount:
            book.stream.publish(revalued)
        redeemed = None if amount is None else paid
        book.stream.publish(pool.redeem(uuid4().hex, account_id, redeemed, now, ref))
        return True

    def _free_cash(self, book: AgentSession) -> Decimal:
        """Return what the book may pay out: no margin, no unrealized loss, nothing owed out."""
        ledger = book.parts.account.portfolio.ledger
        pool = self.pools[book.agent]
        equity = ledger.equity(self.marks_for(book))
        free = min(ledger.available_balance(), equity - ledger.used_margin())
        return free - pool.awaiting_out + pool.unclaimed_out

    def _active(self, agent: str, account_id: str) -> Owner:
        owner = self.owner(agent, account_id)
        if owner.stopped or owner.stopping:
            raise Conflict(f"{agent} is stopped on account {account_id!r}: start it again")
        return owner

    def _revalue(
        self, book: AgentSession, pool: Pool, accounts: Iterable[str], trade_id: str = ""
    ) -> None:
        """Mark the book and post each account's value change since its last entry."""
        pool.mark(self._book_equity(book))
        for account_id in accounts:
            owner = pool.owners[account_id]
            if owner.stopped:
                continue
            entry_id = _entry_id(trade_id, account_id) if trade_id else uuid4().hex
            entry = pool.revalue(entry_id, account_id, self.clock.now_ms(), trade_id)
            if entry.amount or trade_id:
                book.stream.publish(entry)

    def _before_save(self, sessions: list[AgentSession]) -> None:
        """Before a book is written: its closed trips revalue every owner; queues are paid.

        Never raises: a book that cannot be settled now is logged and tried at the next
        write, and the market loop goes on for every other agent.
        """
        for book in sessions:
            pool = self.pools.get(book.agent)
            if book.account_id != POOL_ACCOUNT_ID or pool is None:
                continue
            try:
                self._settle_pending(book, pool)
                self._pay_queued(book, pool)
            except Exception:
                log.exception("%s's pooled book: settling its owners failed", book.agent)

    def _settle_pending(self, book: AgentSession, pool: Pool) -> None:
        """Settle what the book's unwritten events bring its owners.

        At an exchange, a transfer the book received or sent settles the money awaited; each
        round trip the book closed posts every owner's value (once: `pool.revalued`).
        """
        # Transfers first: the ledger holds them already, so the value of a round trip shared
        # below must not count them twice.
        for event in list(book.stream.pending):
            payload = event.payload
            if isinstance(payload, BalanceAdjustment) and payload.kind == "transfer":
                unclaimed = pool.unclaimed_in + pool.unclaimed_out
                matched = pool.match_transfer(uuid4().hex, payload.adjustment_id, payload.amount)
                if matched is None:
                    continue
                book.stream.publish(matched)
                if pool.unclaimed_in + pool.unclaimed_out > unclaimed:
                    log.warning(
                        "%s's pooled book: a transfer of %s USDT (%s) that no account's deposit"
                        " or withdrawal awaited is held for the next one to claim",
                        pool.agent,
                        payload.amount,
                        payload.adjustment_id,
                    )
        for event in book.stream.pending:
            payload = event.payload
            if isinstance(payload, TripClosed) and payload.trip.trade_id not in pool.revalued:
                pool.revalued.add(payload.trip.trade_id)
                self._revalue(book, pool, list(pool.owners), payload.trip.trade_id)

    def _pay_queued(self, book: AgentSession, pool: Pool) -> None:
        """Pay the withdrawals waiting for free cash, oldest first, while the cash lasts."""
        for owner in list(pool.owners.values()):
            while owner.queued:  # a payment takes its request off the queue (Pool.redeem)
                asked = owner.queued[0]
                if not self._pay(book, pool, owner.account_id, asked.amount, asked.request_id):
                    break

    # -- restart ---------------------------------------------------------------------------

    def _restore_pool(self, found: StoredSession) -> None:
        """Rebuild a pooled book's owners by replaying the entries the journal holds.

        Called once the book's session is back and before its venue reconnects: what the
        exchange did meanwhile (a transfer an owner's units await) then finds its owners.
        """
        if found.row["account_id"] == POOL_ACCOUNT_ID:
            agent = str(found.row["agent"])
            pool = self.pools[agent] = Pool(agent)
            for row in found.pool_entries:
                entry = PoolEntry(
                    str(row["entry_id"]),
                    str(row["account_id"]),
                    row["kind"],
                    row["amount"],
                    row["units"],
                    row["unit_value"],
                    row["balance"],
                    row["share"],
                    str(row["reference"]),
                )
                pool.replay(entry, int(row["ts_ms"]))
            book = self.sessions[(agent, POOL_ACCOUNT_ID)]
            pool.revalued |= {t.trade_id for o in pool.owners.values() for t in o.trips}
            pool.mark(self._book_equity(book))


def _at_exchange(book: AgentSession) -> bool:
    """Tell whether the book trades an exchange account, where transfers move the money."""
    return book.parts.venue.exclusive_account is not None


def _entry_id(trade_id: str, account_id: str) -> str:
    """Name a round trip's entry for an account the same every time (written once)."""
    return hashlib.sha256(f"{trade_id}|{account_id}".encode()).hexdigest()[:40]
