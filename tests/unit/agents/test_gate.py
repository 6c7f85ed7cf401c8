"""The gate: decide on signals, position changes, brain triggers at closes, heartbeats."""

from __future__ import annotations

from tests.support.agents import no_cross, snapshot
from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.runner import DecisionGate
from trading_agents.config.profiles import strategy_preset
from trading_agents.core.clock import MS_PER_HOUR, MS_PER_MINUTE, to_ms
from trading_agents.model.decisions import DecisionTrigger

AT = "2025-06-05T12:00:00Z"
NOW = to_ms(AT)


def _gate(decision_minutes: int = 1, heartbeat_ms: int | None = None) -> DecisionGate:
    brain = RuleBrain(strategy_preset("reference").strategy, 1)
    return DecisionGate(brain, decision_minutes * MS_PER_MINUTE, heartbeat_ms)


def test_a_closed_candle_whose_trigger_fires_opens_the_gate() -> None:
    assert _gate().trigger(NOW, snapshot(at=AT)) is DecisionTrigger.CANDLE


def test_a_candle_without_a_trigger_only_updates_the_market() -> None:
    assert _gate().trigger(NOW, no_cross(at=AT)) is None


def test_an_older_snapshot_does_not_trigger_again() -> None:
    assert _gate().trigger(NOW + MS_PER_MINUTE, snapshot(at=AT)) is None


def test_the_trigger_is_only_read_on_the_decision_interval() -> None:
    gate = _gate(decision_minutes=15)
    off_interval = NOW + 5 * MS_PER_MINUTE

    assert gate.trigger(off_interval, snapshot(at="2025-06-05T12:05:00Z")) is None
    assert gate.trigger(NOW, snapshot(at=AT)) is DecisionTrigger.CANDLE


def test_a_position_change_opens_the_gate_without_a_trigger() -> None:
    assert _gate().trigger(NOW + 1, no_cross(at=AT), position_changed=True) is (
        DecisionTrigger.POSITION
    )


def test_a_signal_opens_the_gate_first() -> None:
    gate = _gate()

    assert gate.trigger(NOW, snapshot(at=AT), position_changed=True, signal=True) is (
        DecisionTrigger.SIGNAL
    )


def test_the_heartbeat_opens_the_gate_on_its_boundary() -> None:
    gate = _gate(heartbeat_ms=4 * MS_PER_HOUR)

    assert gate.trigger(to_ms("2025-06-05T16:00:00Z"), None) is DecisionTrigger.HEARTBEAT
    assert gate.trigger(to_ms("2025-06-05T16:01:00Z"), None) is None


def test_nothing_before_the_first_candle() -> None:
    assert _gate().trigger(NOW, None) is None
