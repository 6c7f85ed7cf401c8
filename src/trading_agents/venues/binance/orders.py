"""What the Binance venue needs of our orders: ids, fills heard, exits still to place.

The orders themselves (status, fills, fees) are the account's order cache's, moved by the
reports this venue publishes; the book keeps only what matching Binance's events needs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trading_agents.core.decimals import ZERO
from trading_agents.model.enums import Liquidity, OrderStatus, Side
from trading_agents.model.orders import Order, OrderIntent
from trading_agents.model.reports import FillReport
from trading_agents.venues.port import OrderSnapshot

RECONCILE_PREFIX = "reconcile"
MAX_ORPHANS = 256
_ALGO_FINAL = frozenset({"CANCELED", "EXPIRED", "REJECTED", "FINISHED"})


@dataclass(slots=True)
class _Tracked:
    symbol: str
    algo: bool
    intent: OrderIntent | None = None  # what was sent, while Binance has not confirmed it
    order_id: str = ""
    filled: Decimal = ZERO
    open: bool = True
    attached: list[OrderIntent] = field(default_factory=list)
    status: OrderStatus | None = None  # an algo order's last status heard, to report news once
    # The order as sent, until its acceptance is reported: the REST answer and the stream's
    # NEW event both tell it, and the first to come reports it.
    untold: OrderIntent | None = None


class OrderBook:
    """Our orders at Binance by client order id; the stream's events are matched to them."""

    def __init__(self) -> None:
        self._orders: dict[str, _Tracked] = {}
        self._by_order_id: dict[str, str] = {}  # Binance order id -> our client order id
        self._trades: set[tuple[str, str]] = set()
        self._orphans: dict[str, list[Mapping[str, Any]]] = {}  # events before their trigger
        self._fill_heard = asyncio.Event()
        self._adjustments = 0

    def expect(self, intent: OrderIntent, attached: Sequence[OrderIntent]) -> None:
        """Track an order about to be sent, with the exits to place once it has filled."""
        self._orders[intent.client_order_id] = _Tracked(
            intent.symbol, algo=False, intent=intent, attached=list(attached), untold=intent
        )

    def forget(self, client_order_id: str) -> None:
        """Stop tracking an order that was refused."""
        self._orders.pop(client_order_id, None)

    def placed(self, snapshot: OrderSnapshot) -> None:
        """Note the exchange's id of an order it took."""
        tracked = self._orders[snapshot.client_order_id]
        tracked.intent = None
        tracked.order_id = snapshot.venue_order_id
        tracked.open = snapshot.status.is_open
        self._by_order_id[snapshot.venue_order_id] = snapshot.client_order_id

    def algo_expected(self, intent: OrderIntent) -> None:
        """Track an algo order about to be sent (under an ended one's id, a new one)."""
        self._orders[intent.client_order_id] = _Tracked(intent.symbol, algo=True, untold=intent)

    def acceptance(self, client_order_id: str) -> OrderIntent | None:
        """Return the order as sent if its acceptance is still to report, once; else None."""
        tracked = self._orders.get(client_order_id)
        if tracked is None:
            return None
        untold, tracked.untold = tracked.untold, None
        return untold

    def unconfirmed(self, client_order_id: str) -> OrderIntent | None:
        """Return the order as sent while Binance has not confirmed taking it; else None."""
        tracked = self._orders.get(client_order_id)
        return None if tracked is None else tracked.untold

    def algo_seen(self, client_order_id: str, raw: Mapping[str, Any]) -> None:
        """Note what an algo order answer says: its symbol, status and the order it became."""
        tracked = self._orders.setdefault(client_order_id, _Tracked(str(raw["symbol"]), algo=True))
        tracked.symbol = str(raw["symbol"])
        tracked.order_id = str(raw.get("algoId", tracked.order_id))
        tracked.open = str(raw.get("algoStatus")) not in _ALGO_FINAL
        actual = raw.get("actualOrderId")
        if actual not in (None, "", 0, "0"):
            self._by_order_id[str(actual)] = client_order_id

    def knows(self, client_order_id: str) -> bool:
        """Tell whether the order is one of ours."""
        return client_order_id in self._orders

    def is_algo(self, client_order_id: str) -> bool:
        """Tell whether the order went to the algo service."""
        tracked = self._orders.get(client_order_id)
        return tracked is not None and tracked.algo

    def owner(self, raw: Mapping[str, Any]) -> str | None:
        """Return whose order an ORDER_TRADE_UPDATE is about; hold it if not known yet."""
        cid = str(raw.get("c"))
        if cid in self._orders:  # ours; a triggered algo order's order carries its algo id
            return cid
        order_id = str(raw.get("i"))
        if order_id in self._by_order_id:
            return self._by_order_id[order_id]
        # A triggered algo order's fills may come before the ALGO_UPDATE naming the order.
        if len(self._orphans) >= MAX_ORPHANS:  # others' orders on the account: keep the newest
            self._orphans.pop(next(iter(self._orphans)))
        self._orphans.setdefault(order_id, []).append(raw)
        return None

    def on_algo_event(self, raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Take an ALGO_UPDATE; return the order events held back for the order it became."""
        cid = str(raw.get("caid"))
        tracked = self._orders.get(cid)
        if tracked is None:
            return []
        if str(raw.get("X")) in _ALGO_FINAL:
            tracked.open = False
        actual = raw.get("ai")
        if actual in (None, "", 0, "0"):
            return []
        self._by_order_id[str(actual)] = cid
        return self._orphans.pop(str(actual), [])

    def algo_status_changed(self, client_order_id: str, status: OrderStatus) -> bool:
        """Record an algo order's status; tell whether it is news."""
        tracked = self._orders[client_order_id]
        if tracked.status is status:
            return False
        tracked.status = status
        return True

    def new_fill(self, fill: FillReport) -> bool:
        """Count a fill once; tell whether it is new."""
        key = (fill.symbol, fill.trade_id)
        if key in self._trades:
            return False
        self._trades.add(key)
        tracked = self._orders.get(fill.client_order_id)
        if tracked is not None:
            tracked.filled += fill.quantity
            if not fill.order_status.is_open:
                tracked.open = False
        self._fill_heard.set()
        return True

    async def fill_arrived(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the next fill of any order."""
        self._fill_heard.clear()  # no await since the caller's check: no fill slips between
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._fill_heard.wait(), max(0.0, timeout_s))

    @property
    def trades_heard(self) -> int:
        """Return how many distinct trades of ours were reported."""
        return len(self._trades)

    def filled(self, client_order_id: str) -> Decimal:
        """Return the quantity of the order's fills heard so far."""
        tracked = self._orders.get(client_order_id)
        return ZERO if tracked is None else tracked.filled

    def has_attached(self, client_order_id: str) -> bool:
        """Tell whether exits still wait for the order to fill."""
        tracked = self._orders.get(client_order_id)
        return tracked is not None and bool(tracked.attached)

    def take_attached(self, client_order_id: str) -> list[OrderIntent]:
        """Return the exits to place now, once."""
        tracked = self._orders.get(client_order_id)
        if tracked is None:
            return []
        taken, tracked.attached = tracked.attached, []
        return taken

    def closed(self, client_order_id: str) -> None:
        """Note that an order can no longer fill (one not tracked needs nothing)."""
        tracked = self._orders.get(client_order_id)
        if tracked is not None:
            tracked.open = False

    def resume(
        self,
        orders: Iterable[tuple[Order, str, Sequence[OrderIntent]]],
        trades: Iterable[tuple[str, str]],
    ) -> None:
        """Take back the orders a previous run knew, and the trades it already booked.

        Each comes with Binance's id (empty if never confirmed: it is then asked about as
        an unsettled order) and the exits still to place once it fills.
        """
        self._trades.update(trades)
        for order, venue_id, attached in orders:
            intent = order.intent
            algo = intent.order_type.is_conditional
            still_open = order.status.is_open
            unsettled = still_open and not venue_id and not algo
            # An order journaled as sent that Binance never confirmed: its acceptance (or
            # that it never arrived) is still to tell. An algo order is asked by its id.
            unconfirmed = order.status is OrderStatus.SUBMITTED
            self._orders[intent.client_order_id] = _Tracked(
                intent.symbol,
                algo=algo,
                intent=intent if unsettled else None,
                untold=intent if unconfirmed else None,
                order_id=venue_id,
                filled=order.filled_quantity,
                open=still_open,
                attached=list(attached),
            )
            if venue_id and not algo:
                self._by_order_id[venue_id] = intent.client_order_id

    def open_regular(self) -> list[tuple[str, str, str]]:
        """Return (client order id, symbol, order id) of the regular orders still open."""
        return [
            (cid, t.symbol, t.order_id)
            for cid, t in self._orders.items()
            if not t.algo and t.open and t.order_id
        ]

    def unsettled(self) -> list[tuple[OrderIntent, list[OrderIntent]]]:
        """Return the orders sent whose arrival Binance has not confirmed, with their exits."""
        return [
            (t.intent, list(t.attached))
            for t in self._orders.values()
            if t.intent is not None and not t.order_id
        ]

    def open_algos(self) -> list[tuple[str, str]]:
        """Return (client algo id, symbol) of the algo orders still open."""
        return [(cid, t.symbol) for cid, t in self._orders.items() if t.algo and t.open]

    def adjustment(
        self, symbol: str, difference: Decimal, price: Decimal, ts_ms: int
    ) -> FillReport:
        """Return the fill that brings the books to the exchange's position."""
        self._adjustments += 1
        ident = f"{RECONCILE_PREFIX}-{symbol}-{ts_ms}-{self._adjustments}"
        return FillReport(
            client_order_id=ident,
            trade_id=ident,
            symbol=symbol,
            side=Side.BUY if difference > ZERO else Side.SELL,
            quantity=abs(difference),
            price=price,
            fee=ZERO,
            liquidity=Liquidity.TAKER,
            ts_ms=ts_ms,
            order_status=OrderStatus.FILLED,
            realized_pnl=ZERO,
        )
