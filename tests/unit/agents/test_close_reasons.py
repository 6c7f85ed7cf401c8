"""A close order carries why it closes: the agent's own decision, or what forced it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.support.agents import long_position, state
from tests.support.instruments import registry
from tests.support.risk import atlas_limits
from trading_agents.agents import nodes
from trading_agents.core.clock import SimulatedClock
from trading_agents.model.decisions import Action, Decision
from trading_agents.model.enums import ExitReason, Side
from trading_agents.risk import RiskEngine
from trading_agents.risk.verdicts import Approved


@pytest.fixture
def risk() -> RiskEngine:
    return RiskEngine(atlas_limits(), registry(), SimulatedClock("2025-06-05T12:00:00Z"))


def _close_order_of(decision: Decision, risk: RiskEngine) -> Approved:
    held = state(positions={"BTCUSDT": long_position()})
    update = nodes.check_risk({**held, "decision": decision}, risk)
    verdict = update["checks"][0].verdict
    assert isinstance(verdict, Approved)
    return verdict


def test_the_agent_s_own_close_is_a_signal_close(risk: RiskEngine) -> None:
    approved = _close_order_of(Decision(Action.CLOSE, "BTCUSDT", "the trend turned"), risk)

    assert approved.order.exit_reason is ExitReason.SIGNAL


def test_a_reversal_closes_for_the_signal_too(risk: RiskEngine) -> None:
    short = Decision(
        Action.OPEN, "BTCUSDT", "reverse", side=Side.SELL,
        stop_loss=Decimal("102000"), take_profit=Decimal("96000"),
    )  # fmt: skip

    assert _close_order_of(short, risk).order.exit_reason is ExitReason.SIGNAL


@pytest.mark.parametrize("reason", [ExitReason.STOP_COMMAND, ExitReason.MANUAL, ExitReason.RISK])
def test_a_forced_close_says_what_forced_it(risk: RiskEngine, reason: ExitReason) -> None:
    forced = Decision(Action.CLOSE, "BTCUSDT", "forced", exit_reason=reason)

    approved = _close_order_of(forced, risk)

    assert approved.order.exit_reason is reason
    # Not part of what the order is: the same order read back from a venue compares equal.
    assert approved.order == replace(approved.order, exit_reason=None)
    assert approved.order.resized(approved.order.quantity).exit_reason is reason
