"""The desk's market loop: one shared stream of candles steps every account's kernel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from trading_agents.core.clock import MS_PER_DAY
from trading_agents.engine.moments import moments
from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice
from trading_agents.service.desk_base import WALL, DeskBase

log = logging.getLogger(__name__)


class MarketLoop(DeskBase):
    """Consume the market stream: each moment steps the kernel, then the journal writes."""

    def start_market(self) -> None:
        """Start consuming the market stream in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._consume(), name="market-data")

    async def _consume(self) -> None:
        try:
            self.market_phase = "streaming"
            self.last_moment_ms = WALL.now_ms()
            async for moment in moments(self.source.feed, self.symbols):
                if isinstance(moment, MarkPrice):
                    await self.take_mark(moment)
                    continue
                self.last_moment_ms = now = WALL.now_ms()
                for candle in moment:
                    self.candle_came_ms[candle.symbol] = now
                await self.step(moment)
            self.market_phase = "ended"
            log.warning("market data ended: %s", self.source.description)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.market_phase = "failed"
            self.market_error = repr(error)
            log.exception("market data stream failed")

    async def take_mark(self, mark: MarkPrice) -> None:
        """Value the accounts at a streamed mark price; journal what their venues did on it.

        A paper stop, take-profit or liquidation it triggers is booked, published and written
        at once, not at the next candle's close.
        """
        async with self._lock:
            acted = self.driver.on_mark_price(mark)
            if acted:
                await self._save([s for s in self.sessions.values() if s.parts.account in acted])

    async def step(self, moment: Sequence[Candle]) -> None:
        """Trade one moment's candles on every account, then journal what changed.

        A moment the desk traded on before a restart (a live feed's backfill) only warms the
        agents' indicators: the restored venues must not see it again.
        """
        async with self._lock:
            for candle in moment:
                self._history[candle.symbol].append(candle)
            stepped = await self.driver.step(moment)
            self.stepped_through_ms = moment[0].close_ms
            if stepped is None:
                return
            await self._save(self.sessions.values())
            if moment[0].close_ms % MS_PER_DAY == 0:
                await self.snapshot_days()  # the UTC day just closed, for every account
