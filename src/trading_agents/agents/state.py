"""What flows through the decision graph, and what it leaves behind."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypedDict

from trading_agents.market.view import MarketSnapshot
from trading_agents.model.decisions import Decision, DecisionTrigger
from trading_agents.model.enums import OrderStatus
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.model.signals import Signal
from trading_agents.risk.limits import RiskLimits
from trading_agents.risk.state import TradingState
from trading_agents.risk.verdicts import Verdict

# What a decision's `started_ns` and its record's latency are read from, bound once: compiled
# code looks a module's attribute up again at every call.
perf_counter_ns: Final = time.perf_counter_ns


# The views, checks and outcomes built for every decision write their __init__ out, so that
# mypyc compiles it (see model/orders.py).
@dataclass(frozen=True, slots=True, init=False)
class PositionView:
    """An open position as the brain sees it."""

    symbol: str
    quantity: Decimal  # signed: above zero long, below zero short
    entry_price: Decimal
    leverage: int
    stop_loss: Decimal | None = None  # the resting stop's trigger price, when the books know it

    def __init__(
        self,
        symbol: str,
        quantity: Decimal,
        entry_price: Decimal,
        leverage: int,
        stop_loss: Decimal | None = None,
    ) -> None:
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "entry_price", entry_price)
        object.__setattr__(self, "leverage", leverage)
        object.__setattr__(self, "stop_loss", stop_loss)


@dataclass(frozen=True, slots=True, init=False)
class RiskCheck:
    """One order a decision needs, and the risk engine's verdict on it."""

    role: str  # "entry", "close", "stop_loss", "take_profit"
    request: OrderRequest
    verdict: Verdict

    def __init__(
        self,
        role: str,
        request: OrderRequest,
        verdict: Verdict,
    ) -> None:
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "request", request)
        object.__setattr__(self, "verdict", verdict)


@dataclass(frozen=True, slots=True, init=False)
class OrderOutcome:
    """What the venue said to one order the execute step sent."""

    client_order_id: str
    symbol: str
    role: str  # "entry", "close", "stop_loss", "take_profit"
    status: OrderStatus
    error: str | None = None

    def __init__(
        self,
        client_order_id: str,
        symbol: str,
        role: str,
        status: OrderStatus,
        error: str | None = None,
    ) -> None:
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "error", error)


@dataclass(frozen=True, slots=True, init=False)
class DecisionRecord:
    """One decision as the journal keeps it: why, what risk said, what the venue did."""

    agent: str
    account_id: str
    sequence: int
    ts_ms: int
    trigger: DecisionTrigger
    symbol: str
    brain: str
    decision: Decision
    checks: tuple[RiskCheck, ...]
    orders: tuple[OrderOutcome, ...]
    signal_id: str | None
    # Wall time the graph took; not part of what was decided, so two runs still compare equal.
    latency_ms: float = field(default=0.0, compare=False)

    # Written out rather than generated, so that mypyc compiles it (see model/orders.py).
    def __init__(
        self,
        agent: str,
        account_id: str,
        sequence: int,
        ts_ms: int,
        trigger: DecisionTrigger,
        symbol: str,
        brain: str,
        decision: Decision,
        checks: tuple[RiskCheck, ...],
        orders: tuple[OrderOutcome, ...],
        signal_id: str | None,
        latency_ms: float = 0.0,
    ) -> None:
        object.__setattr__(self, "agent", agent)
        object.__setattr__(self, "account_id", account_id)
        object.__setattr__(self, "sequence", sequence)
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "trigger", trigger)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "brain", brain)
        object.__setattr__(self, "decision", decision)
        object.__setattr__(self, "checks", checks)
        object.__setattr__(self, "orders", orders)
        object.__setattr__(self, "signal_id", signal_id)
        object.__setattr__(self, "latency_ms", latency_ms)


# After the record it names: compiled, a TypedDict naming a class defined further down the
# module crashes the module's import (a mypyc fault).
class DecisionState(TypedDict, total=False):
    """The decision graph's state: inputs first, then what each node adds."""

    agent: str
    account_id: str
    sequence: int  # the runner's count of decisions: with the agent it makes order ids unique
    ts_ms: int
    trigger: DecisionTrigger
    symbol: str
    market: Mapping[str, MarketSnapshot]
    positions: Mapping[str, PositionView]
    account: AccountState
    limits: RiskLimits
    signal: Signal | None
    # What the risk engine lets the agent do as the decision starts (analyze_market sets it):
    # a brain offers no entry while it is reducing or halted.
    trading_state: TradingState
    started_ns: int  # perf_counter_ns when the runner started the decision, for its latency
    forced: Decision  # a decision the runner imposes (protection), bypassing the brain
    # Margin that entries sent earlier in the same step hold and the books do not show yet.
    reserved_margin: Decimal
    decision: Decision  # analyze_market
    checks: tuple[RiskCheck, ...]  # check_risk, in the order the orders would go out
    risk_state: TradingState  # check_risk: the trading state its verdicts were given in
    orders: tuple[OrderOutcome, ...]  # execute_trade
    record: DecisionRecord  # log_decision
