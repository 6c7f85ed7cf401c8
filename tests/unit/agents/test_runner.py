"""The runner: one decision per symbol whose gate opens, in symbol order."""

from __future__ import annotations

from decimal import Decimal

from tests.support.agents import RecordingGateway, snapshot
from tests.support.instruments import registry
from tests.support.risk import account, atlas_limits
from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.graph import DecisionPorts, DirectRunner
from trading_agents.agents.ports import DecisionList
from trading_agents.agents.runner import AgentRunner, DecisionGate
from trading_agents.config.profiles import shipped_profiles
from trading_agents.core.clock import MS_PER_MINUTE, SimulatedClock, to_ms
from trading_agents.market.view import MarketSnapshot
from trading_agents.model.decisions import Action, DecisionTrigger
from trading_agents.risk import RiskEngine

AT = "2025-06-05T12:00:00Z"


class _Market:
    def __init__(self, *snapshots: MarketSnapshot) -> None:
        self._snapshots = {snap.symbol: snap for snap in snapshots}

    def snapshot(self, symbol: str) -> MarketSnapshot | None:
        return self._snapshots.get(symbol)

    def recent(self, symbol: str, count: int) -> list[object]:
        return []


def _runner(market: _Market) -> tuple[AgentRunner, DecisionList, RecordingGateway]:
    clock = SimulatedClock(AT)
    atlas = shipped_profiles()["atlas"]
    brain = RuleBrain(atlas.strategy, 2)
    risk = RiskEngine(atlas_limits(min_confidence=Decimal("0.6")), registry(), clock)
    sink, gateway = DecisionList(), RecordingGateway()
    runner = AgentRunner(
        agent="atlas",
        account_id="acc-1",
        symbols=["BTCUSDT", "ETHUSDT"],
        brain=brain,
        gate=DecisionGate(brain, MS_PER_MINUTE, None),
        market=market,
        limits=risk.limits,
        graph=DirectRunner(DecisionPorts(brain, risk, gateway, sink)),
        clock=clock,
    )
    return runner, sink, gateway


async def test_each_symbol_whose_trigger_fires_gets_one_decision_in_order() -> None:
    market = _Market(snapshot("BTCUSDT", at=AT), snapshot("ETHUSDT", close="4000", atr=8.0, at=AT))
    runner, sink, _ = _runner(market)

    decided = await runner.decide_opened(runner.opened(to_ms(AT), set()), account(), {})

    assert [state["symbol"] for state in decided] == ["BTCUSDT", "ETHUSDT"]
    assert [record.sequence for record in sink.records] == [1, 2]
    assert all(record.trigger is DecisionTrigger.CANDLE for record in sink.records)


async def test_a_second_symbol_sizes_from_the_margin_the_first_left_free() -> None:
    market = _Market(snapshot("BTCUSDT", at=AT), snapshot("ETHUSDT", close="4000", atr=8.0, at=AT))
    runner, _, gateway = _runner(market)

    first, second = await runner.decide_opened(runner.opened(to_ms(AT), set()), account(), {})

    ((entry, _),) = gateway.submitted[:1]
    assert entry.price == Decimal("101000")  # the IOC cap, 1 % over the mark
    reserved = entry.quantity * entry.price / 2  # held where the venue holds it: at the cap
    assert first["decision"].action is Action.OPEN
    assert second["account"].available_balance == Decimal("10000") - reserved


async def test_a_paused_runner_decides_nothing() -> None:
    runner, sink, _ = _runner(_Market(snapshot("BTCUSDT", at=AT)))
    runner.paused = True

    assert await runner.decide_opened(runner.opened(to_ms(AT), {"BTCUSDT"}), account(), {}) == []
    assert sink.records == []
