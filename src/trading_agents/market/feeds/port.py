"""The feed port: where closed candles come from, whatever the mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

from trading_agents.market.candles import Candle


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
