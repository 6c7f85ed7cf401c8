"""The equity curve and the drawdown measured on it."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from trading_agents.core.decimals import ONE, ZERO
from trading_agents.portfolio._exact import exact_add


@dataclass(frozen=True, slots=True, init=False)
class EquityPoint:
    """The account's equity at one mark, and the net deposits made by then."""

    ts_ms: int
    equity: Decimal
    net_deposits: Decimal  # deposits minus withdrawals to date

    # Written out rather than generated, so that mypyc compiles it (see model/orders.py).
    def __init__(self, ts_ms: int, equity: Decimal, net_deposits: Decimal) -> None:
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "equity", equity)
        object.__setattr__(self, "net_deposits", net_deposits)


class EquityCurve:
    """Every mark's equity, kept in columns so that a curve of millions of marks stays small."""

    __slots__ = ("_equity", "_net_deposits", "_ts_ms")

    def __init__(self) -> None:
        self._ts_ms = array("q")
        self._equity: list[Decimal] = []
        self._net_deposits: list[Decimal] = []

    def append(self, ts_ms: int, equity: Decimal, net_deposits: Decimal) -> EquityPoint:
        """Add a point; time may not go back."""
        if self._ts_ms and ts_ms < self._ts_ms[-1]:
            raise ValueError(f"mark at {ts_ms} is before the last mark at {self._ts_ms[-1]}")
        self._ts_ms.append(ts_ms)
        # A flat account repeats one equity for days: equal values share the previous object.
        self._equity.append(_same_or(self._equity, equity))
        self._net_deposits.append(_same_or(self._net_deposits, net_deposits))
        return self[-1]

    def __len__(self) -> int:
        return len(self._ts_ms)

    def __getitem__(self, index: int) -> EquityPoint:
        return EquityPoint(self._ts_ms[index], self._equity[index], self._net_deposits[index])

    def __iter__(self) -> Iterator[EquityPoint]:
        for ts_ms, equity, net_deposits in zip(
            self._ts_ms, self._equity, self._net_deposits, strict=True
        ):
            yield EquityPoint(ts_ms, equity, net_deposits)

    @property
    def last(self) -> EquityPoint | None:
        """Return the latest point, or None before the first mark."""
        return self[-1] if self._ts_ms else None


def _same_or(column: list[Decimal], value: Decimal) -> Decimal:
    return column[-1] if column and column[-1] == value else value


class DrawdownTracker:
    """Follow equity's fall from its peak; money moved in or out shifts the peak by its amount."""

    __slots__ = ("_best_gain", "current", "maximum")

    def __init__(self) -> None:
        # The peak is the best gain seen (equity less net deposits) plus today's net deposits,
        # so money moved in or out shifts it without counting as a profit or a loss.
        self._best_gain: Decimal | None = None
        self.current = ZERO
        self.maximum = ZERO

    def update(self, equity: Decimal, net_deposits: Decimal) -> Decimal:
        """Take a new equity point and return the current drawdown, a fraction 0..1."""
        gain = exact_add(equity, net_deposits.copy_negate())
        if self._best_gain is None or gain > self._best_gain:
            self._best_gain = gain
        peak = exact_add(self._best_gain, net_deposits)
        # Equity below zero would be a fall of more than the peak; a drawdown stops at all of it.
        self.current = min(ONE, (peak - equity) / peak) if peak > ZERO else ZERO
        self.maximum = max(self.maximum, self.current)
        return self.current

    def snapshot(self) -> tuple[Decimal | None, Decimal, Decimal]:
        """Return the best gain, the current and the deepest drawdown."""
        return self._best_gain, self.current, self.maximum

    def restore(self, best_gain: Decimal | None, current: Decimal, maximum: Decimal) -> None:
        """Take back what `snapshot` returned before a restart."""
        self._best_gain, self.current, self.maximum = best_gain, current, maximum
