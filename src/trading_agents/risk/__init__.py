"""Limits, the risk engine (Approved or Denied with a code), trading states, breaker, throttle."""

from trading_agents.risk.engine import RiskEngine
from trading_agents.risk.limits import RiskLimits
from trading_agents.risk.state import (
    CircuitBreaker,
    DailyLossTracker,
    DrawdownTracker,
    OrderThrottle,
    TradingState,
)
from trading_agents.risk.verdicts import Approved, DenialCode, Denied, Verdict

__all__ = [
    "Approved",
    "CircuitBreaker",
    "DailyLossTracker",
    "DenialCode",
    "Denied",
    "DrawdownTracker",
    "OrderThrottle",
    "RiskEngine",
    "RiskLimits",
    "TradingState",
    "Verdict",
]
