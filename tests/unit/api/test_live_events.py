"""The dashboard's live feed: each event as the page reads it, and a resync when it fell behind."""

from __future__ import annotations

import json
from decimal import Decimal

from trading_agents.agents.state import DecisionRecord, RiskCheck
from trading_agents.api.live import LIVE_BUFFER, event_source, event_view
from trading_agents.core.clock import SimulatedClock
from trading_agents.events.stream import EventHub
from trading_agents.events.types import AccountEvent, CashFlowBooked, DecisionMade, IntentStored
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import Side
from trading_agents.model.requests import OrderRequest
from trading_agents.risk.verdicts import DenialCode, Denied


def _denied_decision() -> DecisionMade:
    request = OrderRequest("ta-1", "BTCUSDT", Side.BUY, confidence=Decimal("0.9"))
    denial = Denied(DenialCode.SIGNAL_PRICE_OFF_MARKET, "the signal's price is off")
    record = DecisionRecord(
        "atlas", "acc-1", 3, 60_000, DecisionTrigger.SIGNAL, "BTCUSDT", "rules",
        Decision(Action.OPEN, "BTCUSDT", "why", Side.BUY, confidence=Decimal("0.9")),
        (RiskCheck("entry", request, denial),), (), None,
    )  # fmt: skip
    return DecisionMade(record)


def test_a_denied_decision_goes_out_with_its_code() -> None:
    event = AccountEvent(7, 60_000, "atlas", "acc-1", _denied_decision())

    assert event_view(event) == {
        "seq": 7,
        "at": "1970-01-01T00:01:00Z",
        "agent": "atlas",
        "account_id": "acc-1",
        "kind": "decision",
        "symbol": "BTCUSDT",
        "action": "open",
        "denied": ["signal_price_off_market"],
    }


def test_money_goes_out_as_plain_digits_and_internal_news_not_at_all() -> None:
    flow = AccountEvent(1, 0, "atlas", "acc-1", CashFlowBooked("f-1", "deposit", Decimal("2.50")))
    intent = AccountEvent(2, 0, "atlas", "acc-1", IntentStored("ta-1", "BTCUSDT"))

    assert event_view(flow) is not None
    assert event_view(flow)["amount"] == "2.5"  # type: ignore[index]
    assert event_view(intent) is None


async def test_the_stream_says_hello_then_each_event_as_published() -> None:
    hub = EventHub(SimulatedClock(0))
    stream = hub.stream("atlas", "acc-1")
    source = event_source(hub)
    assert await anext(source) == b"retry: 1000\n\n"
    assert (await anext(source)).startswith(b"event: hello\n")

    stream.publish(CashFlowBooked("f-1", "deposit", Decimal(100)))
    message = (await anext(source)).decode()

    assert message.startswith("event: cash_flow\ndata: ")
    assert json.loads(message.split("data: ", 1)[1])["amount"] == "100"
    await source.aclose()


async def test_a_page_that_fell_behind_is_told_to_fetch_afresh() -> None:
    hub = EventHub(SimulatedClock(0))
    stream = hub.stream("atlas", "acc-1")
    source = event_source(hub)
    await anext(source)
    await anext(source)

    for index in range(LIVE_BUFFER + 2):  # two more than the page's buffer holds
        stream.publish(CashFlowBooked(f"f-{index}", "deposit", Decimal(1)))
    first = (await anext(source)).decode()

    assert first == 'event: resync\ndata: {"dropped":2}\n\n'
    assert json.loads((await anext(source)).decode().split("data: ", 1)[1])["seq"] == 3
    await source.aclose()
