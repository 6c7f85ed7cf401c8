"""The desk's market loop: one shared stream of candles steps every account's kernel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from trading_agents.core.clock import MS_PER_DAY
from trading_agents.engine.moments import moments
from trading_agents.market.candles import Candle
from trading_agents.service.desk_base import DeskBase

log = logging.getLogger(__name__)


class MarketLoop(DeskBase):
    """Consume the market stream: each moment steps the kernel, then the journal writes."""

    def start_market(self) -> None:
        """Start consuming the market stream in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._consume(), name="market-data")

    async def _consume(self) -> None:
        try:
            self.market_state = "streaming"
            async for moment in moments(self.source.feed, self.symbols):
                await self.step(moment)
            self.market_state = "ended"
            log.warning("market data ended: %s", self.source.description)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.market_state = "failed"
            self.market_error = repr(error)
            log.exception("market data stream failed")

    async def step(self, moment: Sequence[Candle]) -> None:
        """Trade one moment's candles on every account, then journal what changed."""
        async with self._lock:
            for candle in moment:
                self._history[candle.symbol].append(candle)
            close_ms = moment[0].close_ms
            last = self.kernel.last_close_ms
            if last is not None and close_ms <= last:
                # Stepped before a restart: the agents' indicators see it, nothing trades.
                self._show_past(moment)
                return
            await self.kernel.step(close_ms, moment)
            await self._save(self.sessions.values())
            if close_ms % MS_PER_DAY == 0:
                await self.snapshot_days()  # the UTC day just closed, for every account

    def _show_past(self, moment: Sequence[Candle]) -> None:
        for candle in moment:
            # After a restart on live data, the backfill is the only price there is yet.
            self.kernel.marks[candle.symbol] = candle.close
        for session in self.sessions.values():
            for candle in moment:
                if candle.symbol in session.symbols:
                    session.market.on_candle(candle)
