"""Closed candles of several symbols let out in time order, each once: a live feed's ordering."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping, Sequence

from trading_agents.market.candles import Candle
from trading_agents.market.feeds.binance_rest import MarketDataError

log = logging.getLogger(__name__)


class ClosedCandles:
    """Hold each followed symbol's closed candles until every symbol has reached their time.

    A symbol's cursor is the open time of the next candle it owes. A symbol whose latest
    candle is late holds the others back, so times never go back; at equal times symbols
    come in the order given. One that falls `stale_after_ms` behind the one furthest on has
    stopped (delisted, silent) and is dropped, so it no longer holds the others.
    """

    def __init__(
        self,
        symbols: Sequence[str],
        start_ms: int,
        interval_ms: int,
        stale_after_ms: int,
        dropped: MutableMapping[str, str],
    ) -> None:
        self.interval_ms = interval_ms
        self.dropped = dropped  # the feed's own: what it stopped following, and why
        self.cursors = {symbol: start_ms for symbol in symbols if symbol not in dropped}
        self._pending: dict[str, list[Candle]] = {symbol: [] for symbol in self.cursors}
        self._order = {symbol: index for index, symbol in enumerate(symbols)}
        self._stale_after_ms = stale_after_ms

    def owes(self, symbol: str) -> int | None:
        """Return the open time of the next candle `symbol` owes; None if it is not followed."""
        return self.cursors.get(symbol)

    def add(self, symbol: str, candles: Sequence[Candle]) -> None:
        """Take a symbol's next candles, in time order, none before its cursor."""
        if candles and symbol in self.cursors:
            self._pending[symbol] += candles
            self.cursors[symbol] = candles[-1].open_ms + self.interval_ms

    def drop(self, symbol: str, reason: str) -> None:
        """Stop following a symbol, saying why; with none left, the feed fails."""
        self.dropped[symbol] = reason
        self.cursors.pop(symbol, None)
        self._pending.pop(symbol, None)
        log.warning("market data: %s dropped, the other symbols go on: %s", symbol, reason)
        if not self.cursors:
            raise MarketDataError(f"no symbol left to follow: {'; '.join(self.dropped.values())}")

    def release(self) -> list[Candle]:
        """Return the candles every followed symbol has reached, in time and symbol order."""
        self._drop_stale()
        horizon = min(self.cursors.values())
        ready = [c for symbol in self.cursors for c in self._pending[symbol] if c.open_ms < horizon]
        if not ready:
            return []
        for symbol in self.cursors:
            self._pending[symbol] = [c for c in self._pending[symbol] if c.open_ms >= horizon]
        order = self._order
        return sorted(ready, key=lambda c: (c.open_ms, order[c.symbol]))

    def _drop_stale(self) -> None:
        """Drop a symbol that has fallen too far behind the one furthest on: it stopped."""
        ahead = max(self.cursors.values())
        for symbol, cursor in list(self.cursors.items()):
            if ahead - cursor > self._stale_after_ms:
                behind = (ahead - cursor) // self.interval_ms
                self.drop(
                    symbol, f"{symbol}: no candle for {behind} intervals while the others went on"
                )
