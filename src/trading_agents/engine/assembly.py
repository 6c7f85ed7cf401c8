"""Assemble one agent's account from its profile: the same parts in every mode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias

from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.graph import DecisionPorts, DirectRunner
from trading_agents.agents.langgraph_runner import LangGraphRunner
from trading_agents.agents.limits import risk_limits
from trading_agents.agents.ports import DecisionSink
from trading_agents.agents.runner import AgentRunner, DecisionGate
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import Clock
from trading_agents.engine.account import AgentAccount
from trading_agents.engine.gateway import AccountGateway, IntentLog
from trading_agents.engine.orders import OrderCache
from trading_agents.market.candles import Candle
from trading_agents.market.view import MarketView
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.risk.engine import RiskEngine
from trading_agents.venues.port import AccountVenue
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.venue import SimVenue

if TYPE_CHECKING:  # LangChain, the LLM settings and ccxt are imported only where used
    from trading_agents.agents.brains.llm import LlmBrain
    from trading_agents.agents.brains.llm_parts import LlmCacheOptions
    from trading_agents.config.llm import LlmSettings
    from trading_agents.events.stream import AccountStream
    from trading_agents.venues.binance.venue import BinanceVenue

GraphRuntime = Literal["langgraph", "direct"]
# The leverage a Binance account's symbols are set to at start, as the simulated venue starts:
# the books must know the exchange's leverage, and Binance's own default is whatever was last set.
START_LEVERAGE = 1
TradingBrain: TypeAlias = "RuleBrain | LlmBrain"


@dataclass(frozen=True, slots=True)
class BinanceAccountParts:
    """An assembled account trading at Binance, with handles the runs read."""

    account: AgentAccount
    venue: BinanceVenue
    brain: TradingBrain


@dataclass(frozen=True, slots=True)
class SimAccountParts:
    """An assembled account on a simulated venue, with handles the runs read."""

    account: AgentAccount
    venue: SimVenue
    brain: TradingBrain


class AccountParts(Protocol):
    """An assembled account as the service and restarts see it: the venue behind its port."""

    @property
    def account(self) -> AgentAccount: ...

    @property
    def venue(self) -> AccountVenue: ...

    @property
    def brain(self) -> TradingBrain: ...


class AccountNotReady(ValueError):
    """The exchange account is not in a state an agent may start on (it holds positions)."""


class EquityMismatch(ValueError):
    """The equity asked for is not the money the exchange account holds."""


def make_brain(
    profile: AgentProfile,
    llm: LlmSettings | None = None,
    cache: LlmCacheOptions | None = None,
) -> TradingBrain:
    """Return the profile's brain: the rules, or an LLM on the configured endpoint."""
    if profile.brain == "rules":
        return RuleBrain(profile.strategy, profile.risk.max_leverage)
    from trading_agents.agents.brains.llm import llm_brain
    from trading_agents.config.llm import LlmSettings

    return llm_brain(profile, llm or LlmSettings(), cache)


def _runner(
    profile: AgentProfile,
    account_id: str,
    symbols: Sequence[str],
    brain: TradingBrain,
    market: MarketView,
    risk: RiskEngine,
    gateway: AccountGateway,
    sink: DecisionSink,
    runtime: GraphRuntime,
    clock: Clock,
) -> AgentRunner:
    """Return the runner of an agent: its brain, the decision graph on its ports, its gate."""
    if not isinstance(brain, RuleBrain):
        brain.market = market  # the LLM's recent-candles tool reads the same clock-bound view
    ports = DecisionPorts(brain, risk, gateway, sink)
    graph = LangGraphRunner(ports) if runtime == "langgraph" else DirectRunner(ports)
    return AgentRunner(
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
    stream: AccountStream | None = None,
    intents: IntentLog | None = None,
    keep_orders: bool = True,
) -> SimAccountParts:
    """Assemble an agent trading one account on the simulated venue.

    Without `keep_orders` the account's order cache and the simulated exchange let ended
    orders go (a backtest).
    """
    brain = brain or make_brain(profile)
    venue = SimVenue(instruments, clock, venue_config, keep_ended=keep_orders)
    portfolio = Portfolio(instruments, venue_config.default_leverage)
    limits = risk_limits(profile, frozenset(symbols))
    risk = RiskEngine(
        limits, instruments, clock, venue_config.taker_fee, drawdown=portfolio.drawdown
    )
    venue.deposit(initial_equity)
    portfolio.deposit(initial_equity)
    risk.record_cash_flow(initial_equity)
    orders = OrderCache(track_changes=stream is not None, keep_ended=keep_orders)
    gateway = AccountGateway(venue, portfolio, orders, clock, intents)
    runner = _runner(
        profile, account_id, symbols, brain, market, risk, gateway, sink, runtime, clock
    )
    account = AgentAccount(
        runner=runner,
        portfolio=portfolio,
        risk=risk,
        orders=orders,
        reports=venue.take_reports,
        take_prices=venue.on_candle,
        take_candle=take_candle,
        stream=stream,
        take_mark=venue.on_mark,
    )
    gateway.books = account.state_now
    return SimAccountParts(account, venue, brain)


async def binance_account(
    *,
    profile: AgentProfile,
    account_id: str,
    symbols: Sequence[str],
    clock: Clock,
    venue: BinanceVenue,
    market: MarketView,
    sink: DecisionSink,
    runtime: GraphRuntime,
    take_candle: Callable[[Candle], None] | None = None,
    brain: TradingBrain | None = None,
    stream: AccountStream | None = None,
    intents: IntentLog | None = None,
    equity: Decimal | None = None,
    resuming: bool = False,
) -> BinanceAccountParts:
    """Assemble an agent trading a started Binance venue; its books open at the venue's money.

    `equity`, when given, must be the account's wallet balance: the agent trades the whole
    account. `resuming` assembles without asking Binance anything: the books come back
    from the journal, and the caller settles and reconciles once the venue is started.
    """
    brain = brain or make_brain(profile)
    instruments = venue.instruments.registry
    portfolio = Portfolio(instruments, START_LEVERAGE)
    limits = risk_limits(profile, frozenset(symbols))
    risk = RiskEngine(
        limits, instruments, clock, venue.config.taker_fee, drawdown=portfolio.drawdown
    )
    venue.instruments.on_refresh = risk.use_instruments
    if not resuming:
        wallet = await _opening_wallet(venue, equity)
        for symbol in symbols:
            await venue.set_leverage(symbol, START_LEVERAGE)
        portfolio.deposit(wallet)
        risk.record_cash_flow(wallet)
    venue.book_positions = lambda: {p.symbol: p.quantity for p in portfolio.ledger.open_positions()}
    venue.book_wallet = lambda: portfolio.ledger.wallet_balance
    orders = OrderCache(track_changes=stream is not None)
    gateway = AccountGateway(venue, portfolio, orders, clock, intents)
    runner = _runner(
        profile, account_id, symbols, brain, market, risk, gateway, sink, runtime, clock
    )
    account = AgentAccount(
        runner=runner,
        portfolio=portfolio,
        risk=risk,
        orders=orders,
        reports=venue.take_reports,
        take_candle=take_candle,
        stream=stream,
    )
    gateway.books = account.state_now
    return BinanceAccountParts(account, venue, brain)


async def _opening_wallet(venue: BinanceVenue, equity: Decimal | None) -> Decimal:
    """Return the wallet a new agent opens with; refuse an account it cannot start on."""
    balance = await venue.balance()
    held = await venue.positions()
    if held:
        listed = ", ".join(f"{p.symbol} {p.quantity}" for p in held)
        raise AccountNotReady(
            f"the Binance account already holds positions ({listed}); close them, or restore"
            " the session that opened them, before an agent starts on it"
        )
    if equity is not None and equity != balance.wallet_balance:
        raise EquityMismatch(
            f"the Binance account's wallet holds {balance.wallet_balance} USDT and an agent"
            f" trades the whole account: initial_equity must be {balance.wallet_balance},"
            f" not {equity}"
        )
    return balance.wallet_balance
