"""Settings of the simulated venue: fees, slippage, funding and fill limits."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trading_agents.core.clock import MS_PER_HOUR

FUNDING_INTERVAL_MS = 8 * MS_PER_HOUR  # Binance settles at 00, 08 and 16 UTC


class FundingSchedule:
    """Funding rates per symbol: a history of settlements, or one constant rate."""

    def __init__(
        self,
        history: Mapping[str, Iterable[tuple[int, Decimal]]] | None = None,
        constant: Decimal | None = None,
    ) -> None:
        self._times: dict[str, list[int]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for symbol, rows in (history or {}).items():
            ordered = sorted(rows)
            self._times[symbol] = [ts for ts, _ in ordered]
            self._rates[symbol] = [rate for _, rate in ordered]
        self._constant = constant

    @classmethod
    def none(cls) -> FundingSchedule:
        """Return a schedule that charges no funding."""
        return cls(constant=Decimal(0))

    def rate_at(self, symbol: str, boundary_ms: int) -> Decimal | None:
        """Return the rate settled at `boundary_ms`, or None when nothing is known for it.

        Binance's history stamps a settlement a few milliseconds after the boundary at times,
        so the settlement nearest after the boundary within one interval is taken.
        """
        times = self._times.get(symbol)
        if times is None:
            return self._constant
        index = bisect.bisect_left(times, boundary_ms)
        if index < len(times) and times[index] - boundary_ms < FUNDING_INTERVAL_MS // 8:
            return self._rates[symbol][index]
        return self._constant


@dataclass(frozen=True, slots=True)
class SimVenueConfig:
    """How the simulated venue charges and fills."""

    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    slippage: Decimal = Decimal(0)  # fraction of price lost on every taker fill
    funding: FundingSchedule = field(default_factory=FundingSchedule.none)
    # A fill may take at most this share of a candle's volume; the rest waits for later candles.
    max_volume_participation: Decimal | None = None
    default_leverage: int = 1

    def __post_init__(self) -> None:
        if self.maker_fee < 0 or self.taker_fee < 0:
            raise ValueError("fees must not be below zero")
        if not Decimal(0) <= self.slippage < Decimal(1):
            raise ValueError(f"slippage {self.slippage} must be a fraction in [0, 1)")
        if self.max_volume_participation is not None and not (
            Decimal(0) < self.max_volume_participation <= Decimal(1)
        ):
            raise ValueError("max_volume_participation must be in (0, 1]")
