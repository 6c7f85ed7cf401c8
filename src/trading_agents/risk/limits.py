"""An agent's risk limits: fractions of equity as exact decimals, checked on construction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from trading_agents.core.decimals import ONE, ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimits:
    """The limits one agent trades within; every fraction is of the account's equity."""

    max_leverage: int
    risk_per_trade: Decimal  # fraction of equity lost if the stop is hit: 0.005 is 0.5 %
    max_position_notional: Decimal  # one symbol's notional; above 1 only with leverage
    max_total_exposure: Decimal  # every position's notional together
    max_open_positions: int
    allowed_symbols: frozenset[str]
    min_confidence: Decimal
    daily_loss_limit: Decimal  # realized loss of a UTC day, of the day's starting equity
    max_drawdown: Decimal  # fall from the peak equity that trips the kill switch
    max_orders_per_minute: int
    circuit_breaker_failures: int
    require_stop_loss: bool = True
    limit_price_band: Decimal = Decimal("0.02")  # a limit price's distance from the mark
    # How far a signal's price may be from the mark, and the worst price a market entry takes
    # (it goes out as an IOC limit this far beyond the mark, within the band): slippage
    # bounded by construction.
    max_price_deviation: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        for name in _WHOLE_NUMBERS:
            _require_positive_int(name, getattr(self, name))
        for name in ("risk_per_trade", "daily_loss_limit", "max_drawdown"):
            _require_fraction(name, getattr(self, name), upper=ONE)
        _require_fraction("limit_price_band", self.limit_price_band, upper=ONE, closed=False)
        _require_fraction("max_price_deviation", self.max_price_deviation, upper=ONE, closed=False)
        # Margin caps any notional at leverage times equity, so a larger fraction is a typo.
        for name in ("max_position_notional", "max_total_exposure"):
            _require_fraction(name, getattr(self, name), upper=Decimal(self.max_leverage))
        if not ZERO <= _require_decimal("min_confidence", self.min_confidence) <= ONE:
            raise ValueError(f"min_confidence must be within [0, 1], got {self.min_confidence}")
        if not isinstance(self.allowed_symbols, frozenset) or not self.allowed_symbols:
            raise ValueError("allowed_symbols must be a non-empty frozenset of symbols")


_WHOLE_NUMBERS: Final = (
    "max_leverage",
    "max_open_positions",
    "max_orders_per_minute",
    "circuit_breaker_failures",
)


def _require_positive_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")


def _require_decimal(name: str, value: object) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, got {value!r}")
    return value


def _require_fraction(name: str, value: object, *, upper: Decimal, closed: bool = True) -> None:
    fraction = _require_decimal(name, value)
    too_high = fraction > upper if closed else fraction >= upper
    if fraction <= ZERO or too_high:
        closing = "]" if closed else ")"
        raise ValueError(f"{name} must be within (0, {upper}{closing}, got {fraction}")
