"""The account's own record of its orders: opened when sent, moved only by the venue's reports."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import InvalidTransition
from trading_agents.model.members import (
    ACCEPTED,
    CANCELED,
    CONDITIONAL_TYPES,
    EXPIRED,
    FILLED,
    OPEN_STATUSES,
    PARTIALLY_FILLED,
    REJECTED,
    STOP_MARKET,
    SUBMITTED,
    TRIGGERED,
)
from trading_agents.model.orders import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderIntent,
    OrderRejected,
    OrderTriggered,
    trade_event,
)
from trading_agents.model.reports import ExecutionReport, FillReport, OrderUpdate

log: Final = logging.getLogger(__name__)

_FILL_STATUSES: Final = frozenset({FILLED, PARTIALLY_FILLED})


class OrderCache:
    """Every order of one account as an `Order` state machine, in the order they were opened.

    An entry is opened when the gateway sends it; an exit the venue places itself is opened
    by the report of its placement (or its refusal), which carries the order as placed.
    Reports then move each order. A venue may tell the same news twice or late (Binance's
    REST answer after the stream's fill): news an order is already past changes nothing, and
    a step a venue leaves untold (a fill with no acceptance heard) is taken as implied.
    """

    def __init__(self, track_changes: bool = False, keep_ended: bool = True) -> None:
        """Keep orders; with `track_changes`, also which moved since `take_changed`.

        Without `keep_ended` an order is let go once it ends: a backtest's result is its
        fills and trades, and a year of ended orders would be kept twice (the simulated
        exchange keeps every order it took).
        """
        self._orders: dict[str, Order] = {}
        self._keep_ended = keep_ended
        self._venue_ids: dict[str, str] = {}
        self._armed: dict[str, OrderIntent] = {}  # exits sent with an entry, not placed yet
        # An order whose id a new one took (ids of ended orders may be used again), kept
        # until the venue takes the new one: a refused newcomer gives it back.
        self._displaced: dict[str, Order] = {}
        # Each symbol's stop-market orders, oldest first, the ended ones dropped as it is read:
        # the resting stop is asked for on every decision, and an account's orders only grow.
        self._stops: dict[str, list[Order]] = {}
        self._track = track_changes
        self._changed: dict[str, None] = {}
        # Whether `_changed` holds anything: read on every quiet settle, a plain attribute.
        self.changed = False
        self.unexplained = 0  # reports that contradicted the record: logged, and counted here

    def open(self, intent: OrderIntent, ts_ms: int, attached: Sequence[OrderIntent] = ()) -> None:
        """Open an order about to be sent, with the exits the venue places once it fills."""
        cid = intent.client_order_id
        previous = self._orders.get(cid)
        if previous is not None:
            self._displaced[cid] = previous
        self._keep(Order(intent, ts_ms))
        for exit_ in attached:
            self._armed[exit_.client_order_id] = exit_
        if self._track:
            self._changed[cid] = None
            self.changed = True

    def refused(self, client_order_id: str, attached: Sequence[OrderIntent] = ()) -> None:
        """Forget an order the venue refused outright: it never existed there."""
        self._orders.pop(client_order_id, None)
        self._changed.pop(client_order_id, None)
        self.changed = bool(self._changed)
        previous = self._displaced.pop(client_order_id, None)
        if previous is not None:
            self._keep(previous)
        for exit_ in attached:
            self._armed.pop(exit_.client_order_id, None)

    def apply(self, report: ExecutionReport) -> bool:
        """Move the order a report is about; tell whether it is one of the account's."""
        kind = type(report)  # reports are NamedTuples and dataclasses: no subclasses
        if kind is FillReport:
            fill: FillReport = report  # type: ignore[assignment]
            order = self._orders.get(fill.client_order_id)
            if order is None:
                order = self._find(fill.client_order_id, None, fill.ts_ms)
                if order is None:
                    return False  # a liquidation or a repair: no order of the account's
            self._fill(order, fill)
        elif kind is OrderUpdate:
            update: OrderUpdate = report  # type: ignore[assignment]
            order = self._find(update.client_order_id, update.intent, update.ts_ms)
            if order is None:
                return False
            if update.venue_order_id:
                self._venue_ids[order.client_order_id] = update.venue_order_id
            self._update(order, update)
        else:
            return False
        if self._track:
            self._changed[order.client_order_id] = None
            self.changed = True
        elif not self._keep_ended and order.status not in OPEN_STATUSES:
            cid = order.client_order_id
            del self._orders[cid]
            self._venue_ids.pop(cid, None)
        return True

    def _find(self, cid: str, placed: OrderIntent | None, ts_ms: int) -> Order | None:
        order = self._orders.get(cid)
        if order is not None and (placed is None or order.status in OPEN_STATUSES):
            if placed is not None and order.status is SUBMITTED and placed is not order.intent:
                order.intent = placed  # the venue rounded it to its filters
            return order
        # Unknown, or an ended order's id the venue placed a new one under (an exit's id).
        armed = self._armed.pop(cid, None)
        intent = placed or armed
        if intent is None:
            return None
        order = Order(intent, ts_ms)
        self._keep(order)
        return order

    def _keep(self, order: Order) -> None:
        """Hold an order under its id, and a stop among its symbol's stops."""
        self._orders[order.client_order_id] = order
        intent = order.intent
        if intent.order_type is STOP_MARKET and order.status in OPEN_STATUSES:
            stops = self._stops.setdefault(intent.symbol, [])
            if order not in stops:
                stops.append(order)

    def _update(self, order: Order, report: OrderUpdate) -> None:
        status, current, ts_ms = report.status, order.status, report.ts_ms
        if status is current or current not in OPEN_STATUSES or status in _FILL_STATUSES:
            return  # old news, or news a fill report brings
        if status is ACCEPTED:
            if current is SUBMITTED:
                order.apply(OrderAccepted(ts_ms))
            return
        if status is REJECTED:
            try:  # sent and refused, or a conditional order refused when it triggered
                order.apply(OrderRejected(ts_ms, report.code, report.reason))
            except InvalidTransition:
                self._unexplained(order, f"rejected once {current}")
            return
        if current is SUBMITTED:
            order.apply(OrderAccepted(ts_ms))
        if status is TRIGGERED:
            self._trigger(order, ts_ms, report.price)
        elif status is CANCELED:
            order.apply(OrderCanceled(ts_ms, report.reason))
        elif status is EXPIRED:
            order.apply(OrderExpired(ts_ms, report.reason))

    @staticmethod
    def _trigger(order: Order, ts_ms: int, price: Decimal | None) -> None:
        intent = order.intent
        if order.status is not ACCEPTED or intent.order_type not in CONDITIONAL_TYPES:
            return
        trigger = price if price is not None else intent.trigger_price
        assert trigger is not None  # a conditional intent has a trigger price
        order.apply(OrderTriggered(ts_ms, trigger))

    def _fill(self, order: Order, fill: FillReport) -> None:
        status = order.status
        if status not in OPEN_STATUSES:
            self._unexplained(order, f"a fill ({fill.trade_id}) once {status}")
            return
        if status is SUBMITTED:
            order.apply(OrderAccepted(fill.ts_ms))
            status = order.status
        if status is ACCEPTED and order.intent.order_type in CONDITIONAL_TYPES:
            self._trigger(order, fill.ts_ms, fill.price)
        left = order.intent.quantity - order.filled_quantity - fill.quantity
        said = fill.order_status
        done = said is FILLED or (said is not PARTIALLY_FILLED and not left)
        if done and left:
            # The venue's word on what traded wins: it filled an order of another size.
            self._unexplained(order, f"filled at {order.filled_quantity + fill.quantity}")
            order.intent = order.intent.resized(order.filled_quantity + fill.quantity)
        elif not done and left <= ZERO:
            self._unexplained(order, f"a partial fill of {fill.quantity} leaving {left}")
            return
        try:
            order.apply(
                trade_event(
                    done,
                    fill.ts_ms,
                    fill.trade_id,
                    fill.quantity,
                    fill.price,
                    fill.fee,
                    fill.liquidity,
                )
            )
        except InvalidTransition as error:
            self._unexplained(order, str(error))

    def _unexplained(self, order: Order, what: str) -> None:
        self.unexplained += 1
        log.warning(
            "%s: the venue reported %s; the order record keeps %s",
            order.client_order_id,
            what,
            order.status,
        )

    def get(self, client_order_id: str) -> Order | None:
        """Return one of the account's orders, or None."""
        return self._orders.get(client_order_id)

    def venue_order_id(self, client_order_id: str) -> str:
        """Return the venue's id of an order; empty while the venue has not told it."""
        return self._venue_ids.get(client_order_id, "")

    def orders(self) -> list[Order]:
        """Return every order of the account, oldest first."""
        return list(self._orders.values())

    def resting_stop(self, symbol: str) -> Decimal | None:
        """Return the trigger price of the symbol's open stop-market order (the newest)."""
        stops = self._stops.get(symbol)
        if not stops:
            return None
        # A stop that ended, or that the account no longer holds (refused, let go), leaves.
        orders = self._orders
        live = [
            o for o in stops if o.status in OPEN_STATUSES and orders.get(o.client_order_id) is o
        ]
        self._stops[symbol] = live
        return live[-1].intent.trigger_price if live else None

    def venue_ids(self) -> dict[str, str]:
        """Return the venue's id of every order it told one of, by client order id."""
        return dict(self._venue_ids)

    def take_changed(self) -> list[tuple[Order, str]]:
        """Return the orders opened or moved since the last call, with their venue ids."""
        if not self._changed:
            return []
        changed, self._changed = self._changed, {}
        self.changed = False
        return [
            (self._orders[cid], self._venue_ids.get(cid, ""))
            for cid in changed
            if cid in self._orders
        ]

    def restore(self, orders: Iterable[Order], venue_ids: Mapping[str, str]) -> None:
        """Take back the account's orders, oldest first, with the venue's ids of them."""
        self._orders = {}
        self._stops = {}
        for order in orders:
            self._keep(order)
        self._venue_ids = {cid: vid for cid, vid in venue_ids.items() if vid}
        self._armed = {}
        self._displaced = {}
        self._changed = {}
        self.changed = False
