"""The Binance USDⓈ-M venue: trading, compared with the exchange and repaired when it drifts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from trading_agents.config.binance import BinanceConfig
from trading_agents.core.clock import Clock
from trading_agents.core.decimals import ZERO
from trading_agents.market.candles import Candle
from trading_agents.model.enums import OrderStatus
from trading_agents.model.orders import Order, OrderIntent
from trading_agents.model.reports import BalanceAdjustment, FillReport, FundingReport, OrderUpdate
from trading_agents.risk.orders import STOP_LOSS_PREFIX, TAKE_PROFIT_PREFIX
from trading_agents.venues.binance.instruments import ExchangeInstruments
from trading_agents.venues.binance.limiter import IpWeight
from trading_agents.venues.binance.rest import BinanceRest
from trading_agents.venues.binance.trading import BinanceTrading
from trading_agents.venues.binance.wire import algo_snapshot, dec, order_snapshot
from trading_agents.venues.errors import (
    MoneyMovesAtVenue,
    OrderNotFound,
    OrderRejected,
    VenueError,
    VenueStopped,
)
from trading_agents.venues.port import OrderSnapshot, Pending, VenueState
from trading_agents.venues.rounding import round_intent

log = logging.getLogger(__name__)

# How our exits' client ids start (risk/orders.py): one standing unknown to the books is ours.
EXIT_ID_PREFIXES = (f"{STOP_LOSS_PREFIX}-", f"{TAKE_PROFIT_PREFIX}-")
TRANSFER_LISTED_WITHIN_MS = 60_000  # how long a transfer heard of may take to be listed
DRIFT_CONFIRM_S = 0.5  # a position or wallet difference must last this long to be drift
INCOME_PAGE = 1_000  # the most records /fapi/v1/income returns at once
# Income types that move money in or out of the futures wallet rather than trade with it.
TRANSFER_TYPES = frozenset(
    {
        "TRANSFER",
        "INTERNAL_TRANSFER",
        "CROSS_COLLATERAL_TRANSFER",
        "COIN_SWAP_DEPOSIT",
        "COIN_SWAP_WITHDRAW",
        "STRATEGY_UMFUTURES_TRANSFER",
    }
)


class BinanceVenue(BinanceTrading):
    """Trade one Binance USDⓈ-M account, and keep the books in step with it."""

    def __init__(
        self,
        config: BinanceConfig,
        clock: Clock,
        *,
        rest: BinanceRest | None = None,
        instruments: ExchangeInstruments | None = None,
        ip_weight: IpWeight | None = None,
    ) -> None:
        super().__init__(config, clock, rest=rest, instruments=instruments, ip_weight=ip_weight)
        self.book_wallet: Callable[[], Decimal] | None = None  # the books' wallet balance
        # Funding settled from this time on (ms, Binance's clock) is ours to book; the service
        # keeps it across restarts. Left None, start() sets it to the time the venue starts.
        self.funding_since_ms: int | None = None
        self._funding_booked: set[str] = set()  # tranIds published, so each is booked once
        self._funding_due = 0  # funding events heard whose payments are not fetched yet
        self._wallet_adjustments = 0
        # Transfers from this time on are looked for when the wallet differs; kept across
        # restarts like the funding mark. Left None, start() sets it.
        self.wallet_since_ms: int | None = None
        self._transfers_booked: set[str] = set()
        # Told how an order sent with an unknown outcome ended, once reconciliation knows.
        self.on_settled: Callable[[str, str], None] | None = None
        # Told of every repair reconciliation makes, periodic or after a reconnection.
        self.on_repaired: Callable[[str], None] | None = None

    async def start(self, connect_timeout_s: float = 10.0) -> None:
        """Start trading; funding from now on is ours unless a restart said from when."""
        if self.funding_since_ms is None:
            self.funding_since_ms = self._clock.now_ms()
        if self.wallet_since_ms is None:
            self.wallet_since_ms = self._clock.now_ms()
        await super().start(connect_timeout_s)

    # -- the account's venue, as the service runs it ---------------------------------------

    @property
    def mode(self) -> str:
        """Say where the account trades: Binance, on demo or on live money."""
        return "binance-demo" if self.config.demo else "binance-live"

    @property
    def exclusive_account(self) -> str | None:
        """Return the Binance account the keys open: one agent trades it at a time."""
        return self.config.account

    def deposit(self, amount: Decimal) -> None:
        """Refuse: money moves by a transfer at Binance, which reconciliation books."""
        raise MoneyMovesAtVenue(
            "a deposit is a transfer at Binance, which reconciliation books when it sees the"
            " wallet change"
        )

    def withdraw(self, amount: Decimal) -> None:
        """Refuse: money moves by a transfer at Binance, which reconciliation books."""
        raise MoneyMovesAtVenue(
            "a withdrawal is a transfer at Binance, which reconciliation books when it sees the"
            " wallet change"
        )

    def on_candle(self, candle: Candle) -> None:
        """Ignore: Binance fills on its own market."""

    def fill_waiting(self, ts_ms: int, prices: Mapping[str, Decimal]) -> None:
        """Ignore: Binance fills its orders itself; the fills are booked as they come."""

    def state(self) -> VenueState:
        """Return the funding and wallet watermarks and the account the keys open."""
        return VenueState(None, self.funding_since_ms, self.config.account, self.wallet_since_ms)

    def restore_state(
        self, state: VenueState, orders: Sequence[Order], venue_ids: Mapping[str, str]
    ) -> None:
        """Take back the watermarks; refuse another account's state. Orders come by `resume`."""
        if state.account is not None and state.account != self.config.account:
            raise ValueError(
                f"it traded the Binance {state.account}, but the keys configured now open the"
                f" {self.config.account}: restore it with the keys it traded with"
            )
        if state.funding_since_ms is not None:
            self.funding_since_ms = state.funding_since_ms
        if state.wallet_since_ms is not None:
            self.wallet_since_ms = state.wallet_since_ms

    def watch(
        self,
        on_alert: Callable[[str | None], None],
        on_settled: Callable[[str, str], None],
        on_repaired: Callable[[str], None],
        on_request: Callable[[str, float, str], None] | None = None,
    ) -> None:
        """Be told when the venue stops itself, how orders of unknown fate ended, and repairs."""
        self.rest.on_alert = on_alert
        self.rest.on_request = on_request
        self.on_settled = on_settled
        self.on_repaired = on_repaired

    async def settle_after_restart(self, pending: Pending) -> dict[str, tuple[str, str]]:
        """Settle pending intents by their client order ids at Binance."""
        return {
            cid: (
                state,
                "found at Binance by its client order id after a restart"
                if state == "sent"
                else "Binance never received it: the process stopped before sending it",
            )
            for cid, state in (await self.settle(pending)).items()
        }

    # -- what a restart needs ------------------------------------------------------------------

    def resume(
        self,
        orders: Sequence[tuple[Order, str, Sequence[OrderIntent]]],
        trades: Iterable[tuple[str, str]],
    ) -> None:
        """Take back what a previous run left: its open orders and the trades it booked.

        Call it before `settle` and `reconcile`: they then book only what the previous run
        missed, and place the exits of an entry that filled while nobody was listening.
        """
        self.book.resume(orders, trades)

    def _funding_settled(self) -> None:
        """Fetch the funding Binance just settled: the income history states each payment."""
        self._funding_due += 1
        self._tasks.append(
            asyncio.create_task(self._fetch_settled_funding(), name="binance-funding")
        )

    async def _fetch_settled_funding(self) -> None:
        """Fetch in the background; whatever this misses, reconciliation fetches again."""
        try:
            await self._fetch_funding()
        except VenueStopped:
            pass
        except VenueError as error:
            log.warning("funding not fetched now, reconciliation will: %s", error)
        except Exception:  # reconciliation fetches it again; a bug must not pass unseen
            log.exception("funding not fetched")
        finally:
            self._funding_due -= 1

    async def _fetch_funding(self) -> int:
        """Publish the funding payments in the income history not booked yet; return how many."""
        if self.funding_since_ms is None:
            return 0  # not started
        published = 0
        for raw in await self._income(self.funding_since_ms, "FUNDING_FEE"):
            if self._publish_funding(raw):
                published += 1
                # The mark moves past the last payment published, so that a restart from the
                # stored mark books none twice. A payment of that same millisecond that
                # Binance lists only later is then skipped, and the wallet check books it as
                # an adjustment: the money right, which booking a payment twice would not be.
                self.funding_since_ms = max(self.funding_since_ms, int(raw["time"]) + 1)
        return published

    async def _income(self, since_ms: int, income_type: str | None = None) -> list[Any]:
        """Return the income history from `since_ms` on, every page, each record once, in order."""
        params: dict[str, Any] = {"limit": INCOME_PAGE}
        if income_type is not None:
            params["incomeType"] = income_type
        start = since_ms
        records: dict[str, Any] = {}
        while True:
            page = await self.rest.call(
                "fapiPrivateGetIncome", {**params, "startTime": start}, weight=30
            )
            for raw in page:
                if int(raw["time"]) >= since_ms:
                    records.setdefault(str(raw["tranId"]), raw)  # pages repeat their edge
            last = max((int(r["time"]) for r in page), default=start)
            if len(page) < INCOME_PAGE or last == start:
                return sorted(records.values(), key=lambda r: (int(r["time"]), str(r["tranId"])))
            start = last

    def _publish_funding(self, raw: Mapping[str, Any]) -> bool:
        """Publish one income record as a funding payment unless it was published already."""
        tran_id = str(raw["tranId"])
        if tran_id in self._funding_booked:
            return False
        if raw.get("asset", "USDT") != "USDT":
            log.warning("funding %s in %s left to the wallet check", tran_id, raw.get("asset"))
            return False
        self._funding_booked.add(tran_id)
        symbol = str(raw["symbol"])
        held = self.book_positions().get(symbol, ZERO) if self.book_positions else ZERO
        # Binance states the amount and not the rate or mark it used: the ledger takes it.
        amount = dec(raw["income"])
        self._publish(FundingReport(symbol, int(raw["time"]), None, None, held, amount))
        log.info("%s funding of %s USDT booked (tranId %s)", symbol, amount, tran_id)
        return True

    async def _reconcile_wallet(self) -> list[str]:
        """Align the books' wallet with Binance's when no report explains the difference.

        Money moved outside our orders (a transfer, a fee the stream never told of) shows
        only here. Like a position, a difference counts only while nothing is on its way:
        no order in flight, no fill waiting to be booked or heard, no funding being fetched;
        and it must still be there, the same, a moment later.
        """
        self.recheck_soon = self.book_wallet is not None and not self._wallet_quiet()
        if self.book_wallet is None or self.recheck_soon:
            return []
        heard = self.book.trades_heard
        first = await self._wallet_difference()
        if first[0] == first[1]:
            self.wallet_since_ms = self._clock.now_ms()  # nothing before now is missing
            return []
        await asyncio.sleep(DRIFT_CONFIRM_S)
        await self._fetch_funding()  # a payment listed late explains it, not a transfer
        if not self._wallet_quiet() or self.book.trades_heard != heard:
            self.recheck_soon = True
            return []
        second = await self._wallet_difference()
        if second != first:
            self.recheck_soon = True
            return []  # still moving: the next round looks again
        theirs, ours = second
        now = self._clock.now_ms()
        repairs: list[str] = []
        moved = ZERO
        for tran_id, ts_ms, amount in await self._transfers():
            self._transfers_booked.add(tran_id)
            reason = f"a transfer at Binance (tranId {tran_id})"
            self._publish(BalanceAdjustment(f"transfer-{tran_id}", ts_ms, amount, reason))
            repairs.append(f"wallet: {reason} of {amount} booked")
            moved += amount
        rest = theirs - ours - moved
        told = self.transfer_heard_ms
        if rest != ZERO and told is not None and now - told < TRANSFER_LISTED_WITHIN_MS:
            # The stream told of a transfer the income history does not list yet: wait for
            # it rather than book the money as trading the books did not see.
            self.recheck_soon = True
            return repairs
        if rest != ZERO:
            # No transfer explains it: trades the books only adjusted for (by hand, an ADL),
            # or a fee never heard of. Their result counts toward the loss limits.
            self._wallet_adjustments += 1
            reason = f"Binance's wallet holds {theirs} USDT, the books {ours + moved}"
            ident = f"wallet-{now}-{self._wallet_adjustments}"
            self._publish(BalanceAdjustment(ident, now, rest, reason, kind="trading"))
            repairs.append(f"wallet: {reason}; booked {rest} as trading the books did not see")
        self.wallet_since_ms = now
        return repairs

    async def _transfers(self) -> list[tuple[str, int, Decimal]]:
        """Return the transfers in the income history since the last check not booked yet."""
        return [
            (str(raw["tranId"]), int(raw["time"]), dec(raw["income"]))
            for raw in await self._income(self.wallet_since_ms or 0)
            if str(raw.get("incomeType")) in TRANSFER_TYPES
            and raw.get("asset", "USDT") == "USDT"
            and str(raw["tranId"]) not in self._transfers_booked
        ]

    def _wallet_quiet(self) -> bool:
        """Tell whether no money of ours is on its way to the books."""
        # A pending fill's effect on the wallet is the ledger's to compute (a position
        # adjustment reports no PnL), so the wallet is compared once the books took it.
        pending_fill = any(isinstance(r, FillReport) for r in self._pending)
        return not (self._in_flight or self._funding_due or pending_fill)

    async def _wallet_difference(self) -> tuple[Decimal, Decimal]:
        """Return Binance's wallet balance and the books', with the money reported not booked."""
        assert self.book_wallet is not None
        theirs = (await self.balance()).wallet_balance
        ours = self.book_wallet()
        for report in self._pending:  # reported but not booked yet
            if isinstance(report, FundingReport | BalanceAdjustment):
                ours += report.amount
        return theirs, ours

    # -- reconciliation ------------------------------------------------------------------------

    async def settle(
        self, intents: Sequence[tuple[OrderIntent, Sequence[OrderIntent]]]
    ) -> dict[str, str]:
        """Settle intents a crash left pending: 'sent' (its fills booked) or 'lost'."""
        settled: dict[str, str] = {}
        for intent, attached in intents:
            found = await self._find_order(intent)
            settled[intent.client_order_id] = "lost" if found is None else "sent"
            if found is None:
                self._never_arrived(intent.client_order_id, intent.symbol)
            else:
                await self._adopt(intent, attached, found)
        return settled

    async def _adopt(
        self, intent: OrderIntent, attached: Sequence[OrderIntent], found: OrderSnapshot
    ) -> None:
        """Track an order Binance confirmed late; book its fills and place its exits."""
        if intent.order_type.is_conditional:
            return
        cid = intent.client_order_id
        if not self.book.knows(cid):
            self.book.expect(intent, attached)
        self._placed(round_intent(intent, self.instruments.get(intent.symbol)), found)
        if found.filled_quantity > ZERO:
            await self._fetch_fills(intent.symbol, cid, found.venue_order_id, found.status)
            if not found.status.is_open and found.status is not OrderStatus.FILLED:
                now = self._clock.now_ms()  # ended part-filled: told once its fills are booked
                self._publish(OrderUpdate(cid, intent.symbol, found.status, now, "found ended"))
        if found.filled_quantity > ZERO and not found.status.is_open:
            # Filled, or ended after a part (an IOC entry): protect what traded.
            await self._place_exits(cid, ask_first=True, size=found.filled_quantity)
        elif not found.status.is_open:
            self.book.take_attached(cid)  # ended with nothing traded: nothing to protect

    def _never_arrived(self, client_order_id: str, symbol: str) -> None:
        """Report an order sent but never received: refused, as far as the books go."""
        self.book.closed(client_order_id)
        now = self._clock.now_ms()
        self._publish(
            OrderUpdate(client_order_id, symbol, OrderStatus.REJECTED, now, "never reached Binance")
        )

    def _settled(self, client_order_id: str, state: str) -> None:
        """Tell the intent log how an order whose fate was unknown ended."""
        if self.on_settled is not None:
            self.on_settled(client_order_id, state)

    async def reconcile(self) -> list[str]:
        """Compare the exchange with what we know; book what was missed; return the repairs."""
        repairs: list[str] = []
        missed = await self._fetch_funding()  # settled while the stream was not listening
        if missed:
            repairs.append(f"{missed} funding payment(s) booked from Binance's income history")
        for intent, attached in self.book.unsettled():
            found = await self._find_order(intent)
            if found is None:
                self._never_arrived(intent.client_order_id, intent.symbol)
                self.book.forget(intent.client_order_id)
                self._settled(intent.client_order_id, "lost")
                repairs.append(f"{intent.client_order_id}: never reached Binance")
                continue
            await self._adopt(intent, attached, found)
            self._settled(intent.client_order_id, "sent")
            repairs.append(f"{intent.client_order_id}: sent")
        for cid, symbol, order_id in self.book.open_regular():
            try:
                raw = await self.rest.call(
                    "fapiPrivateGetOrder", {"symbol": symbol, "orderId": order_id}
                )
            except OrderRejected as refused:
                log.warning("%s: not found while reconciling (%s)", cid, refused)
                continue
            snapshot = order_snapshot(raw)
            if snapshot.filled_quantity > self.book.filled(cid):
                await self._fetch_fills(symbol, cid, order_id, snapshot.status)
                repairs.append(f"{cid}: missed fills booked")
            if not snapshot.status.is_open:
                self.book.closed(cid)
                if snapshot.status is not OrderStatus.FILLED:
                    self._publish(
                        OrderUpdate(
                            cid, symbol, snapshot.status, self._clock.now_ms(), "reconciled"
                        )
                    )
                    repairs.append(f"{cid}: {snapshot.status} at Binance")
                if snapshot.filled_quantity > ZERO and self.book.has_attached(cid):
                    await self._place_exits(cid, ask_first=True, size=snapshot.filled_quantity)
                else:
                    self.book.take_attached(cid)  # nothing traded: nothing to protect
        for cid, symbol in self.book.open_algos():
            try:
                raw = await self._call_or_not_found(
                    "fapiPrivateGetAlgoOrder", {"clientAlgoId": cid}, cid
                )
            except OrderNotFound:
                sent = self.book.unconfirmed(cid)
                if sent is not None and cid not in self._sending:  # journaled, never received
                    self.book.acceptance(cid)
                    self._never_arrived(cid, symbol)
                    repairs.append(f"{cid}: never reached Binance")
                continue
            except OrderRejected:
                continue
            sent = self.book.unconfirmed(cid)
            if sent is not None:  # journaled as sent before a crash: Binance took it
                self._placed(sent, algo_snapshot(raw))
            actual = raw.get("actualOrderId")
            if actual not in (None, "", 0, "0"):
                self.book.algo_seen(cid, raw)
                executed = order_snapshot(
                    await self.rest.call(
                        "fapiPrivateGetOrder", {"symbol": symbol, "orderId": actual}
                    )
                )
                if executed.filled_quantity > self.book.filled(cid):
                    await self._fetch_fills(symbol, cid, str(actual), executed.status)
                    repairs.append(f"{cid}: triggered; missed fills booked")
            status = str(raw.get("algoStatus"))
            if status in ("CANCELED", "EXPIRED", "REJECTED"):
                self._publish_algo_status(
                    {"X": status, "caid": cid, "s": symbol}, self._clock.now_ms()
                )
                repairs.append(f"{cid}: {status} at Binance")
        repairs += await self._reconcile_positions()
        repairs += await self._retire_stale_exits()
        repairs += await self._reconcile_wallet()
        for repair in repairs:
            log.warning("reconciliation repair: %s", repair)
            if self.on_repaired is not None:
                self.on_repaired(repair)
        self.repairs += repairs
        return repairs

    async def _retire_stale_exits(self) -> list[str]:
        """Cancel the exits left on positions that closed while their event was missed.

        And exits of ours the books never heard were placed: a crash after Binance took
        them and before their answer was journaled leaves them standing, unknown, on a
        position that may close while nobody listens.
        """
        if self._in_flight:
            return []
        exits = {symbol for _, symbol in self.book.open_algos()}
        held = {p.symbol for p in await self.positions()}
        repairs: list[str] = []
        for symbol in sorted(exits - held):
            self._retire_exits(symbol)
            retiring = self._retiring.get(symbol)
            if retiring is not None:
                await asyncio.gather(retiring, return_exceptions=True)
            repairs.append(f"{symbol}: exits left on a closed position cancelled")
        standing = await self.rest.call("fapiPrivateGetOpenAlgoOrders", {}, weight=40)
        for raw in standing:
            cid, symbol = str(raw.get("clientAlgoId", "")), str(raw.get("symbol", ""))
            if symbol in held or not cid.startswith(EXIT_ID_PREFIXES) or self.book.knows(cid):
                continue
            try:
                await self._call_or_not_found(
                    "fapiPrivateDeleteAlgoOrder", {"clientAlgoId": cid}, cid
                )
            except OrderNotFound:
                continue  # it ended meanwhile
            repairs.append(f"{symbol}: an exit of ours the books never heard of ({cid}) cancelled")
        return repairs

    async def _reconcile_positions(self) -> list[str]:
        """Align the books with the exchange's positions when no missed event explains it.

        A fill can be at the exchange before its event reaches us, so a difference counts
        only when no order is in flight and it is still there, the same, a moment later.
        """
        if self.book_positions is None or self._in_flight:
            return []
        first = await self._position_differences()
        if not first:
            return []
        await asyncio.sleep(DRIFT_CONFIRM_S)
        if self._in_flight:
            return []
        second = await self._position_differences()
        repairs: list[str] = []
        for symbol, (held, ours, entry) in sorted(second.items()):
            if first.get(symbol) != (held, ours, entry):
                continue  # still moving: the next round looks again
            difference = held - ours
            price = entry if held != ZERO else await self._last_price(symbol)
            self._publish(self.book.adjustment(symbol, difference, price, self._clock.now_ms()))
            repairs.append(
                f"{symbol}: Binance holds {held}, the books {ours};"
                f" booked an adjustment of {difference} at {price}"
            )
        return repairs

    async def _position_differences(self) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        """Return (Binance's, ours, Binance's entry price) for each symbol that differs."""
        assert self.book_positions is not None
        theirs = {p.symbol: p for p in await self.positions()}
        ours = dict(self.book_positions())
        for report in self._pending:  # reported but not booked yet
            if isinstance(report, FillReport):
                moved = report.side.sign * report.quantity
                ours[report.symbol] = ours.get(report.symbol, ZERO) + moved
        differences: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
        for symbol in set(ours) | set(theirs):
            held = theirs[symbol].quantity if symbol in theirs else ZERO
            entry = theirs[symbol].entry_price if symbol in theirs else ZERO
            if held != ours.get(symbol, ZERO):
                differences[symbol] = (held, ours.get(symbol, ZERO), entry)
        return differences

    async def _last_price(self, symbol: str) -> Decimal:
        raw = await self.rest.call("fapiPublicGetTickerPrice", {"symbol": symbol})
        return Decimal(str(raw["price"]))
