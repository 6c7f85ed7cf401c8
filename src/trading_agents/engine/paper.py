"""Paper trading: the kernel driven by a feed, candle by candle, on the simulated venue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionList, DecisionSink
from trading_agents.agents.state import DecisionState
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import Clock, SimulatedClock
from trading_agents.engine.assembly import GraphRuntime, make_brain, sim_account
from trading_agents.engine.driver import KernelDriver
from trading_agents.engine.kernel import DEFAULT_MARK_INTERVAL_MS, Kernel
from trading_agents.engine.moments import moments
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.port import CandleFeed
from trading_agents.market.view import LiveMarket
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.venues.sim.config import SimVenueConfig


class PaperSession:
    """One agent paper trading one account: live indicators, LangGraph, simulated fills."""

    def __init__(
        self,
        *,
        profile: AgentProfile,
        account_id: str,
        symbols: Sequence[str],
        clock: Clock,
        instruments: InstrumentRegistry,
        venue_config: SimVenueConfig,
        initial_equity: Decimal,
        sink: DecisionSink | None = None,
        runtime: GraphRuntime = "langgraph",
        mark_interval_ms: int = DEFAULT_MARK_INTERVAL_MS,
        replay: bool = True,
        trade_from_ms: int | None = None,
    ) -> None:
        self.symbols = tuple(symbols)
        brain = make_brain(profile)
        self.market = LiveMarket(
            indicator_spec(profile.strategy), clock, self.symbols, profile.timeframe_ms
        )
        self.decisions = sink if sink is not None else DecisionList(keep=10_000)
        parts = sim_account(
            profile=profile,
            account_id=account_id,
            symbols=self.symbols,
            clock=clock,
            instruments=instruments,
            market=self.market,
            venue_config=venue_config,
            initial_equity=initial_equity,
            sink=self.decisions,
            runtime=runtime,
            take_candle=self.market.on_candle,
            brain=brain,
        )
        self.account, self.venue = parts.account, parts.venue
        # A replay moves simulated time candle by candle; live data comes as time passes.
        driven = clock if replay and isinstance(clock, SimulatedClock) else None
        self.kernel = Kernel(driven, [self.account], mark_interval_ms)
        # Candles closing before `trade_from_ms` only warm the indicators up (a live backfill).
        self.driver = KernelDriver(self.kernel, trade_from_ms=trade_from_ms)

    @property
    def candles(self) -> int:
        """Return how many candles were traded on."""
        return self.driver.candles

    @property
    def warmed(self) -> int:
        """Return how many candles only warmed the indicators up."""
        return self.driver.warmed

    async def run(
        self,
        feed: CandleFeed,
        *,
        on_decisions: Callable[[list[DecisionState]], None] | None = None,
        until_ms: int | None = None,
    ) -> None:
        """Trade on every candle of the feed until it ends (or `until_ms`); mark equity then."""

        async def report(_: Sequence[Candle], decided: list[DecisionState]) -> None:
            if decided and on_decisions is not None:
                on_decisions(decided)

        await self.driver.run(moments(feed, self.symbols, until_ms), report)
