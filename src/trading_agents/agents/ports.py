"""What the decision nodes are given to work with: ports, never concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from trading_agents.agents.state import DecisionRecord
from trading_agents.model.decisions import LlmUsage
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import OrderAck
from trading_agents.model.requests import AccountState
from trading_agents.venues.port import OrderSnapshot


class OrderGateway(Protocol):
    """The only way from a decision to a venue: the execute step's tool."""

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage of the symbol's next position."""
        ...

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        """Send an order, with the reduce-only exits to place once it fills."""
        ...

    async def cancel(self, symbol: str, client_order_id: str) -> None:
        """Cancel an open order."""
        ...

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]:
        """Return the orders still open."""
        ...

    def account_now(self) -> AccountState | None:
        """Return the account as its books hold it now; None where the gateway keeps no books."""
        ...


class DecisionSink(Protocol):
    """Where decision records go: the journal, or a list in a backtest."""

    def record(self, record: DecisionRecord) -> None:
        """Keep one decision record."""
        ...


class DecisionList:
    """Keep decision records in memory, newest last, up to a bound."""

    def __init__(self, keep: int | None = None) -> None:
        self._keep = keep
        self.records: list[DecisionRecord] = []

    def record(self, record: DecisionRecord) -> None:
        """Keep one decision record, forgetting the oldest beyond the bound."""
        self.records.append(record)
        if self._keep is not None and len(self.records) > self._keep:
            del self.records[: len(self.records) - self._keep]


class DecisionTally:
    """Count decision records and keep their LLM usage; keep the records only when asked."""

    def __init__(self, keep_records: bool = False) -> None:
        self.count = 0
        self.usages: list[LlmUsage] = []
        self.records: list[DecisionRecord] = []  # empty unless keep_records
        self._keep = keep_records

    def record(self, record: DecisionRecord) -> None:
        """Count one decision record, keeping its LLM usage and, when asked, the record."""
        self.count += 1
        usage = record.decision.usage
        if usage is not None:
            self.usages.append(usage)
        if self._keep:
            self.records.append(record)
