"""The rule brain: entries on crossovers confirmed by momentum, stops from volatility."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.agents import crossed_down, long_position, no_cross, snapshot, state
from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.config.profiles import shipped_profiles, strategy_preset
from trading_agents.model.decisions import Action, DecisionTrigger
from trading_agents.model.enums import Side
from trading_agents.model.signals import Signal, SignalAction


@pytest.fixture
def atlas_brain() -> RuleBrain:
    atlas = shipped_profiles()["atlas"]
    return RuleBrain(atlas.strategy, atlas.risk.max_leverage)


@pytest.fixture
def reference_brain() -> RuleBrain:
    return RuleBrain(strategy_preset("reference").strategy, max_leverage=2)


async def test_a_crossover_up_with_calm_volatility_opens_a_long_with_atr_stops(
    atlas_brain: RuleBrain,
) -> None:
    decision = await atlas_brain.decide(state(snapshot(atr=200.0, rsi=55.0)))

    assert decision.action is Action.OPEN
    assert decision.side is Side.BUY
    assert decision.stop_loss == Decimal("100000") - Decimal("200.0") * Decimal("2.5")
    assert decision.take_profit == Decimal("100000") + Decimal("200.0") * 4
    assert decision.quantity is None  # sized from the stop by the risk engine
    assert decision.leverage == 2
    assert decision.confidence == Decimal("0.75")
    assert "crossed above" in decision.reasoning
    assert "momentum confirms" in decision.reasoning


async def test_each_entry_sets_its_stops_from_its_own_atr(atlas_brain: RuleBrain) -> None:
    atrs = (200.0, 200.0, 187.35, 1e-7 + 150.0, 200.0)

    decisions = [await atlas_brain.decide(state(snapshot(atr=atr, rsi=55.0))) for atr in atrs]

    for atr, decision in zip(atrs, decisions, strict=True):
        assert decision.stop_loss == Decimal("100000") - Decimal(repr(atr)) * Decimal("2.5")
        assert f"ATR {Decimal(repr(atr)) / Decimal(100000):.3%} of price" in decision.reasoning


async def test_a_crossover_down_opens_a_short(atlas_brain: RuleBrain) -> None:
    decision = await atlas_brain.decide(state(crossed_down(rsi=40.0)))

    assert (decision.action, decision.side) == (Action.OPEN, Side.SELL)
    assert decision.stop_loss == Decimal("100000") + Decimal("200.0") * Decimal("2.5")
    assert decision.take_profit == Decimal("100000") - Decimal("200.0") * 4


async def test_without_a_crossover_the_brain_holds_and_says_why(atlas_brain: RuleBrain) -> None:
    decision = await atlas_brain.decide(state(no_cross()))

    assert decision.action is Action.HOLD
    assert "no crossover" in decision.reasoning


async def test_an_overbought_rsi_blocks_a_long(reference_brain: RuleBrain) -> None:
    decision = await reference_brain.decide(state(snapshot(rsi=70.0)))

    assert decision.action is Action.HOLD
    assert "overbought" in decision.reasoning


async def test_the_brain_holds_while_warming_up(reference_brain: RuleBrain) -> None:
    decision = await reference_brain.decide(state(snapshot(seen=100)))

    assert decision.action is Action.HOLD
    assert "warming up" in decision.reasoning
    assert not reference_brain.triggered(snapshot(seen=100))
    assert reference_brain.triggered(snapshot(seen=101))


async def test_the_reference_sizes_a_fixed_stake_with_percent_stops(
    reference_brain: RuleBrain,
) -> None:
    decision = await reference_brain.decide(state(snapshot(close="50000")))

    assert decision.quantity == Decimal(1000) / Decimal(50000)
    assert decision.stop_loss == Decimal("49000.00")
    assert decision.take_profit == Decimal("50500.00")
    assert decision.leverage == 1
    assert decision.confidence == Decimal(1)


async def test_the_opposite_crossover_reverses_a_position(reference_brain: RuleBrain) -> None:
    decision = await reference_brain.decide(
        state(crossed_down(rsi=45.0), positions={"BTCUSDT": long_position()})
    )

    assert (decision.action, decision.side) == (Action.OPEN, Side.SELL)
    assert "closed first" in decision.reasoning


async def test_the_opposite_crossover_exits_when_the_filter_blocks_the_reversal(
    reference_brain: RuleBrain,
) -> None:
    decision = await reference_brain.decide(
        state(crossed_down(rsi=25.0), positions={"BTCUSDT": long_position()})
    )

    assert decision.action is Action.CLOSE
    assert "oversold" in decision.reasoning


async def test_a_fresh_opposing_ml_signal_vetoes_an_entry(atlas_brain: RuleBrain) -> None:
    against = Signal(
        "BTCUSDT", SignalAction.SELL, Decimal("0.9"), Decimal("100000"), snapshot().close_ms
    )

    decision = await atlas_brain.decide(state(snapshot(), signal=against))

    assert decision.action is Action.HOLD
    assert "ML signal says sell" in decision.reasoning


async def test_an_agreeing_ml_signal_raises_confidence(atlas_brain: RuleBrain) -> None:
    agreeing = Signal(
        "BTCUSDT", SignalAction.BUY, Decimal("0.8"), Decimal("100000"), snapshot().close_ms
    )

    with_signal = await atlas_brain.decide(state(snapshot(rsi=45.0), signal=agreeing))
    without = await atlas_brain.decide(state(snapshot(rsi=45.0)))

    assert without.confidence == Decimal("0.65")
    assert with_signal.confidence == Decimal("0.85")


async def test_a_signal_trigger_opens_on_the_signal_with_the_agents_own_stops(
    atlas_brain: RuleBrain,
) -> None:
    buy = Signal(
        "BTCUSDT", SignalAction.BUY, Decimal("0.85"), Decimal("100000"), snapshot().close_ms, "s-1"
    )

    decision = await atlas_brain.decide(
        state(
            no_cross(), trigger=DecisionTrigger.SIGNAL, signal=buy, min_confidence=Decimal("0.75")
        )
    )

    assert (decision.action, decision.side, decision.confidence) == (
        Action.OPEN,
        Side.BUY,
        Decimal("0.85"),
    )
    assert decision.signal_id == "s-1"
    assert decision.stop_loss == Decimal("99500.0")


async def test_a_weak_signal_is_recorded_and_ignored(atlas_brain: RuleBrain) -> None:
    weak = Signal("BTCUSDT", SignalAction.BUY, Decimal("0.5"), Decimal("1"), 0, "s-2")

    decision = await atlas_brain.decide(
        state(no_cross(), trigger=DecisionTrigger.SIGNAL, signal=weak)
    )

    assert decision.action is Action.HOLD
    assert "below the minimum" in decision.reasoning
    assert decision.signal_id == "s-2"
