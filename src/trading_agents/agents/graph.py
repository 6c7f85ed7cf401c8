"""The decision graph, defined once: run by LangGraph live, or directly in backtests.

Compiled with the hot path (`trading_agents._compiled`), nodes, edges and the direct runner
alike. LangGraph reads each node's signature, which a compiled function does not show: it is
given each node inside a plain coroutine of `agents/langgraph_runner.py` (interpreted).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from trading_agents.agents import nodes
from trading_agents.agents.brains.port import Brain
from trading_agents.agents.ports import DecisionSink, OrderGateway
from trading_agents.agents.state import DecisionState
from trading_agents.risk.engine import RiskEngine

# A node bound to its ports: a coroutine function, or a plain one for the nodes that wait on
# nothing (checking risk, rejecting, logging), which the direct runner calls without a task.
BoundNode = Callable[[DecisionState], dict[str, Any] | Awaitable[dict[str, Any]]]

START_NODE: Final = "analyze_market"
END: Final = "__end__"
# analyze_market -> check_risk -> execute_trade | reject | (nothing to do) -> log_decision
EDGES: Final[Mapping[str, str]] = {
    "analyze_market": "check_risk",
    "execute_trade": "log_decision",
    "reject": "log_decision",
    "log_decision": END,
}
ROUTES: Final[Mapping[str, Callable[[DecisionState], str]]] = {"check_risk": nodes.route_after_risk}
ROUTE_TARGETS: Mapping[str, tuple[str, ...]] = {
    "check_risk": ("execute_trade", "reject", "log_decision"),
}


@dataclass(frozen=True, slots=True)
class DecisionPorts:
    """What one agent's graph works with."""

    brain: Brain
    risk: RiskEngine
    gateway: OrderGateway
    sink: DecisionSink


def bind_nodes(ports: DecisionPorts) -> dict[str, BoundNode]:
    """Give each node function its ports."""
    brain, risk, gateway, sink = ports.brain, ports.risk, ports.gateway, ports.sink
    brain_name = brain.name
    # Closures, compiled, passing the ports by position: a partial with keywords builds a
    # dictionary of them at every call, and a backtest calls a node some 150,000 times.
    return {
        "analyze_market": lambda state: nodes.analyze_market(state, brain, risk),
        "check_risk": lambda state: nodes.check_risk(state, risk),
        "execute_trade": lambda state: nodes.execute_trade(state, gateway, risk),
        "reject": nodes.reject,
        "log_decision": lambda state: nodes.log_decision(state, sink, brain_name),
    }


class DecisionRunner(Protocol):
    """Run the decision graph once over a state."""

    async def run(self, state: DecisionState) -> DecisionState:
        """Return the final state."""
        ...


# A bound node, the route that follows it (or None) and else the edge that does.
Step = tuple[BoundNode, Callable[[DecisionState], str] | None, str]


class DirectRunner:
    """Walk the graph's edges by hand: the same nodes, without LangGraph's runtime."""

    def __init__(self, ports: DecisionPorts) -> None:
        # Each node with its route or its edge, looked up once: the graph's tables are
        # read-only Mappings, which compiled code reads through generic calls at every node.
        self._steps: dict[str, Step] = {
            name: (function, ROUTES.get(name), EDGES.get(name, END))
            for name, function in bind_nodes(ports).items()
        }

    async def run(self, state: DecisionState) -> DecisionState:
        """Return the final state."""
        current: dict[str, Any] = dict(state)
        node = START_NODE
        while node != END:
            function, route, edge = self._steps[node]
            update = function(current)  # type: ignore[arg-type]
            current.update(update if isinstance(update, dict) else await update)
            node = route(current) if route is not None else edge  # type: ignore[arg-type]
        return current  # type: ignore[return-value]
