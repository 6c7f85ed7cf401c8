"""Turn a signal as it arrives (webhook, poll, API) into a `Signal`, or say exactly why not."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from trading_agents.core.errors import TradingError
from trading_agents.model.signals import Signal, SignalAction

SYMBOL = re.compile(r"^[A-Z0-9]{2,20}$")
FUTURE_TOLERANCE_MS = 60_000  # a sender's clock a little ahead is not a forgery
_MS_FROM = 10_000_000_000  # above this an epoch number is in milliseconds, below in seconds
_LATEST_MS = 10**15  # past the year 30,000 in milliseconds: no signal's moment


class SignalRejected(TradingError):
    """A signal that may not reach an agent; the message says which rule it broke."""


def signal_from(
    payload: Mapping[str, Any],
    *,
    symbols: Collection[str],
    agent: str,
    now_ms: int,
    max_age_ms: int,
    decided_at_ms: int,
    source: str,
) -> Signal:
    """Validate a signal for an agent trading `symbols`; `now_ms` is the wall clock's now."""
    symbol = payload.get("symbol")
    if not isinstance(symbol, str) or not SYMBOL.match(symbol):
        raise SignalRejected(f"symbol must be a symbol such as BTCUSDT, not {symbol!r}")
    if symbol not in symbols:
        raise SignalRejected(f"{agent} does not trade {symbol}; it trades {', '.join(symbols)}")
    action = payload.get("action")
    if action not in {a.value for a in SignalAction}:
        raise SignalRejected(f"action must be buy, sell or hold, not {action!r}")
    confidence = _decimal(payload.get("confidence"), "confidence")
    if not Decimal(0) <= confidence <= Decimal(1):
        raise SignalRejected(f"confidence must be within 0..1, not {confidence}")
    price = _decimal(payload.get("price"), "price")
    if price <= 0:
        raise SignalRejected(f"price must be above zero, not {price}")
    sent_ms = timestamp_ms(payload.get("timestamp"))
    if sent_ms is not None:
        age_ms = now_ms - sent_ms
        if age_ms > max_age_ms:
            raise SignalRejected(
                f"the signal is {age_ms / 1000:.0f} s old; signals older than"
                f" {max_age_ms / 1000:.0f} s are refused"
            )
        if age_ms < -FUTURE_TOLERANCE_MS:
            raise SignalRejected(f"the signal's timestamp is {-age_ms / 1000:.0f} s in the future")
    signal_id = payload.get("signal_id", payload.get("id"))
    if signal_id is not None and (not isinstance(signal_id, str) or not 0 < len(signal_id) <= 64):
        raise SignalRejected("signal_id must be a string of 1 to 64 characters")
    return Signal(symbol, SignalAction(action), confidence, price, decided_at_ms, signal_id, source)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise SignalRejected(f"{name} must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SignalRejected(f"{name} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise SignalRejected(f"{name} must be a finite number, not {value!r}")
    return number


def timestamp_ms(value: Any) -> int | None:
    """Read a timestamp: epoch seconds or milliseconds, or ISO 8601 with a zone; None if absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SignalRejected(
            f"timestamp must be epoch seconds, milliseconds or ISO 8601: {value!r}"
        )
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(value) or not 0 <= value <= _LATEST_MS:
            raise SignalRejected(f"timestamp {value!r} is not a moment epoch time can name")
        return int(value) if value >= _MS_FROM else int(value * 1000)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SignalRejected(f"timestamp {value!r} is not ISO 8601") from None
        if parsed.tzinfo is None:
            raise SignalRejected(f"timestamp {value!r} has no time zone")
        try:
            return int(parsed.timestamp() * 1000)
        except (OverflowError, ValueError):
            raise SignalRejected(f"timestamp {value!r} is out of range") from None
    raise SignalRejected(
        f"timestamp must be epoch seconds, milliseconds or ISO 8601, not {value!r}"
    )
