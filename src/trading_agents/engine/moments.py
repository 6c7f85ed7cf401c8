"""Group a feed's candles into moments: every symbol's candle of one close time together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from trading_agents.market.candles import Candle
from trading_agents.market.feeds.port import CandleFeed, market_events
from trading_agents.market.marks import MarkPrice


async def moments(
    feed: CandleFeed, symbols: Collection[str], until_ms: int | None = None
) -> AsyncIterator[list[Candle] | MarkPrice]:
    """Yield the candles of each close time once every wanted symbol's has come, or time moved.

    A moment waits for every symbol and no longer: a symbol that skips a minute does not hold
    the others back past the next close, and one the feed dropped (delisted, silent) is not
    waited for at all. Candles of other symbols are ignored. A feed that streams mark prices
    has each wanted one passed on as it comes, between moments: a moment still waiting for a
    symbol does not hold a mark back, so a stop triggers within a second of its price.
    """
    pending: list[Candle] = []
    wanted = set(symbols)
    dropped = feed.dropped
    expected = len(wanted)
    stream = market_events(feed)
    try:
        async for item in stream:
            if isinstance(item, MarkPrice):
                if item.symbol in wanted and (until_ms is None or item.ts_ms <= until_ms):
                    yield item
                continue
            candle = item
            if candle.symbol not in wanted:
                continue
            if until_ms is not None and candle.close_ms > until_ms:
                break
            if pending and candle.close_ms != pending[0].close_ms:
                yield pending
                pending = []
            pending.append(candle)
            if dropped:
                expected = len(wanted.difference(dropped))
            if len(pending) >= expected:
                yield pending
                pending = []
    finally:
        closing = getattr(stream, "aclose", None)
        if closing is not None:
            await closing()
    if pending:
        yield pending
