"""Binance's combined-stream messages read exactly: closed klines, mark prices, and the rest."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_messages import (
    BadStreamMessage,
    parse_message,
    stream_names,
)
from trading_agents.market.marks import MarkPrice

OPEN_MS = 1_748_736_000_000  # 2025-06-01T00:00:00Z


def kline(closed: bool = True, **changes: Any) -> dict[str, Any]:
    """Return a kline event as Binance sends it on a combined stream."""
    k: dict[str, Any] = {
        "t": OPEN_MS,
        "T": OPEN_MS + 59_999,
        "s": "BTCUSDT",
        "i": "1m",
        "f": 100,
        "L": 200,
        "o": "104000.10",
        "c": "104005.00",
        "h": "104010.00",
        "l": "103990.50",
        "v": "12.500",
        "n": 101,
        "x": closed,
        "q": "1300062.5",
        "V": "6.250",
        "Q": "650031.25",
        "B": "0",
    }
    k.update(changes)
    data = {"e": "kline", "E": OPEN_MS + 60_012, "s": "BTCUSDT", "k": k}
    return {"stream": "btcusdt@kline_1m", "data": data}


def mark(**changes: Any) -> dict[str, Any]:
    """Return a mark price event as Binance sends it on a combined stream."""
    data: dict[str, Any] = {
        "e": "markPriceUpdate",
        "E": OPEN_MS + 1_000,
        "s": "BTCUSDT",
        "p": "104001.23456789",
        "i": "104000.00",
        "P": "104002.00",
        "r": "0.00010000",
        "T": OPEN_MS + 28_800_000,
    }
    data.update(changes)
    return {"stream": "btcusdt@markPrice@1s", "data": data}


def text(message: dict[str, Any]) -> str:
    return json.dumps(message)


def test_a_closed_kline_is_a_candle_with_the_exact_decimals_sent() -> None:
    candle = parse_message(text(kline()), "1m")

    assert candle == Candle(
        "BTCUSDT",
        OPEN_MS,
        60_000,
        Decimal("104000.10"),
        Decimal("104010.00"),
        Decimal("103990.50"),
        Decimal("104005.00"),
        Decimal("12.500"),
    )
    assert isinstance(candle, Candle)
    assert str(candle.open) == "104000.10"  # digits kept, no float on the way


def test_an_open_candles_update_is_not_a_candle() -> None:
    assert parse_message(text(kline(closed=False)), "1m") is None


def test_a_mark_price_keeps_every_digit() -> None:
    assert parse_message(text(mark()), "1m") == MarkPrice(
        "BTCUSDT", OPEN_MS + 1_000, Decimal("104001.23456789")
    )


def test_a_raw_stream_event_without_the_envelope_is_read_too() -> None:
    assert parse_message(text(mark()["data"]), "1m") == MarkPrice(
        "BTCUSDT", OPEN_MS + 1_000, Decimal("104001.23456789")
    )


@pytest.mark.parametrize(
    "message",
    [
        {"result": None, "id": 1},  # the answer to a subscription request
        {"stream": "btcusdt@aggTrade", "data": {"e": "aggTrade", "s": "BTCUSDT", "p": "1"}},
    ],
    ids=["request answer", "other event"],
)
def test_anything_else_is_passed_over(message: dict[str, Any]) -> None:
    assert parse_message(text(message), "1m") is None


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not json at all", "not JSON"),
        ("[1, 2, 3]", "not an object"),
        ('{"stream": "x", "data": [1]}', "data is not an object"),
        (text({"error": {"code": 2, "msg": "Invalid request"}, "id": 1}), "reports an error"),
        (text(mark(p=104001.5)), "not a decimal string"),
        (text(mark(p="abc")), "not a decimal"),
        (text(mark(p="NaN")), "not a finite amount"),
        (text(mark(p="0")), "a price of zero"),
        (text(mark(E="1748736001000")), "not epoch milliseconds"),
        (text(mark(s=None)), "is not a name"),
        (text(kline(i="5m")), "not the 1m subscribed to"),
        (text(kline(l="104100.00")), "outside low..high"),
        (text({"stream": "btcusdt@kline_1m", "data": {"e": "kline", "s": "BTCUSDT"}}), "'k'"),
    ],
    ids=[
        "garbage",
        "a list",
        "bad data",
        "an error answer",
        "a float price",
        "letters",
        "not a number",
        "zero",
        "a text time",
        "no symbol",
        "another interval",
        "bad OHLC",
        "no kline",
    ],
)
def test_a_bad_message_is_a_clear_error(raw: str, says: str) -> None:
    with pytest.raises(BadStreamMessage, match=says):
        parse_message(raw, "1m")


def test_each_symbol_streams_its_klines_and_its_mark_price_each_second() -> None:
    assert stream_names(["BTCUSDT", "ETHUSDT"], "1m", marks=True) == [
        "btcusdt@kline_1m",
        "btcusdt@markPrice@1s",
        "ethusdt@kline_1m",
        "ethusdt@markPrice@1s",
    ]
    assert stream_names(["BTCUSDT"], "5m", marks=False) == ["btcusdt@kline_5m"]
