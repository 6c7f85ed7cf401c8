"""Binance USDⓈ-M combined-stream messages: closed klines and mark prices, prices kept exact.

A combined stream wraps each event as `{"stream": "<name>", "data": <event>}`. A kline event
(`"e": "kline"`) comes several times a second while its candle is open and once more with
`"x": true` when it closes: only that last one is a candle. A mark price event
(`"e": "markPriceUpdate"`) comes every second. Prices are strings, read as `Decimal`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from trading_agents.core.clock import INTERVALS_MS
from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice


class BadStreamMessage(ValueError):
    """A stream message that cannot be read; the stream goes on without it."""


def stream_names(symbols: Sequence[str], interval: str, marks: bool) -> list[str]:
    """Return the combined-stream names for the symbols' klines (and mark prices each second)."""
    names: list[str] = []
    for symbol in symbols:
        names.append(f"{symbol.lower()}@kline_{interval}")
        if marks:
            names.append(f"{symbol.lower()}@markPrice@1s")
    return names


def parse_message(text: str, interval: str) -> Candle | MarkPrice | None:
    """Read one message: a closed candle, a mark price, or None for anything else.

    Anything else is an open candle's update, another event, or the answer to a request.
    Raise BadStreamMessage for a message that is not what Binance sends.
    """
    try:
        message = json.loads(text)
    except ValueError as error:
        raise BadStreamMessage(f"not JSON: {text[:200]!r}") from error
    if not isinstance(message, dict):
        raise BadStreamMessage(f"not an object: {text[:200]!r}")
    if "error" in message:
        raise BadStreamMessage(f"the server reports an error: {message['error']!r:.200}")
    event = message.get("data", message)
    if not isinstance(event, dict):
        raise BadStreamMessage(f"its data is not an object: {text[:200]!r}")
    kind = event.get("e")
    try:
        if kind == "kline":
            return _closed_candle(event, interval)
        if kind == "markPriceUpdate":
            return MarkPrice(_symbol(event.get("s")), _ms(event.get("E")), _price(event.get("p")))
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        raise BadStreamMessage(f"unreadable {kind} event ({error}): {text[:200]!r}") from error
    return None


def _closed_candle(event: dict[str, Any], interval: str) -> Candle | None:
    kline = event["k"]
    if not isinstance(kline, dict):
        raise TypeError("k is not an object")
    if kline.get("x") is not True:
        return None  # the candle is still open: this is one of its updates
    if kline.get("i") != interval:
        raise ValueError(f"interval {kline.get('i')!r}, not the {interval} subscribed to")
    return Candle(
        _symbol(event.get("s")),
        _ms(kline.get("t")),
        INTERVALS_MS[interval],
        _price(kline.get("o")),
        _price(kline.get("h")),
        _price(kline.get("l")),
        _price(kline.get("c")),
        _decimal(kline.get("v")),
    )


def _symbol(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"symbol {value!r} is not a name")
    return value


def _ms(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"time {value!r} is not epoch milliseconds")
    return value


def _decimal(value: object) -> Decimal:
    """Read a decimal string exactly; Binance never sends its prices as JSON numbers."""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"{value!r} is not a decimal") from error
    if not number.is_finite() or number < 0:
        raise ValueError(f"{value!r} is not a finite amount")
    return number


def _price(value: object) -> Decimal:
    price = _decimal(value)
    if price == 0:
        raise ValueError("a price of zero")
    return price
