"""The paper command's work: check the request, pick the feed, run a paper session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from trading_agents.agents.state import DecisionState
from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import AgentProfile, agent_for_run
from trading_agents.core.clock import MS_PER_MINUTE, Clock, LiveClock, SimulatedClock
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.paper import PaperSession
from trading_agents.market.feeds.port import CandleFeed
from trading_agents.venues.sim.config import SimVenueConfig


class PaperRequestError(ConfigurationError):
    """The paper run was asked for something it cannot do; the message says what."""


@dataclass(frozen=True, slots=True)
class PaperRequest:
    """What the user asked for on the command line."""

    agent: str
    symbols: tuple[str, ...]  # empty: the agent's own symbols
    market: str  # "binance" or "replay"
    data: Path | None = None
    speed: float | None = None  # replay candles per second; None as fast as possible
    binance_url: str | None = None
    binance_ws_url: str | None = None  # the market stream's base URL
    minutes: int | None = None  # stop after this many minutes of market time
    strategy: str | None = None
    initial_equity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PreparedPaper:
    """A paper session and the feed it will trade on."""

    session: PaperSession
    feed: CandleFeed
    until_ms: int | None


def warmup_candles(profile: AgentProfile) -> int:
    """Return how many past 1m candles warm the agent's indicators up before it trades."""
    strategy = profile.strategy
    needed = max(strategy.ema_slow * 3, strategy.warmup_candles + 1, strategy.rsi_period * 3)
    return needed * (profile.timeframe_ms // MS_PER_MINUTE)


def prepare_paper(request: PaperRequest, clock: Clock | None = None) -> PreparedPaper:
    """Check the request and build the session and its feed; raise on bad input."""
    profile, symbols = agent_for_run(request.agent, request.strategy, request.symbols)
    if request.speed is not None and request.speed <= 0:
        raise PaperRequestError(f"--speed must be above zero, got {request.speed}")
    if request.minutes is not None and request.minutes <= 0:
        raise PaperRequestError(f"--minutes must be above zero, got {request.minutes}")
    feed: CandleFeed
    trade_from: int | None = None
    if request.market == "replay":
        feed, clock = _replay(request, symbols)
    elif request.market == "binance":
        from trading_agents.market.feeds.binance_stream import BinanceStreamFeed

        clock = clock or LiveClock()
        warmup = warmup_candles(profile)
        feed = BinanceStreamFeed(
            symbols,
            "1m",
            clock,
            warmup=warmup,
            rest_url=request.binance_url,
            stream_url=request.binance_ws_url,
        )
        trade_from = clock.now_ms()
    else:
        raise PaperRequestError(f"--market must be binance or replay, not {request.market!r}")
    until = None
    if request.minutes is not None:
        start = trade_from if trade_from is not None else clock.now_ms()
        until = start + request.minutes * MS_PER_MINUTE
    session = PaperSession(
        profile=profile,
        account_id=f"paper-{profile.name}",
        symbols=symbols,
        clock=clock,
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=request.initial_equity or profile.initial_equity,
        replay=request.market == "replay",
        trade_from_ms=trade_from,
    )
    return PreparedPaper(session, feed, until)


def _replay(request: PaperRequest, symbols: Sequence[str]) -> tuple[CandleFeed, SimulatedClock]:
    from trading_agents.market.feeds.files import load_candle_paths
    from trading_agents.market.feeds.replay import ReplayFeed

    if request.data is None:
        raise PaperRequestError("--market replay needs --data, a candle file or folder")
    if not request.data.exists():
        raise PaperRequestError(f"--data {request.data} does not exist")
    series = load_candle_paths(request.data, symbols)
    first = min(int(s.open_ms[0]) for s in series.values() if len(s))
    return ReplayFeed(series, list(symbols), speed=request.speed), SimulatedClock(first)


async def run_paper(
    prepared: PreparedPaper, on_decisions: Callable[[list[DecisionState]], None] | None = None
) -> PaperSession:
    """Trade until the feed ends or the minutes asked for have passed."""
    await prepared.session.run(prepared.feed, on_decisions=on_decisions, until_ms=prepared.until_ms)
    close = getattr(prepared.feed, "aclose", None)
    if close is not None:
        await close()
    return prepared.session
