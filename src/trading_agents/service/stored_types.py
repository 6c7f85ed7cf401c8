"""The types the journal may store, and the codec that builds only those."""

from __future__ import annotations

from trading_agents.agents.brains.llm_parts import LlmCounters
from trading_agents.agents.runner import RunnerSnapshot
from trading_agents.agents.state import DecisionRecord, OrderOutcome, RiskCheck
from trading_agents.engine.restart import AccountSnapshot
from trading_agents.journal.codec import Codec
from trading_agents.model import orders as order_types
from trading_agents.model.decisions import Action, Decision, DecisionTrigger, LlmUsage
from trading_agents.model.enums import (
    ExitReason,
    Liquidity,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.positions import Position
from trading_agents.model.requests import OrderRequest
from trading_agents.model.signals import Signal, SignalAction
from trading_agents.portfolio.ledger import LedgerSnapshot
from trading_agents.portfolio.portfolio import PortfolioSnapshot
from trading_agents.portfolio.trades import OpenTrip, RoundTrip
from trading_agents.risk.state import RiskSnapshot
from trading_agents.risk.verdicts import Approved, DenialCode, Denied
from trading_agents.venues.sim.exchange import ExchangeSnapshot

# Every type a stored snapshot or record may hold; decoding builds these and nothing else.
STORED_TYPES: tuple[type, ...] = (
    Action,
    DecisionTrigger,
    DenialCode,
    ExitReason,
    Liquidity,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    SignalAction,
    TimeInForce,
    order_types.Order,
    order_types.OrderIntent,
    order_types.OrderAccepted,
    order_types.OrderRejected,
    order_types.OrderTriggered,
    order_types.OrderPartiallyFilled,
    order_types.OrderFilled,
    order_types.OrderCanceled,
    order_types.OrderExpired,
    Position,
    Signal,
    Decision,
    LlmUsage,
    OrderRequest,
    Approved,
    Denied,
    RiskCheck,
    OrderOutcome,
    DecisionRecord,
    RoundTrip,
    OpenTrip,
    LedgerSnapshot,
    ExchangeSnapshot,
    PortfolioSnapshot,
    RiskSnapshot,
    RunnerSnapshot,
    AccountSnapshot,
    LlmCounters,
)

# Fields older versions stored that this one no longer has: read past, not refused.
RETIRED_FIELDS = {
    # The books kept a drawdown of their own; the risk engine's snapshot holds the one now.
    "PortfolioSnapshot": ("drawdown",),
}


def make_codec(instruments: InstrumentRegistry) -> Codec:
    """Return the codec of the journal's stored types, instruments read from `instruments`."""
    return Codec(STORED_TYPES, instruments, RETIRED_FIELDS)
