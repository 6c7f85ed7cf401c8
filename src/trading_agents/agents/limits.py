"""Risk limits from an agent's profile."""

from __future__ import annotations

from trading_agents.config.profiles import AgentProfile
from trading_agents.risk.limits import RiskLimits


def risk_limits(profile: AgentProfile, symbols: frozenset[str] | None = None) -> RiskLimits:
    """Return the profile's limits, for its own symbols or the subset given."""
    risk = profile.risk
    return RiskLimits(
        max_leverage=risk.max_leverage,
        risk_per_trade=risk.risk_per_trade,
        max_position_notional=risk.max_position_notional,
        max_total_exposure=risk.max_total_exposure,
        max_open_positions=risk.max_open_positions,
        allowed_symbols=symbols if symbols is not None else frozenset(profile.symbols),
        min_confidence=risk.min_confidence,
        daily_loss_limit=risk.daily_loss_limit,
        max_drawdown=risk.max_drawdown,
        max_orders_per_minute=risk.max_orders_per_minute,
        circuit_breaker_failures=risk.circuit_breaker_failures,
        require_stop_loss=risk.require_stop_loss,
        max_price_deviation=risk.max_price_deviation,
    )
