"""Remember the signals already taken, so that one delivered twice leads to one decision."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from decimal import Decimal


def content_id(
    symbol: str, action: str, confidence: Decimal, price: Decimal, sent_ms: int | None
) -> str:
    """Return an id made of what a signal says, numbers normalised: the same signal, one id.

    A signal that comes without an id is known by it, so the same signal delivered again (a
    replay, or the engine's latest signal answered at the next poll) has the same id, however
    its numbers were spelled (0.85 or 0.850, 105000 or 105000.0).
    """
    text = f"{symbol}|{action}|{confidence.normalize()}|{price.normalize()}|{sent_ms}"
    return f"sig-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


class RecentSignals:
    """Keys of recent signals, the oldest forgotten first beyond `capacity` or after `ttl_ms`."""

    def __init__(self, capacity: int = 100_000, ttl_ms: int = 3_600_000) -> None:
        self._capacity = capacity
        self._ttl_ms = ttl_ms
        self._seen: OrderedDict[Hashable, int] = OrderedDict()

    def first_time(self, key: Hashable, now_ms: int) -> bool:
        """Record `key`; return False if it was seen within the time to live."""
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now_ms - at <= self._ttl_ms and len(self._seen) < self._capacity:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now_ms
        return True

    def forget(self, key: Hashable) -> None:
        """Drop a key, so that a signal refused for a passing reason can come again."""
        self._seen.pop(key, None)
