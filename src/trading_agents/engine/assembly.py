"""Assemble one agent's account from its profile: the same parts in every mode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, TypeAlias

from trading_agents.agents.brains.llm_parts import LlmCacheOptions
from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.graph import DecisionPorts, DirectRunner, LangGraphRunner
from trading_agents.agents.limits import risk_limits
from trading_agents.agents.ports import DecisionSink
from trading_agents.agents.runner import AgentRunner, DecisionGate
from trading_agents.config.llm import LlmSettings
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import Clock
from trading_agents.engine.account import AccountChanges, AgentAccount
from trading_agents.engine.gateway import AccountGateway, IntentLog
from trading_agents.market.candles import Candle
from trading_agents.market.view import MarketView
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.risk.engine import RiskEngine
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.venue import SimVenue

if TYPE_CHECKING:  # LangChain is imported only where an LLM brain is built
    from trading_agents.agents.brains.llm import LlmBrain

GraphRuntime = Literal["langgraph", "direct"]
TradingBrain: TypeAlias = "RuleBrain | LlmBrain"


@dataclass(frozen=True, slots=True)
class SimAccountParts:
    """An assembled account on a simulated venue, with handles the runs read."""

    account: AgentAccount
    venue: SimVenue
    brain: TradingBrain


def make_brain(
    profile: AgentProfile,
    llm: LlmSettings | None = None,
    cache: LlmCacheOptions | None = None,
) -> TradingBrain:
    """Return the profile's brain: the rules, or an LLM on the configured endpoint."""
    if profile.brain == "rules":
        return RuleBrain(profile.strategy, profile.risk.max_leverage)
    from trading_agents.agents.brains.llm import llm_brain

    return llm_brain(profile, llm or LlmSettings(), cache)


def sim_account(
    *,
    profile: AgentProfile,
    account_id: str,
    symbols: Sequence[str],
    clock: Clock,
    instruments: InstrumentRegistry,
    market: MarketView,
    venue_config: SimVenueConfig,
    initial_equity: Decimal,
    sink: DecisionSink,
    runtime: GraphRuntime,
    take_candle: Callable[[Candle], None] | None = None,
    brain: TradingBrain | None = None,
    changes: AccountChanges | None = None,
    intents: IntentLog | None = None,
) -> SimAccountParts:
    """Assemble an agent trading one account on the simulated venue."""
    brain = brain or make_brain(profile)
    if not isinstance(brain, RuleBrain):
        brain.market = market  # the LLM's recent-candles tool reads the same clock-bound view
    venue = SimVenue(instruments, clock, venue_config)
    portfolio = Portfolio(instruments, venue_config.default_leverage)
    limits = risk_limits(profile, frozenset(symbols))
    risk = RiskEngine(limits, instruments, clock, venue_config.taker_fee)
    venue.deposit(initial_equity)
    portfolio.deposit(initial_equity)
    risk.record_cash_flow(initial_equity)
    ports = DecisionPorts(brain, risk, AccountGateway(venue, portfolio, intents), sink)
    graph = LangGraphRunner(ports) if runtime == "langgraph" else DirectRunner(ports)
    runner = AgentRunner(
        agent=profile.name,
        account_id=account_id,
        symbols=symbols,
        brain=brain,
        gate=DecisionGate(brain, profile.decision_interval_ms, profile.heartbeat_ms),
        market=market,
        limits=risk.limits,
        graph=graph,
        clock=clock,
    )
    account = AgentAccount(
        runner=runner,
        portfolio=portfolio,
        risk=risk,
        reports=venue.take_reports,
        take_prices=venue.on_candle,
        take_candle=take_candle,
        changes=changes,
    )
    return SimAccountParts(account, venue, brain)
