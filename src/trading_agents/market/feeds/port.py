"""The feed port: where closed candles come from, whatever the mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol, runtime_checkable

from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice


class CandleFeed(Protocol):
    """A source of closed candles in time order; at equal times, symbols in a fixed order."""

    def candles(self) -> AsyncIterator[Candle]:
        """Yield each candle once, after it has closed."""
        ...

    @property
    def description(self) -> str:
        """Say what the data is and where it comes from, for logs and status answers."""
        ...

    @property
    def dropped(self) -> Mapping[str, str]:
        """Return the symbols the feed stopped following, with why (a delisting, silence)."""
        ...

    @property
    def cadence_s(self) -> float | None:
        """Return the wall seconds between one moment's candles and the next; None: no promise."""
        ...


@runtime_checkable
class MarkPriceStream(Protocol):
    """A feed that also streams mark prices between closes (live data over a WebSocket).

    Replays, files and synthetic series have candles only; a consumer that can apply marks
    asks for `events()` where a feed offers it, and `candles()` otherwise.
    """

    def events(self) -> AsyncIterator[Candle | MarkPrice]:
        """Yield closed candles (once each, ordered as `candles()`) and mark prices as they come."""
        ...


def market_events(feed: CandleFeed) -> AsyncIterator[Candle | MarkPrice]:
    """Return the feed's candles, with its mark prices where it streams them."""
    if isinstance(feed, MarkPriceStream):
        return feed.events()
    return feed.candles()
