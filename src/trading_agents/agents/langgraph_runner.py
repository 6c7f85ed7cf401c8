"""The decision graph on LangGraph's runtime, as paper and live trading run it.

Interpreted on purpose: LangGraph reads each node's signature, which a compiled function
does not show, so each compiled node goes to it inside a plain coroutine of this module. The
graph itself (nodes, edges, ports) is `agents/graph.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from trading_agents.agents.graph import (
    EDGES,
    END,
    ROUTE_TARGETS,
    ROUTES,
    START_NODE,
    BoundNode,
    DecisionPorts,
    bind_nodes,
)
from trading_agents.agents.state import DecisionState

NodeFunction = Callable[[DecisionState], Awaitable[dict[str, Any]]]


def _for_langgraph(name: str, function: BoundNode) -> NodeFunction:
    """Wrap a bound node in a coroutine whose signature LangGraph can read."""

    async def run(state: DecisionState) -> dict[str, Any]:
        update = function(state)
        return update if isinstance(update, dict) else await update

    run.__name__ = name
    return run


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
