"""The codec stores records and state as JSON and builds back only the types it knows."""

from __future__ import annotations

import json
from collections import deque
from decimal import Decimal

import pytest

from trading_agents.agents.state import DecisionRecord, OrderOutcome, RiskCheck
from trading_agents.config.instruments import default_instruments
from trading_agents.journal.codec import Codec, CodecError
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, Side, TimeInForce
from trading_agents.model.orders import Order, OrderAccepted, OrderFilled, OrderIntent
from trading_agents.model.positions import Position
from trading_agents.model.requests import OrderRequest
from trading_agents.risk.verdicts import Approved, DenialCode, Denied
from trading_agents.service.stored_types import STORED_TYPES

INSTRUMENTS = default_instruments()
CODEC = Codec(STORED_TYPES, INSTRUMENTS)


def _filled_order() -> Order:
    intent = OrderIntent("ta-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.012"))
    order = Order(intent, created_ms=1_000)
    order.apply(OrderAccepted(1_000))
    fill = OrderFilled(
        2_000, "t-1", Decimal("0.012"), Decimal("104772.7"), Decimal("0.6286362"), Liquidity.TAKER
    )
    order.apply(fill)
    return order


def test_an_order_with_its_events_comes_back_equal_and_usable() -> None:
    order = _filled_order()

    back = CODEC.loads(CODEC.dumps(order))

    assert isinstance(back, Order)
    assert (back.intent, back.status, back.events) == (order.intent, order.status, order.events)
    assert back.average_price == Decimal("104772.7")
    assert back.intent.order_type.is_conditional is False  # an enum again, not a bare string
    assert type(back.status) is OrderStatus


def test_a_position_refers_to_the_registry_instrument() -> None:
    position = Position(
        INSTRUMENTS.get("ETHUSDT"), 5, Decimal("-1.5"), Decimal("2500.01"), Decimal("750.003"), 7, 9
    )

    back = CODEC.loads(CODEC.dumps(position))

    assert back == position
    assert back.instrument is INSTRUMENTS.get("ETHUSDT")


def test_a_decision_record_with_verdicts_round_trips() -> None:
    intent = OrderIntent(
        "sl-1",
        "BTCUSDT",
        Side.SELL,
        OrderType.STOP_MARKET,
        Decimal("0.01"),
        trigger_price=Decimal("99000"),
        reduce_only=True,
    )
    request = OrderRequest("ta-1", "BTCUSDT", Side.BUY, confidence=Decimal("0.85"))
    record = DecisionRecord(
        "atlas", "acc-1", 3, 60_000, DecisionTrigger.SIGNAL, "BTCUSDT", "rules",
        Decision(Action.OPEN, "BTCUSDT", "why", Side.BUY, confidence=Decimal("0.85")),
        (RiskCheck("entry", request, Approved(intent, 2, (intent,), ("cut",))),
         RiskCheck("entry", request, Denied(DenialCode.MAX_OPEN_POSITIONS, "too many"))),
        (OrderOutcome("ta-1", "BTCUSDT", "entry", OrderStatus.ACCEPTED),),
        "sig-9",
    )  # fmt: skip

    assert CODEC.loads(CODEC.dumps(record)) == record


def test_containers_keep_their_kind_and_numbers_stay_exact() -> None:
    value = {
        ("BTCUSDT", 1): {"a", "b"},
        "q": deque([1, 2], maxlen=5),
        "d": Decimal("0.100000000000000000000000000001"),
        "f": 0.1,
        "n": None,
    }

    back = CODEC.loads(CODEC.dumps(value))

    assert back == value
    assert back["q"].maxlen == 5
    assert str(back["d"]) == "0.100000000000000000000000000001"


def test_an_unregistered_type_is_refused_both_ways() -> None:
    class Stranger:
        pass

    with pytest.raises(CodecError, match="Stranger"):
        CODEC.dumps(Stranger())
    with pytest.raises(CodecError, match="unknown type 'Popen'"):
        CODEC.loads(json.dumps({"$o": "Popen", "f": {"args": ["rm", "-rf", "/"]}}))


def test_a_record_written_by_another_version_is_refused_not_half_built() -> None:
    stored = json.loads(CODEC.dumps(_filled_order()))
    del stored["f"]["fees"]
    stored["f"]["venue_fee"] = {"$d": "1"}

    with pytest.raises(CodecError, match="written by another version"):
        CODEC.loads(json.dumps(stored))


def test_a_retired_field_of_an_older_version_is_read_past_and_an_unknown_one_refused() -> None:
    codec = Codec(STORED_TYPES, INSTRUMENTS, {"OrderAccepted": ("venue",)})
    older = json.dumps({"$o": "OrderAccepted", "f": {"ts_ms": 5, "venue": "sim"}})
    foreign = json.dumps({"$o": "OrderAccepted", "f": {"ts_ms": 5, "colour": "red"}})

    assert codec.loads(older) == OrderAccepted(5)
    with pytest.raises(CodecError, match="another version"):
        codec.loads(foreign)
    with pytest.raises(CodecError, match="another version"):
        CODEC.loads(older)


def test_an_order_stored_before_time_in_force_existed_reads_as_good_till_cancelled() -> None:
    stored = json.loads(CODEC.dumps(_filled_order().intent))
    del stored["f"]["time_in_force"]  # as a journal written before price protection holds it

    back = CODEC.loads(json.dumps(stored))

    assert back == _filled_order().intent
    assert back.time_in_force is TimeInForce.GTC
