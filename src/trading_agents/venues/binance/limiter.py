"""Keep clear of Binance's request-weight and order-count limits, as its headers report them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from trading_agents.core.clock import MS_PER_MINUTE, MS_PER_SECOND, Clock

WEIGHT_HEADER = "x-mbx-used-weight-1m"
ORDERS_10S_HEADER = "x-mbx-order-count-10s"
ORDERS_1M_HEADER = "x-mbx-order-count-1m"


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Binance USDⓈ-M's limits per IP (weight) and per account (orders), and the share we use."""

    weight_per_minute: int = 2_400
    orders_per_10s: int = 300
    orders_per_minute: int = 1_200
    headroom: float = 0.8  # the share of each limit we allow ourselves; others share the IP


class IpWeight:
    """The request weight this IP used in the current minute, shared by every key set on it.

    Binance counts weight per IP, so the venues of several accounts (each with its own keys,
    user stream and order counts) draw on one budget: each sees the others' requests.
    """

    def __init__(self) -> None:
        self.used = 0
        self.minute = -1

    def set(self, used: int, minute: int) -> None:
        """Take the exchange's count for `minute` (a response's header)."""
        self.used, self.minute = used, minute

    def take(self, weight: int, minute: int) -> None:
        """Count a request about to go, until a response's header tells the exchange's tally."""
        if minute == self.minute:
            self.used += weight
        else:
            self.used, self.minute = weight, minute


class WeightLimiter:
    """Wait before a request that would take the used weight or order counts past our share.

    The counts come from the response headers, which are the exchange's own tally: they
    include other processes on the same IP or account, which no local counter could see.
    A count belongs to its window (the minute, or the 10 s), so it is forgotten when the
    window turns. The weight is the IP's (`ip`, shared by the limiters of every key set on
    this machine); the order counts are the account's own.
    """

    def __init__(
        self,
        clock: Clock,
        limits: RateLimits | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ip: IpWeight | None = None,
    ) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._sleep = sleep
        self.ip = ip or IpWeight()
        self.orders_10s = 0
        self.orders_1m = 0
        self._orders_10s_window = -1
        self._orders_minute = -1
        self.waited_s = 0.0

    @property
    def used_weight(self) -> int:
        """Return the IP's weight used in the minute of the last count."""
        return self.ip.used

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the counts a response reports."""
        now = self._clock.now_ms()
        lowered = {key.lower(): value for key, value in headers.items()}
        if (weight := _int(lowered.get(WEIGHT_HEADER))) is not None:
            self.ip.set(weight, now // MS_PER_MINUTE)
        if (orders := _int(lowered.get(ORDERS_10S_HEADER))) is not None:
            self.orders_10s, self._orders_10s_window = orders, now // (10 * MS_PER_SECOND)
        if (orders := _int(lowered.get(ORDERS_1M_HEADER))) is not None:
            self.orders_1m, self._orders_minute = orders, now // MS_PER_MINUTE

    def delay_ms(self, weight: int, places_order: bool) -> int:
        """Return how long to wait before a request of `weight` may go, 0 if at once."""
        now = self._clock.now_ms()
        limits = self.limits
        waits = [0]
        minute = now // MS_PER_MINUTE
        if minute == self.ip.minute and self.ip.used + weight > _share(
            limits.weight_per_minute, limits.headroom
        ):
            waits.append((minute + 1) * MS_PER_MINUTE - now)
        if places_order:
            window = now // (10 * MS_PER_SECOND)
            if window == self._orders_10s_window and self.orders_10s + 1 > _share(
                limits.orders_per_10s, limits.headroom
            ):
                waits.append((window + 1) * 10 * MS_PER_SECOND - now)
            if minute == self._orders_minute and self.orders_1m + 1 > _share(
                limits.orders_per_minute, limits.headroom
            ):
                waits.append((minute + 1) * MS_PER_MINUTE - now)
        return max(waits)

    async def wait(self, weight: int = 1, places_order: bool = False) -> None:
        """Wait until a request of `weight` keeps within our share of the limits."""
        delay = self.delay_ms(weight, places_order)
        if delay > 0:
            self.waited_s += delay / MS_PER_SECOND
            await self._sleep(delay / MS_PER_SECOND)
        # Seen at once by the other key sets' limiters, before the answer tells the tally.
        self.ip.take(weight, self._clock.now_ms() // MS_PER_MINUTE)


def _share(limit: int, headroom: float) -> int:
    return max(1, int(limit * headroom))


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
