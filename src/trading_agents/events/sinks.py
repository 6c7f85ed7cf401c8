"""Decision records kept for reads and published on the account's stream."""

from __future__ import annotations

from trading_agents.agents.ports import DecisionList
from trading_agents.agents.state import DecisionRecord
from trading_agents.events.stream import AccountStream
from trading_agents.events.types import DecisionMade


class PublishedDecisions(DecisionList):
    """Keep the recent decision records and publish each one on the account's stream."""

    def __init__(self, keep: int, stream: AccountStream) -> None:
        super().__init__(keep)
        self.stream = stream

    def record(self, record: DecisionRecord) -> None:
        """Keep one decision record and publish it."""
        super().record(record)
        self.stream.publish(DecisionMade(record))
