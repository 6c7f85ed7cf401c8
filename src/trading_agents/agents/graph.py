"""The decision graph, defined once: run by LangGraph live, or directly in backtests.

The nodes are compiled with the hot path (`trading_agents._compiled`); LangGraph reads each
node's signature, which a compiled function does not show, so it is given each node inside a
plain coroutine of this (interpreted) module. The direct runner calls the nodes themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, cast

from trading_agents.agents import nodes
from trading_agents.agents.brains.port import Brain
from trading_agents.agents.ports import DecisionSink, OrderGateway
from trading_agents.agents.state import DecisionState
from trading_agents.risk.engine import RiskEngine

NodeFunction = Callable[[DecisionState], Awaitable[dict[str, Any]]]
# A node bound to its ports: a coroutine function, or a plain one for the nodes that wait on
# nothing (checking risk, rejecting, logging), which the direct runner calls without a task.
BoundNode = Callable[[DecisionState], dict[str, Any] | Awaitable[dict[str, Any]]]

START_NODE = "analyze_market"
END = "__end__"
# analyze_market -> check_risk -> execute_trade | reject | (nothing to do) -> log_decision
EDGES: Mapping[str, str] = {
    "analyze_market": "check_risk",
    "execute_trade": "log_decision",
    "reject": "log_decision",
    "log_decision": END,
}
ROUTES: Mapping[str, Callable[[DecisionState], str]] = {"check_risk": nodes.route_after_risk}
ROUTE_TARGETS: Mapping[str, tuple[str, ...]] = {
    "check_risk": ("execute_trade", "reject", "log_decision"),
}


def _for_langgraph(name: str, function: BoundNode) -> NodeFunction:
    """Wrap a bound node in a coroutine whose signature LangGraph can read."""

    async def run(state: DecisionState) -> dict[str, Any]:
        update = function(state)
        return update if isinstance(update, dict) else await update

    run.__name__ = name
    return run


@dataclass(frozen=True, slots=True)
class DecisionPorts:
    """What one agent's graph works with."""

    brain: Brain
    risk: RiskEngine
    gateway: OrderGateway
    sink: DecisionSink


def bind_nodes(ports: DecisionPorts) -> dict[str, BoundNode]:
    """Give each node function its ports."""
    return {
        "analyze_market": partial(nodes.analyze_market, brain=ports.brain, risk=ports.risk),
        "check_risk": partial(nodes.check_risk, risk=ports.risk),
        "execute_trade": partial(nodes.execute_trade, gateway=ports.gateway, risk=ports.risk),
        "reject": nodes.reject,
        "log_decision": partial(nodes.log_decision, sink=ports.sink, brain_name=ports.brain.name),
    }


class DecisionRunner(Protocol):
    """Run the decision graph once over a state."""

    async def run(self, state: DecisionState) -> DecisionState:
        """Return the final state."""
        ...


class DirectRunner:
    """Walk the graph's edges by hand: the same nodes, without LangGraph's runtime."""

    def __init__(self, ports: DecisionPorts) -> None:
        self._nodes = bind_nodes(ports)

    async def run(self, state: DecisionState) -> DecisionState:
        """Return the final state."""
        current: dict[str, Any] = dict(state)
        node = START_NODE
        while node != END:
            update = self._nodes[node](current)  # type: ignore[arg-type]
            current.update(update if isinstance(update, dict) else await update)
            route = ROUTES.get(node)
            node = route(current) if route is not None else EDGES[node]  # type: ignore[arg-type]
        return current  # type: ignore[return-value]


class LangGraphRunner:
    """Run the graph on LangGraph's StateGraph, as paper and live trading do."""

    def __init__(self, ports: DecisionPorts) -> None:
        self._graph = build_state_graph(bind_nodes(ports))

    async def run(self, state: DecisionState) -> DecisionState:
        """Return the final state."""
        result = await self._graph.ainvoke(state)
        return result  # type: ignore[no-any-return]


def build_state_graph(bound: Mapping[str, BoundNode]) -> Any:
    """Compile the StateGraph from the same edges the direct runner walks."""
    # Imported here: LangGraph takes about a second to import, which a backtest need not pay.
    from langgraph.graph import END as LANGGRAPH_END
    from langgraph.graph import START, StateGraph

    graph = StateGraph(DecisionState)
    for name, function in bound.items():
        # LangGraph's overloads want its own callable protocols; ours is a plain coroutine.
        graph.add_node(name, cast(Any, _for_langgraph(name, function)))
    graph.add_edge(START, START_NODE)
    for source, target in EDGES.items():
        graph.add_edge(source, LANGGRAPH_END if target == END else target)
    for source, route in ROUTES.items():
        graph.add_conditional_edges(source, route, list(ROUTE_TARGETS[source]))
    return graph.compile()
