"""The brain port: a brain reads the decision state and returns a declarative decision."""

from __future__ import annotations

from typing import Protocol

from trading_agents.agents.state import DecisionState
from trading_agents.market.view import MarketSnapshot
from trading_agents.model.decisions import Decision


class Brain(Protocol):
    """Decide for one symbol; never trade."""

    @property
    def name(self) -> str:
        """Say which brain this is, for the decision record."""
        ...

    def triggered(self, snapshot: MarketSnapshot) -> bool:
        """Tell whether a just-closed candle is worth a decision (cheap; runs every candle)."""
        ...

    async def decide(self, state: DecisionState) -> Decision:
        """Return the decision for `state["symbol"]`, with reasoning a person can read."""
        ...
