"""Trading at Binance USDⓈ-M: setup, orders by REST, their fate from the user stream."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from trading_agents.config.binance import BinanceConfig
from trading_agents.core.clock import Clock
from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import ConfigurationError
from trading_agents.model.enums import OrderStatus
from trading_agents.model.orders import OrderIntent
from trading_agents.model.positions import PositionSnapshot
from trading_agents.model.reports import (
    ExecutionReport,
    FillReport,
    OrderAck,
    OrderUpdate,
)
from trading_agents.venues.binance.instruments import ExchangeInstruments
from trading_agents.venues.binance.limiter import IpWeight, WeightLimiter
from trading_agents.venues.binance.orders import OrderBook
from trading_agents.venues.binance.rest import BinanceRest
from trading_agents.venues.binance.stream import UserDataStream
from trading_agents.venues.binance.wire import (
    EXCHANGE_ORDER_PREFIXES,
    algo_params,
    algo_snapshot,
    balance_snapshot,
    dec,
    order_event,
    order_params,
    order_snapshot,
    position_snapshot,
    trade_fill,
)
from trading_agents.venues.errors import (
    BinanceCode,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    VenueError,
    VenueStopped,
    VenueUnavailable,
)
from trading_agents.venues.port import BalanceSnapshot, OrderSnapshot
from trading_agents.venues.reports import PublishedReports
from trading_agents.venues.rounding import round_intent

log = logging.getLogger(__name__)
# ACCOUNT_UPDATE reasons that say money moved in or out of the wallet by a transfer.
TRANSFER_REASONS = frozenset(
    {
        "DEPOSIT",
        "WITHDRAW",
        "WITHDRAW_REJECT",
        "ADMIN_DEPOSIT",
        "ADMIN_WITHDRAW",
        "MARGIN_TRANSFER",
        "ASSET_TRANSFER",
    }
)
RECHECK_S = 2.0  # the next reconciliation when one could not compare everything

FILL_WAIT_S = 2.0  # how long an order's fills may take on the stream before REST is asked
_NOT_FOUND = (BinanceCode.NO_SUCH_ORDER, BinanceCode.UNKNOWN_ORDER)
_NO_NEED = (BinanceCode.NO_NEED_TO_CHANGE_MARGIN_TYPE, BinanceCode.NO_NEED_TO_CHANGE_POSITION_SIDE)
# Changing the margin type with a position or open orders on the symbol: keep what is set.
_MARGIN_TYPE_LOCKED = (-4047, -4048)
_ENDED_UNFILLED = frozenset({OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED})


class BinanceTrading(PublishedReports):
    """Trade one Binance USDⓈ-M account: orders by REST, their fate from the user stream.

    `BinanceVenue` adds what compares it all with the exchange: reconciliation, funding
    and the wallet, and taking back a previous run's orders.
    """

    def __init__(
        self,
        config: BinanceConfig,
        clock: Clock,
        *,
        rest: BinanceRest | None = None,
        instruments: ExchangeInstruments | None = None,
        ip_weight: IpWeight | None = None,
    ) -> None:
        if not config.has_keys:
            raise ConfigurationError(
                "a Binance venue with no keys: give it the service's (BINANCE_API_KEY,"
                " BINANCE_API_SECRET) or the account's own"
            )
        self.config = config
        self._clock = clock
        self.rest = rest or BinanceRest(config, clock, WeightLimiter(clock, ip=ip_weight))
        self.instruments = instruments or ExchangeInstruments(self.rest)
        self.book = OrderBook()
        super().__init__()
        self._prepared: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.repairs: list[str] = []
        self._in_flight = 0  # orders being sent: their fills may not have been heard yet
        self._retiring: dict[str, asyncio.Task[None]] = {}
        self._sending: set[str] = set()  # algo orders on their way: not lost if not found yet
        # A round that could not compare the wallet (money on its way to the books, say what a
        # restart found filled) asks for the next round soon rather than a cadence later.
        self.recheck_soon = False
        self.transfer_heard_ms: int | None = None  # when the stream last told of a transfer
        self.stream = UserDataStream(
            self.rest,
            config.ws_base,
            self._on_event,
            self._on_connect,
            keepalive_s=config.keepalive_s,
            reconnect_cap_s=config.reconnect_cap_s,
        )
        self._stream_task: asyncio.Task[None] | None = None
        self.book_positions: Callable[[], Mapping[str, Decimal]] | None = None

    # -- life --------------------------------------------------------------------------------

    async def start(self, connect_timeout_s: float = 10.0) -> None:
        """Load the instruments, put the account in one-way mode, and open the user stream."""
        await self.instruments.refresh(self._clock.now_ms())
        await self._one_way_mode()
        self._stream_task = asyncio.create_task(self.stream.run(), name="binance-user-stream")
        self._tasks.append(asyncio.create_task(self._maintain(), name="binance-maintenance"))
        try:
            await asyncio.wait_for(self.stream.connected.wait(), connect_timeout_s)
        except TimeoutError:
            raise VenueUnavailable(
                f"the Binance user data stream did not connect in {connect_timeout_s} s"
            ) from None

    async def close(self) -> None:
        """Stop the stream and the background work, and close the HTTP session."""
        for task in [self._stream_task, *self._tasks]:
            if task is not None:
                task.cancel()
        for task in [self._stream_task, *self._tasks]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):  # closing anyway
                    await task
        await self.rest.close()

    async def _maintain(self) -> None:
        """Reconcile and refresh the instruments on their cadences, for as long as it runs."""
        config = self.config
        loop = asyncio.get_running_loop()
        next_refresh = loop.time() + config.instruments_refresh_s
        while True:
            await self._next_round(min(config.reconcile_s, config.instruments_refresh_s))
            try:
                if self.stream.connected.is_set():
                    await self.reconcile()
                if loop.time() >= next_refresh:
                    await self.instruments.refresh(self._clock.now_ms())
                    next_refresh = loop.time() + config.instruments_refresh_s
            except VenueStopped:
                return
            except VenueError as error:
                log.warning("Binance maintenance failed this round: %s", error)
            except Exception:  # the next round tries again; a bug must not end the upkeep
                log.exception("Binance maintenance failed this round")

    async def _next_round(self, cadence: float) -> None:
        """Wait a cadence, or less once a round asked to look again soon."""
        loop = asyncio.get_running_loop()
        due = loop.time() + cadence
        while True:
            await asyncio.sleep(min(RECHECK_S, max(0.0, due - loop.time())))
            if self.recheck_soon or loop.time() >= due:
                return

    async def _one_way_mode(self) -> None:
        answer = await self.rest.call("fapiPrivateGetPositionSideDual", {}, weight=30)
        if str(answer.get("dualSidePosition")).lower() in ("true", "1"):
            await self._tolerant("fapiPrivatePostPositionSideDual", {"dualSidePosition": "false"})
            log.info("Binance account switched to one-way position mode")

    async def _prepare(self, symbol: str) -> None:
        """Set the margin type once per symbol before its first order."""
        if symbol in self._prepared:
            return
        try:
            await self._tolerant(
                "fapiPrivatePostMarginType",
                {"symbol": symbol, "marginType": self.config.margin_type},
            )
        except OrderRejected as refused:
            if refused.code not in _MARGIN_TYPE_LOCKED:
                raise
            log.warning("%s margin type left as it is: %s", symbol, refused)
        self._prepared.add(symbol)

    async def _tolerant(self, endpoint: str, params: Mapping[str, str]) -> None:
        """Call a setting endpoint; an answer that nothing needed changing is success."""
        try:
            await self.rest.call(endpoint, params)
        except OrderRejected as refused:
            if refused.code not in _NO_NEED:
                raise

    # -- the port ------------------------------------------------------------------------------

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage for the symbol's positions."""
        await self._prepare(symbol)
        await self.rest.call("fapiPrivatePostLeverage", {"symbol": symbol, "leverage": leverage})

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        """Place an order; place the reduce-only `attached` exits once it is done filling."""
        instrument = self.instruments.get(intent.symbol)
        intent = round_intent(intent, instrument)
        attached = [round_intent(exit_, instrument) for exit_ in attached]
        await self._prepare(intent.symbol)
        retiring = self._retiring.pop(intent.symbol, None)
        if retiring is not None:  # the last position's exits go before a new one's orders
            await asyncio.gather(retiring, return_exceptions=True)
        self._in_flight += 1
        try:
            return await self._submit(intent, attached)
        finally:
            self._in_flight -= 1

    async def _submit(self, intent: OrderIntent, attached: Sequence[OrderIntent]) -> OrderAck:
        if intent.order_type.is_conditional:
            snapshot = await self._place_algo(intent)
        else:
            self.book.expect(intent, attached)
            try:
                snapshot = await self._place_order(intent)
            except OrderOutcomeUnknown:
                raise  # still tracked: reconciliation asks Binance about it until it knows
            except VenueError:
                self.book.forget(intent.client_order_id)
                raise
            self._placed(intent, snapshot)
            traded = snapshot.filled_quantity
            if traded > ZERO and not snapshot.status.is_open:
                # Filled, or an IOC entry that expired after a part: protect what traded.
                await self._await_fills(snapshot)
                if snapshot.status is not OrderStatus.FILLED:
                    # Its end is told once its fills are booked (old news if the stream told it).
                    self._publish(
                        OrderUpdate(
                            intent.client_order_id,
                            intent.symbol,
                            snapshot.status,
                            self._clock.now_ms(),
                            "IOC: the rest expired",
                        )
                    )
                await self._place_exits(intent.client_order_id, size=traded)
            elif snapshot.status in _ENDED_UNFILLED:
                self.book.take_attached(intent.client_order_id)  # nothing traded to protect
        return OrderAck(
            intent.client_order_id, snapshot.venue_order_id, snapshot.status, self._clock.now_ms()
        )

    async def cancel(self, symbol: str, client_order_id: str) -> None:
        """Cancel an open order or algo order."""
        if self.book.is_algo(client_order_id):
            await self._call_or_not_found(
                "fapiPrivateDeleteAlgoOrder", {"clientAlgoId": client_order_id}, client_order_id
            )
            return
        try:
            await self._call_or_not_found(
                "fapiPrivateDeleteOrder",
                {"symbol": symbol, "origClientOrderId": client_order_id},
                client_order_id,
            )
        except OrderNotFound:
            await self._call_or_not_found(
                "fapiPrivateDeleteAlgoOrder", {"clientAlgoId": client_order_id}, client_order_id
            )

    async def order(self, symbol: str, client_order_id: str) -> OrderSnapshot:
        """Return one order (or algo order) by client order id."""
        if not self.book.is_algo(client_order_id):
            try:
                raw = await self._call_or_not_found(
                    "fapiPrivateGetOrder",
                    {"symbol": symbol, "origClientOrderId": client_order_id},
                    client_order_id,
                )
                return order_snapshot(raw)
            except OrderNotFound:
                pass
        raw = await self._call_or_not_found(
            "fapiPrivateGetAlgoOrder", {"clientAlgoId": client_order_id}, client_order_id
        )
        if str(raw.get("symbol")) != symbol:
            raise OrderNotFound(client_order_id)
        self.book.algo_seen(client_order_id, raw)
        actual = raw.get("actualOrderId")
        executed = None
        if actual not in (None, "", 0, "0"):
            executed = order_snapshot(
                await self.rest.call("fapiPrivateGetOrder", {"symbol": symbol, "orderId": actual})
            )
        return algo_snapshot(raw, executed)

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]:
        """Return the orders and algo orders that can still fill."""
        params = {} if symbol is None else {"symbol": symbol}
        weight = 1 if symbol is not None else 40
        regular = await self.rest.call("fapiPrivateGetOpenOrders", params, weight=weight)
        algos = await self.rest.call("fapiPrivateGetOpenAlgoOrders", params, weight=weight)
        orders = [order_snapshot(raw) for raw in regular]
        for raw in algos:
            self.book.algo_seen(str(raw["clientAlgoId"]), raw)
            orders.append(algo_snapshot(raw))
        return orders

    async def positions(self) -> Sequence[PositionSnapshot]:
        """Return the open positions."""
        raw = await self.rest.call("fapiPrivateV2GetPositionRisk", {}, weight=5)
        return [p for p in map(position_snapshot, raw) if p is not None]

    async def balance(self) -> BalanceSnapshot:
        """Return the account's USDT money."""
        return balance_snapshot(await self.rest.call("fapiPrivateV3GetBalance", {}, weight=5))

    # -- placing -------------------------------------------------------------------------------

    async def _place_order(self, intent: OrderIntent) -> OrderSnapshot:
        """Send an order; when its fate is unknown, ask by client order id before sending again."""
        params = order_params(intent)
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                raw = await self.rest.call("fapiPrivatePostOrder", params, places_order=True)
                return order_snapshot(raw)
            except OrderRejected as refused:
                if attempt > 1 and refused.code == BinanceCode.DUPLICATE_CLIENT_ORDER_ID:
                    found = await self._find_order(intent)  # our own earlier attempt landed
                    if found is not None:
                        return found
                raise OrderRejected(refused.code, refused.message, intent.client_order_id) from None
            except OrderOutcomeUnknown as unknown:
                log.warning(
                    "%s: %s; asking Binance whether it landed", intent.client_order_id, unknown
                )
                found = await self._find_order(intent)
                if found is not None:
                    self.repairs.append(
                        f"{intent.client_order_id}: found at Binance after {unknown}"
                    )
                    return found
                if attempt == self.config.max_attempts:
                    raise
                await asyncio.sleep(self.rest.backoff(attempt))
        raise VenueUnavailable(f"{intent.client_order_id}: not placed")

    async def _find_order(self, intent: OrderIntent) -> OrderSnapshot | None:
        """Ask Binance for the order; raise OrderOutcomeUnknown when it cannot be asked."""
        try:
            return await self.order(intent.symbol, intent.client_order_id)
        except OrderNotFound:
            return None
        except VenueError as error:
            raise OrderOutcomeUnknown(
                f"{intent.client_order_id}: sent, but Binance could not be asked whether it"
                f" landed ({error}); reconciliation will ask again"
            ) from error

    def _placed(self, intent: OrderIntent, snapshot: OrderSnapshot) -> None:
        """Note and report that Binance took an order: its id, and the order as placed."""
        if not intent.order_type.is_conditional:
            self.book.placed(snapshot)
        untold = self.book.acceptance(intent.client_order_id) is not None
        # An order that ended without trading says so now; one that traded ends after its
        # fills are booked (the stream's events, or the caller once it fetched them).
        if snapshot.status in _ENDED_UNFILLED and snapshot.filled_quantity == ZERO:
            status = snapshot.status
        elif untold:
            status = OrderStatus.ACCEPTED
        else:
            return  # the stream's NEW event told it first
        self._publish(
            OrderUpdate(
                intent.client_order_id,
                intent.symbol,
                status,
                self._clock.now_ms(),
                venue_order_id=snapshot.venue_order_id,
                intent=intent if untold else None,  # the order as placed, with its first news
            )
        )

    async def _place_algo(self, intent: OrderIntent) -> OrderSnapshot:
        """Send a conditional order to the algo service and report that Binance took it."""
        self.book.algo_expected(intent)
        self._sending.add(intent.client_order_id)
        try:
            snapshot = await self._send_algo(intent)
        finally:
            self._sending.discard(intent.client_order_id)
        self._placed(intent, snapshot)
        return snapshot

    async def _send_algo(self, intent: OrderIntent) -> OrderSnapshot:
        """Send a conditional order to the algo service, asking first when its fate is unknown."""
        params = algo_params(intent)
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                raw = await self.rest.call("fapiPrivatePostAlgoOrder", params, places_order=True)
                self.book.algo_seen(intent.client_order_id, raw)
                return algo_snapshot(raw)
            except OrderRejected as refused:
                if attempt > 1 and refused.code == BinanceCode.DUPLICATE_CLIENT_ORDER_ID:
                    found = await self._find_order(intent)  # our own earlier attempt landed
                    if found is not None:
                        return found
                raise OrderRejected(refused.code, refused.message, intent.client_order_id) from None
            except OrderOutcomeUnknown:
                found = await self._find_order(intent)
                if found is not None:
                    return found
                if attempt == self.config.max_attempts:
                    raise
                await asyncio.sleep(self.rest.backoff(attempt))
        raise VenueUnavailable(f"{intent.client_order_id}: not placed")

    async def _place_exits(
        self, parent: str, ask_first: bool = False, size: Decimal | None = None
    ) -> None:
        """Place the exits that ride on a filled order; a refused one is reported REJECTED.

        `ask_first` when a previous run may have placed them: an exit Binance knows by its
        id, in any status, is taken as it is. Binance takes an id again once its first
        order ended, so sending it again could reduce a later position. `size`: what the
        order traded, when that is less than the exits were sized for (an IOC's part).
        """
        for exit_ in self.book.take_attached(parent):
            if size is not None and size < exit_.quantity:
                exit_ = exit_.resized(size)
            if ask_first and await self._known_algo(exit_):
                continue
            # Reported as sent first: an exit placed here is news to the books, and a crash
            # before Binance's answer must leave it in the journal to ask about.
            now = self._clock.now_ms()
            self._publish(
                OrderUpdate(
                    exit_.client_order_id, exit_.symbol, OrderStatus.SUBMITTED, now, intent=exit_
                )
            )
            try:
                await self._place_algo(exit_)
            except OrderRejected as refused:
                if refused.code == BinanceCode.DUPLICATE_CLIENT_ORDER_ID:
                    continue  # exit ids are deterministic: this one is ours, already placed
                self.book.closed(exit_.client_order_id)  # refused: nothing to ask about
                self._exit_refused(parent, exit_, refused.code, f"{refused.code}: {refused}")
            except VenueError as error:
                self._exit_refused(parent, exit_, 0, f"0: {error}")

    async def _known_algo(self, exit_: OrderIntent) -> bool:
        """Tell whether Binance knows the algo order; track it if so."""
        cid = exit_.client_order_id
        try:
            raw = await self._call_or_not_found(
                "fapiPrivateGetAlgoOrder", {"clientAlgoId": cid}, cid
            )
        except OrderNotFound:
            return False
        self.book.algo_expected(exit_)
        self.book.algo_seen(cid, raw)
        self._placed(exit_, algo_snapshot(raw))
        return True

    def _exit_refused(self, parent: str, exit_: OrderIntent, code: int, reason: str) -> None:
        log.error("%s: exit %s not placed: %s", parent, exit_.client_order_id, reason)
        self._publish(
            OrderUpdate(
                exit_.client_order_id,
                exit_.symbol,
                OrderStatus.REJECTED,
                self._clock.now_ms(),
                reason,
                intent=exit_,
                code=code,
            )
        )

    async def _await_fills(self, snapshot: OrderSnapshot) -> None:
        """Wait until the stream delivered the order's fills; fetch those it did not."""
        cid = snapshot.client_order_id
        deadline = asyncio.get_running_loop().time() + FILL_WAIT_S
        while self.book.filled(cid) < snapshot.filled_quantity:
            if asyncio.get_running_loop().time() >= deadline:
                await self._fetch_fills(
                    snapshot.symbol, cid, snapshot.venue_order_id, snapshot.status
                )
                return
            await self.book.fill_arrived(deadline - asyncio.get_running_loop().time())

    async def _fetch_fills(self, symbol: str, cid: str, order_id: str, status: OrderStatus) -> int:
        """Book the order's trades the stream did not deliver; return how many."""
        trades = sorted(
            await self.rest.call(
                "fapiPrivateGetUserTrades", {"symbol": symbol, "orderId": order_id}, weight=5
            ),
            key=lambda t: int(t["id"]),
        )
        added = 0
        # Each trade but the last left the order partly filled; the last leaves it as it is.
        last = status if status is OrderStatus.FILLED else OrderStatus.PARTIALLY_FILLED
        for index, raw in enumerate(trades):
            fill = trade_fill(
                raw, cid, last if index == len(trades) - 1 else OrderStatus.PARTIALLY_FILLED
            )
            if self.book.new_fill(fill):
                self._publish(fill)
                added += 1
        if added:
            self.repairs.append(f"{cid}: {added} fill(s) fetched by REST")
            log.warning("%s: %d fill(s) the stream did not deliver were fetched", cid, added)
        return added

    async def _call_or_not_found(self, endpoint: str, params: Mapping[str, Any], cid: str) -> Any:
        try:
            return await self.rest.call(endpoint, params)
        except OrderRejected as refused:
            if refused.code in _NOT_FOUND:
                raise OrderNotFound(cid) from None
            raise

    # -- the stream ------------------------------------------------------------------------------

    def _publish(self, report: ExecutionReport) -> None:
        self._publish_all((report,))

    def _on_event(self, event: Mapping[str, Any]) -> None:
        kind = event.get("e")
        ts_ms = int(event.get("E") or self._clock.now_ms())
        if kind == "ORDER_TRADE_UPDATE":
            self._on_order_event(event["o"], ts_ms)
        elif kind == "ALGO_UPDATE":
            for raw in self.book.on_algo_event(event["o"]):
                self._on_order_event(raw, ts_ms)
            self._publish_algo_status(event["o"], ts_ms)
        elif kind == "ACCOUNT_UPDATE":
            reason = event.get("a", {}).get("m")
            if reason == "FUNDING_FEE":
                self._funding_settled()
            elif reason in TRANSFER_REASONS:
                # Money moved outside our orders: the next reconciliation, within seconds,
                # books it (the wallet comparison finds the transfer in the income history).
                self.recheck_soon = True
                self.transfer_heard_ms = ts_ms
            for position in event.get("a", {}).get("P", ()):
                if dec(position.get("pa")) == ZERO:
                    self._retire_exits(str(position.get("s")))

    def _retire_exits(self, symbol: str) -> None:
        """Cancel the exits left on a closed position, as the simulated venue expires them.

        Binance leaves a reduce-only stop standing when its take-profit closed the position
        (no OCO); triggered later it would be refused, or reduce a later position of ours.
        """
        if not any(s == symbol for _, s in self.book.open_algos()):
            return
        task = asyncio.create_task(self._cancel_exits(symbol), name=f"binance-oco-{symbol}")
        self._retiring[symbol] = task
        self._tasks.append(task)

    async def _cancel_exits(self, symbol: str) -> None:
        for cid, owner in self.book.open_algos():
            if owner != symbol:
                continue
            try:
                await self.cancel(symbol, cid)
            except OrderNotFound:
                pass  # it triggered or ended meanwhile
            except VenueError as error:
                log.error("%s: exit %s left standing on a closed position: %s", symbol, cid, error)
            else:
                self.book.closed(cid)
                if self.book.algo_status_changed(cid, OrderStatus.CANCELED):
                    now = self._clock.now_ms()
                    self._publish(
                        OrderUpdate(cid, symbol, OrderStatus.CANCELED, now, "position closed")
                    )

    def _on_order_event(self, raw: Mapping[str, Any], ts_ms: int) -> None:
        # Binance's own orders closing our position (a liquidation, an auto-deleveraging, a
        # delisting's settlement) are ours to book, though we never sent them.
        named = str(raw.get("c"))
        cid = named if named.startswith(EXCHANGE_ORDER_PREFIXES) else self.book.owner(raw)
        if cid is None:
            return  # not ours, or a triggered algo order whose trigger we have not heard of yet
        report = order_event(raw, cid, ts_ms)
        if report is None:
            return
        if isinstance(report, FillReport):
            if not self.book.new_fill(report):
                return
            self._publish(report)
            if report.order_status is OrderStatus.FILLED and self.book.has_attached(cid):
                self._tasks.append(asyncio.create_task(self._place_exits(cid)))
            return
        if self.book.is_algo(cid):
            return  # a triggered algo order's own order: the ALGO_UPDATE tells its news
        if report.status is OrderStatus.ACCEPTED:
            placed = self.book.acceptance(cid)
            if placed is None:
                return  # the REST answer told it first
            report = dataclasses.replace(report, intent=placed)
        self._publish(report)
        if report.status in _ENDED_UNFILLED and self.book.has_attached(cid):
            traded = self.book.filled(cid)
            if traded > ZERO:  # an IOC entry that ended after a part, heard first here
                self._tasks.append(asyncio.create_task(self._place_exits(cid, size=traded)))

    def _publish_algo_status(self, raw: Mapping[str, Any], ts_ms: int) -> None:
        status = str(raw.get("X"))
        cid = str(raw.get("caid"))
        if not self.book.knows(cid):
            return
        mapped = {
            "CANCELED": OrderStatus.CANCELED,
            "EXPIRED": OrderStatus.EXPIRED,
            "REJECTED": OrderStatus.REJECTED,
            "TRIGGERED": OrderStatus.TRIGGERED,
        }.get(status)
        if mapped is not None and self.book.algo_status_changed(cid, mapped):
            self._publish(
                OrderUpdate(cid, str(raw.get("s")), mapped, ts_ms, str(raw.get("rm") or ""))
            )

    async def _on_connect(self) -> None:
        """Reconcile after every (re)connection: events may have been missed meanwhile."""
        if self.stream.connections > 1:
            await self.reconcile()

    # -- what the exchange is compared with (BinanceVenue) ---------------------------------

    async def reconcile(self) -> list[str]:
        """Compare the exchange with what we know; book what was missed; return the repairs."""
        raise NotImplementedError

    def _funding_settled(self) -> None:
        """Fetch the funding Binance just settled."""
        raise NotImplementedError
