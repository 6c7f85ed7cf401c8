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
        self.candles = 0
        self.warmed = 0
        self._on_decisions: Callable[[list[DecisionState]], None] | None = None
        # Candles closing before this only warm the indicators up (a live feed's backfill).
        self.trade_from_ms = trade_from_ms

    async def run(
        self,
        feed: CandleFeed,
        *,
        on_decisions: Callable[[list[DecisionState]], None] | None = None,
        until_ms: int | None = None,
    ) -> None:
        """Trade on every candle of the feed until it ends (or `until_ms`); mark equity then."""
        self._on_decisions = on_decisions
        async for moment in moments(feed, self.symbols, until_ms):
            await self._step(moment)
        last = self.kernel.last_close_ms
        if last is not None and last % self.kernel.mark_interval_ms:
            self.kernel.mark(last)

    async def _step(self, candles: list[Candle]) -> None:
        if self.trade_from_ms is not None and candles[0].close_ms < self.trade_from_ms:
            self.warmed += len(candles)
            self.kernel.warm(candles)
            return
        self.candles += len(candles)
        decided = await self.kernel.step(candles[0].close_ms, candles)
        if decided and self._on_decisions is not None:
            self._on_decisions(decided)
