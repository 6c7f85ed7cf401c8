"""The dashboard's live feed: the desk's event stream as Server-Sent Events.

Each account event goes out as it is published, in a compact form the page reads: what kind
of thing happened, on which account, and the few fields a row needs. The page fetches the
rest through the API, which holds everything; so when this consumer falls behind and its
subscription drops events, a `resync` event tells the page to fetch afresh.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from trading_agents.core.clock import iso_utc
from trading_agents.core.decimals import plain
from trading_agents.events.stream import EventHub, Subscription
from trading_agents.events.types import (
    AccountEvent,
    CashFlowBooked,
    DecisionMade,
    EquityMarked,
    LifecycleChanged,
    OrderChanged,
    Repaired,
    RiskStateChanged,
    TripClosed,
)
from trading_agents.risk.verdicts import Denied

LIVE_BUFFER = 5_000  # events one page may fall behind by before it is told to fetch afresh
KEEP_ALIVE_S = 15.0  # a comment this often keeps proxies from closing a quiet stream
RETRY_MS = 1_000  # how soon the browser reconnects after the stream ends


def event_view(event: AccountEvent) -> dict[str, Any] | None:
    """Return what the page needs of an event, or None for one it does not show."""
    payload = event.payload
    view: dict[str, Any] = {
        "seq": event.seq,
        "at": iso_utc(event.ts_ms),
        "agent": event.agent,
        "account_id": event.account_id,
    }
    if isinstance(payload, OrderChanged):
        order = payload.order
        view |= {
            "kind": "order",
            "client_order_id": order.client_order_id,
            "symbol": order.intent.symbol,
            "status": str(order.status),
            "filled_quantity": plain(order.filled_quantity),
        }
    elif isinstance(payload, TripClosed):
        trip = payload.trip
        view |= {"kind": "trade", "symbol": trip.symbol, "net_pnl": plain(trip.net_pnl)}
    elif isinstance(payload, EquityMarked):
        view |= {"kind": "equity", "equity": plain(payload.point.equity)}
    elif isinstance(payload, DecisionMade):
        record = payload.record
        codes = [str(c.verdict.code) for c in record.checks if isinstance(c.verdict, Denied)]
        view |= {
            "kind": "decision",
            "symbol": record.symbol,
            "action": str(record.decision.action),
            "denied": codes,
        }
    elif isinstance(payload, CashFlowBooked):
        view |= {"kind": "cash_flow", "flow": payload.kind, "amount": plain(payload.amount)}
    elif isinstance(payload, RiskStateChanged):
        view |= {"kind": "risk_state", "state": str(payload.state)}
    elif isinstance(payload, LifecycleChanged):
        view |= {"kind": "lifecycle", "use_case": payload.use_case, "status": payload.status}
    elif isinstance(payload, Repaired):
        view |= {"kind": "repaired", "description": payload.description}
    else:
        return None  # venue reports and intents: the order and trade events say what matters
    return view


def _message(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def event_source(hub: EventHub) -> AsyncIterator[bytes]:
    """Yield the desk's events as an SSE stream until the client goes away."""
    subscription = hub.subscribe(LIVE_BUFFER)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        yield _message("hello", {"buffer": LIVE_BUFFER})
        async for chunk in _events(subscription):
            yield chunk
    finally:
        subscription.close()


async def _events(subscription: Subscription) -> AsyncIterator[bytes]:
    dropped = 0
    while True:
        try:
            event = await asyncio.wait_for(subscription.get(), KEEP_ALIVE_S)
        except TimeoutError:
            yield b": keep-alive\n\n"
            continue
        if subscription.dropped != dropped:
            dropped = subscription.dropped
            yield _message("resync", {"dropped": dropped})
        view = event_view(event)
        if view is not None:
            yield _message(view["kind"], view)
