"""Fixtures for risk tests: a simulated clock and an engine with Atlas-like limits."""

from __future__ import annotations

import pytest

from tests.support.instruments import registry
from tests.support.risk import atlas_limits
from trading_agents.core.clock import SimulatedClock
from trading_agents.risk import RiskEngine

T0 = "2025-06-05T12:00:00Z"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def atlas_risk(clock: SimulatedClock) -> RiskEngine:
    return RiskEngine(atlas_limits(), registry(), clock)
