"""One graph definition: LangGraph's runtime and the direct runner give the same states."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.agents import (
    RecordingGateway,
    crossed_down,
    long_position,
    no_cross,
    snapshot,
    state,
)
from tests.support.instruments import registry
from tests.support.risk import atlas_limits
from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.graph import DecisionPorts, DirectRunner, bind_nodes
from trading_agents.agents.langgraph_runner import LangGraphRunner, build_state_graph
from trading_agents.agents.ports import DecisionList
from trading_agents.agents.state import DecisionState
from trading_agents.config.profiles import shipped_profiles
from trading_agents.core.clock import SimulatedClock
from trading_agents.risk import RiskEngine

CASES: dict[str, DecisionState] = {
    "entry": state(snapshot(rsi=55.0)),
    "hold": state(no_cross()),
    "denied by confidence": state(snapshot(rsi=45.0, atr=5000.0)),
    "reversal": state(crossed_down(rsi=45.0), positions={"BTCUSDT": long_position()}),
    "symbol not allowed": state(snapshot("SOLUSDT"), symbol="SOLUSDT"),
}


def _ports(refuse: tuple[str, ...] = ()) -> tuple[DecisionPorts, RecordingGateway, DecisionList]:
    atlas = shipped_profiles()["atlas"]
    clock = SimulatedClock("2025-06-05T12:00:00Z")
    gateway, sink = RecordingGateway(refuse=refuse), DecisionList()
    risk = RiskEngine(atlas_limits(min_confidence=Decimal("0.75")), registry(), clock)
    return DecisionPorts(RuleBrain(atlas.strategy, 2), risk, gateway, sink), gateway, sink


def test_the_state_graph_has_the_nodes_and_edges_of_the_design() -> None:
    ports, _, _ = _ports()
    graph = build_state_graph(bind_nodes(ports)).get_graph()

    edges = {(edge.source, edge.target) for edge in graph.edges}
    assert {
        ("__start__", "analyze_market"),
        ("analyze_market", "check_risk"),
        ("check_risk", "execute_trade"),
        ("check_risk", "reject"),
        ("execute_trade", "log_decision"),
        ("reject", "log_decision"),
        ("log_decision", "__end__"),
    } <= edges


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("refuse", [(), ("ta-",)], ids=["venue accepts", "venue refuses"])
async def test_langgraph_and_the_direct_runner_agree(case: str, refuse: tuple[str, ...]) -> None:
    graph_ports, graph_gateway, graph_sink = _ports(refuse)
    direct_ports, direct_gateway, direct_sink = _ports(refuse)

    through_langgraph = await LangGraphRunner(graph_ports).run(CASES[case])
    direct = await DirectRunner(direct_ports).run(CASES[case])

    assert through_langgraph == direct
    assert graph_gateway.submitted == direct_gateway.submitted
    assert graph_sink.records == direct_sink.records
    assert len(direct_sink.records) == 1
    assert direct["record"].decision == direct["decision"]
