"""Trading states and the trackers that move an agent between them: pure, time passed in."""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from trading_agents.core.clock import MS_PER_DAY, MS_PER_MINUTE, utc_day_start
from trading_agents.core.decimals import ONE, ZERO


class TradingState(StrEnum):
    """What an agent may do: everything, only reduce until a cause clears, or only reduce."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


class RiskSnapshot(NamedTuple):
    """What a risk engine remembers between checks, stored so that a restart keeps it."""

    breaker: tuple[int, bool]  # consecutive failures, open
    order_times: tuple[int, ...]  # the throttle's window
    daily: tuple[int, Decimal | None, Decimal]  # day start, starting equity, realized
    drawdown: tuple[Decimal | None, Decimal | None, bool]  # peak, last equity, tripped
    reducing_reason: str | None
    deepest_drawdown: Decimal | None = None  # None in states stored before it was kept


class CircuitBreaker:
    """Open after `threshold` consecutive execution failures; stay open until reset."""

    __slots__ = ("_failures", "_open", "threshold")

    def __init__(self, threshold: int) -> None:
        if threshold < 1:
            raise ValueError(f"circuit breaker threshold must be at least 1, got {threshold}")
        self.threshold = threshold
        self._failures = 0
        self._open = False

    @property
    def is_open(self) -> bool:
        """Tell whether new entries are blocked."""
        return self._open

    @property
    def consecutive_failures(self) -> int:
        """Return the failures since the last success or reset."""
        return self._failures

    def record_failure(self) -> None:
        """Count a failure and open the breaker when the threshold is reached."""
        self._failures += 1
        if self._failures >= self.threshold:
            self._open = True

    def record_success(self) -> None:
        """Restart the count; an open breaker stays open until someone resets it."""
        self._failures = 0

    def reset(self) -> None:
        """Close the breaker and forget the failures."""
        self._failures = 0
        self._open = False

    def state(self) -> tuple[int, bool]:
        """Return the failure count and whether the breaker is open."""
        return self._failures, self._open

    def restore(self, failures: int, is_open: bool) -> None:
        """Take back a state that `state` returned."""
        self._failures, self._open = failures, is_open


class OrderThrottle:
    """Allow at most `limit` orders in any sliding window of `window_ms`."""

    __slots__ = ("_stamps", "limit", "window_ms")

    def __init__(self, limit: int, window_ms: int = MS_PER_MINUTE) -> None:
        if limit < 1 or window_ms < 1:
            raise ValueError(f"throttle needs a limit and a window of at least 1, got {limit}")
        self.limit = limit
        self.window_ms = window_ms
        self._stamps: deque[int] = deque()

    def count(self, now_ms: int) -> int:
        """Return the orders recorded in the window that ends at `now_ms`."""
        stamps = self._stamps
        oldest_kept = now_ms - self.window_ms
        while stamps and stamps[0] <= oldest_kept:
            stamps.popleft()
        return len(stamps)

    def allows(self, now_ms: int) -> bool:
        """Tell whether one more order fits in the window."""
        return self.count(now_ms) < self.limit

    def state(self) -> tuple[int, ...]:
        """Return the times of the orders in the window."""
        return tuple(self._stamps)

    def restore(self, stamps: tuple[int, ...]) -> None:
        """Take back a state that `state` returned."""
        self._stamps = deque(stamps)

    def record(self, now_ms: int) -> None:
        """Take a slot for an order sent at `now_ms`."""
        self._stamps.append(now_ms)


class DailyLossTracker:
    """Compare the UTC day's realized PnL with a fraction of the equity the day started with."""

    __slots__ = ("_day_start_ms", "_realized", "_start_equity", "limit")

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self._day_start_ms = -MS_PER_DAY  # a day before the epoch: the first reading starts one
        self._start_equity: Decimal | None = None
        self._realized = ZERO

    @property
    def realized(self) -> Decimal:
        """Return the realized PnL counted so far in the current day."""
        return self._realized

    @property
    def start_equity(self) -> Decimal | None:
        """Return the equity the current day started with, if any was seen."""
        return self._start_equity

    def observe_equity(self, equity: Decimal, now_ms: int) -> None:
        """Take `equity` as the day's starting equity if it is the first seen today."""
        self._roll(now_ms)
        if self._start_equity is None:
            self._start_equity = equity

    def record_realized(self, amount: Decimal, equity: Decimal, now_ms: int) -> None:
        """Add realized PnL; `equity` is the equity after it."""
        self._roll(now_ms)
        if self._start_equity is None:
            self._start_equity = equity - amount
        self._realized += amount

    def shift(self, amount: Decimal) -> None:
        """Move the day's starting equity by a deposit (above zero) or withdrawal (below)."""
        if self._start_equity is not None:
            self._start_equity += amount

    def state(self) -> tuple[int, Decimal | None, Decimal]:
        """Return the day's start, its starting equity and its realized PnL."""
        return self._day_start_ms, self._start_equity, self._realized

    def restore(self, day_start_ms: int, start_equity: Decimal | None, realized: Decimal) -> None:
        """Take back a state that `state` returned."""
        self._day_start_ms, self._start_equity, self._realized = (
            day_start_ms,
            start_equity,
            realized,
        )

    def limit_hit(self, now_ms: int) -> bool:
        """Tell whether today's realized loss has reached the limit."""
        self._roll(now_ms)
        if self._realized >= ZERO or self._start_equity is None:
            return False
        return -self._realized >= self._start_equity * self.limit

    def _roll(self, now_ms: int) -> None:
        # Only forward: a clock stepped back by a resync does not reopen yesterday.
        if now_ms - self._day_start_ms >= MS_PER_DAY:
            self._day_start_ms = utc_day_start(now_ms)
            self._start_equity = None
            self._realized = ZERO


class DrawdownTracker:
    """An account's one drawdown: the fall of equity from its peak, and the kill switch.

    Readings come at every fill, every equity mark and every risk check. A deposit or a
    withdrawal moves the peak and the last equity by its amount (`shift`), so it is neither
    a gain nor a loss. The switch trips when the fall reaches `max_drawdown` and stays on
    until `reset`.
    """

    __slots__ = ("_deepest", "_equity", "_limits", "_max_drawdown", "_peak", "_tripped")

    def __init__(self, max_drawdown: Decimal = ONE) -> None:
        self._max_drawdown = max_drawdown
        self._peak: Decimal | None = None
        self._equity: Decimal | None = None
        self._tripped = False
        self._deepest = ZERO
        # The falls from the peak that trip the switch and that set a new record, in money:
        # the peak times each fraction, worked out when first needed after the peak, the limit
        # or the record moved (None until then). A reading below the peak, most of them,
        # then costs no multiplication.
        self._limits: tuple[Decimal, Decimal] | None = None

    @property
    def max_drawdown(self) -> Decimal:
        """Return the fall from the peak, a fraction 0..1, that trips the switch."""
        return self._max_drawdown

    @max_drawdown.setter
    def max_drawdown(self, value: Decimal) -> None:
        self._max_drawdown = value
        self._limits = None

    @property
    def tripped(self) -> bool:
        """Tell whether the kill switch is on."""
        return self._tripped

    @property
    def peak(self) -> Decimal | None:
        """Return the highest equity seen, net of cash flows."""
        return self._peak

    @property
    def deepest(self) -> Decimal:
        """Return the deepest drawdown seen so far, a fraction 0..1."""
        return self._deepest

    def drawdown(self) -> Decimal:
        """Return the current fall from the peak as a fraction 0..1 of the peak."""
        if self._peak is None or self._equity is None or self._peak <= ZERO:
            return ZERO
        # Equity below zero would be a fall of more than the peak: a drawdown stops at all of it.
        return min(ONE, (self._peak - self._equity) / self._peak)

    def update(self, equity: Decimal) -> None:
        """Take a new equity reading; trip the switch if the fall from the peak is too deep."""
        peak = self._peak
        if peak is None or equity > peak:
            self._peak = equity
            self._limits = None
        elif peak > ZERO:
            drop = peak - equity
            limits = self._limits
            if limits is None:
                limits = self._limits = (peak * self._max_drawdown, peak * self._deepest)
            trip, record = limits
            if drop >= trip:
                self._tripped = True
            if drop > record:  # a division only when the record falls
                self._deepest = min(ONE, drop / peak)
                self._limits = None
        self._equity = equity

    def shift(self, amount: Decimal) -> None:
        """Move the peak and the last equity by a cash flow, so it is not read as PnL."""
        if self._peak is not None:
            self._peak = max(self._peak + amount, ZERO)
            self._limits = None
        if self._equity is not None:
            self._equity += amount

    def state(self) -> tuple[Decimal | None, Decimal | None, bool]:
        """Return the peak, the last equity and whether the switch is on."""
        return self._peak, self._equity, self._tripped

    def restore(
        self,
        peak: Decimal | None,
        equity: Decimal | None,
        tripped: bool,
        deepest: Decimal | None = None,
    ) -> None:
        """Take back a state that `state` and `deepest` returned."""
        self._peak, self._equity, self._tripped = peak, equity, tripped
        self._limits = None
        # A state stored before the deepest drawdown was kept starts from the current one.
        self._deepest = self.drawdown() if deepest is None else deepest

    def reset(self) -> None:
        """Turn the switch off and measure drawdowns from the last equity seen."""
        self._tripped = False
        self._peak = self._equity
        self._limits = None
