"""Where the service's candles come from: Binance public data, or a replay of a real sample."""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trading_agents.config.settings import Settings, sample_replay_path
from trading_agents.core.clock import Clock, LiveClock, SimulatedClock
from trading_agents.core.errors import ConfigurationError
from trading_agents.market.candles import Candle
from trading_agents.market.feeds.files import has_data_suffix, load_candle_paths, symbol_from_name
from trading_agents.market.feeds.port import CandleFeed
from trading_agents.market.feeds.replay import ReplayFeed
from trading_agents.market.feeds.store import describe, is_store

log = logging.getLogger(__name__)
LATE_GRACE_S = 30.0  # slack after a close before "late": a reconnection's backfill, say
HISTORY_SHARE = 2 / 3  # of a replay sample, shown to agents as history before the replay starts


@dataclass(frozen=True, slots=True)
class MarketSource:
    """A feed, the clock that goes with it, and the history it starts from."""

    kind: str  # "binance" or "replay"
    feed: CandleFeed
    clock: Clock
    history: dict[str, list[Candle]]  # oldest first
    drives_clock: bool  # a replay moves simulated time; live data comes as time passes
    late_after_s: float | None = None  # configured; None: from the feed's cadence

    def late_after(self) -> float | None:
        """Return the seconds without a candle after which data is late; None: never."""
        cadence = self.feed.cadence_s
        if cadence is None:  # a replay as fast as it goes has no schedule to be late for
            return None
        return self.late_after_s if self.late_after_s is not None else 2 * cadence + LATE_GRACE_S

    @property
    def description(self) -> str:
        """Say what the data is, for logs, health and status answers."""
        return self.feed.description


async def binance_reachable(url: str | None, timeout_s: float = 3.0) -> bool:
    """Tell whether Binance's public futures API answers a ping."""
    import httpx

    base = (url or "https://fapi.binance.com").rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(f"{base}/fapi/v1/ping")
    except httpx.HTTPError as error:
        log.info("Binance public market data not reachable (%s)", error)
        return False
    return response.status_code == 200


def replay_source(
    path: Path,
    symbols: Sequence[str],
    speed: float,
    keep: int,
    after_ms: int | None = None,
) -> MarketSource:
    """Replay stored candles; the first part of them is history the agents warm up on.

    `after_ms` resumes a replay that ran before a restart: it goes on after that close,
    with the `keep` candles per symbol before it as history.
    """
    series = load_candle_paths(path, symbols)
    length = min(len(s) for s in series.values())
    split = int(length * HISTORY_SHARE)
    history = {
        symbol: deque((s.candle(i) for i in range(split)), maxlen=keep)
        for symbol, s in series.items()
    }
    rest = {symbol: s.rows(split, len(s)) for symbol, s in series.items()}
    first = min(int(s.open_ms[0]) for s in rest.values())
    feed = ReplayFeed(
        rest, list(symbols), speed=speed, label="replay", loop=True, after_ms=after_ms
    )
    if after_ms is not None:
        for candle in feed.before(after_ms):
            history[candle.symbol].append(candle)
        log.info("resuming the replay after %s", after_ms)
    start = first if after_ms is None else after_ms
    past = {symbol: list(candles) for symbol, candles in history.items()}
    return MarketSource("replay", feed, SimulatedClock(start), past, drives_clock=True)


def binance_source(settings: Settings, symbols: Sequence[str], warmup: int) -> MarketSource:
    """Stream Binance's public klines and mark prices, backfilling `warmup` candles first."""
    from trading_agents.market.feeds.binance_stream import BinanceStreamFeed

    clock = LiveClock()
    feed = BinanceStreamFeed(
        symbols,
        "1m",
        clock,
        warmup=warmup,
        rest_url=settings.binance_url,
        stream_url=settings.binance_stream_url,
    )
    return MarketSource("binance", feed, clock, {}, drives_clock=False)


def replay_symbols(path: Path, wanted: Sequence[str]) -> list[str]:
    """Return the wanted symbols that have candles under `path` (files, or a store), in order."""
    if is_store(path):
        present: set[str | None] = {row.symbol for row in describe(path)}
    else:
        files = [path] if path.is_file() else [f for f in path.rglob("*") if has_data_suffix(f)]
        present = {symbol_from_name(f.name) for f in files}
    return [symbol for symbol in wanted if symbol in present]


async def choose_source(
    settings: Settings,
    symbols: Sequence[str],
    warmup: int,
    keep: int,
    after_ms: int | None = None,
) -> MarketSource:
    """Pick the market data the settings ask for; `auto` prefers Binance when it answers.

    A replay trades the symbols its files hold; the agents trade those of theirs. A replay
    resumes after `after_ms`, the last close stepped before a restart; live data backfills.
    """
    if settings.market_data == "binance" or (
        settings.market_data == "auto" and await binance_reachable(settings.binance_url)
    ):
        source = binance_source(settings, symbols, warmup)
    else:
        source = _replay(settings, symbols, keep, after_ms)
    return dataclasses.replace(source, late_after_s=settings.market_late_after_s)


def _replay(
    settings: Settings, symbols: Sequence[str], keep: int, after_ms: int | None
) -> MarketSource:
    path = settings.replay_path or sample_replay_path()
    if settings.market_data == "auto":
        log.warning("MARKET_DATA=auto: Binance is not reachable; replaying %s", path)
    available = replay_symbols(path, symbols)
    if not available:
        raise ConfigurationError(f"no candle file for any of {', '.join(symbols)} in {path}")
    return replay_source(path, available, settings.replay_speed, keep, after_ms)
