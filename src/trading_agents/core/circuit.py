"""A circuit for a remote endpoint: open after failures in a row, one try again after a pause.

Unlike the risk engine's sticky breaker (which a person resets), this one cools off by
itself: it guards calls to a server (the ML engine, an LLM endpoint), not trading.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class CoolingCircuit:
    """Open after `failures` failed calls in a row; let one call try again after `cool_off_s`."""

    def __init__(
        self,
        failures: int,
        cool_off_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failures
        self._cool_off_s = cool_off_s
        self._now = monotonic  # elapsed time, not market time: how long a server has been down
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether calls are refused now (open, and not yet cooled off)."""
        return self._opened_at is not None and self._now() - self._opened_at < self._cool_off_s

    def failed(self) -> None:
        """Count a failed call; open (again) at the threshold."""
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = self._now()

    def succeeded(self) -> None:
        """Close the circuit."""
        self._failures = 0
        self._opened_at = None
