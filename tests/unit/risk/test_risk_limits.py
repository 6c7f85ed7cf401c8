"""Risk limits refuse values that cannot be meant, saying which and why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.risk import atlas_limits


def test_atlas_limits_are_valid() -> None:
    limits = atlas_limits()

    assert limits.require_stop_loss is True
    assert limits.limit_price_band == Decimal("0.02")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_leverage": 0}, "max_leverage must be a whole number of at least 1, got 0"),
        ({"max_open_positions": 0}, "max_open_positions must be a whole number"),
        ({"max_orders_per_minute": -1}, "max_orders_per_minute must be a whole number"),
        ({"circuit_breaker_failures": 0}, "circuit_breaker_failures must be a whole number"),
        ({"risk_per_trade": Decimal(0)}, r"risk_per_trade must be within \(0, 1\], got 0"),
        ({"risk_per_trade": Decimal("1.5")}, r"risk_per_trade must be within \(0, 1\]"),
        ({"risk_per_trade": 0.005}, "risk_per_trade must be a finite Decimal, got 0.005"),
        ({"daily_loss_limit": Decimal("-0.02")}, "daily_loss_limit must be within"),
        ({"max_drawdown": Decimal("NaN")}, "max_drawdown must be a finite Decimal"),
        ({"limit_price_band": Decimal(1)}, r"limit_price_band must be within \(0, 1\)"),
        ({"max_position_notional": Decimal(3)}, r"max_position_notional must be within \(0, 2\]"),
        ({"max_total_exposure": Decimal(0)}, "max_total_exposure must be within"),
        ({"min_confidence": Decimal("1.1")}, r"min_confidence must be within \[0, 1\]"),
        ({"allowed_symbols": frozenset()}, "allowed_symbols must be a non-empty frozenset"),
    ],
)
def test_a_limit_out_of_range_is_refused_by_name(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        atlas_limits(**changes)
