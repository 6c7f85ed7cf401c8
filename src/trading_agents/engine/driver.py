"""The one driver of the kernel: moments in, warm-up or a step each, a final mark at the end.

Backtests, paper runs and the service all walk the kernel through it. They differ only in
where moments come from (a feed, the desk's market stream, a backtest's fast-forward over
candles where nothing can happen) and in what they do after a step (journal, report).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Sequence

from trading_agents.agents.state import DecisionState
from trading_agents.engine.account import AgentAccount
from trading_agents.engine.kernel import Kernel
from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice

AfterStep = Callable[[Sequence[Candle], list[DecisionState]], Awaitable[None]]
# What a driver runs on: one moment's candles, or a mark price streamed between moments.
Moment = Sequence[Candle] | MarkPrice


class KernelDriver:
    """Step the kernel moment by moment; warm it on moments it must not trade on."""

    def __init__(
        self,
        kernel: Kernel,
        *,
        trade_from_ms: int | None = None,
        after_restart: bool = False,
    ) -> None:
        """Drive `kernel`; moments closing before `trade_from_ms` (a backfill) only warm it.

        Such a warm-up reaches the accounts' venues too: a new account's simulated venue
        takes its prices. With `after_restart`, a moment the kernel already traded on before
        a restart warms the markets only (the restored venues must not see it again);
        otherwise a moment back in time is an error, as the kernel says.
        """
        self.kernel = kernel
        self.trade_from_ms = trade_from_ms
        self._after_restart = after_restart
        self.candles = 0  # traded on
        self.warmed = 0  # shown to the markets only
        self.mark_prices = 0  # streamed mark prices taken between moments

    async def step(self, moment: Sequence[Candle]) -> list[DecisionState] | None:
        """Trade one moment's candles; return the decisions, or None if it only warmed."""
        close_ms = moment[0].close_ms
        last = self.kernel.last_close_ms
        if self.trade_from_ms is not None and close_ms < self.trade_from_ms:
            self.warmed += len(moment)  # a backfill: indicators and venues see it
            self.kernel.warm(moment)
            return None
        if self._after_restart and last is not None and close_ms <= last:
            self.warmed += len(moment)  # traded on before the restart: indicators see it
            self.kernel.warm(moment, venues=False)
            return None
        decided = await self.kernel.step(close_ms, moment)
        self.candles += len(moment)  # once the step is whole, decisions and all
        return decided

    def on_mark_price(self, mark: MarkPrice) -> list[AgentAccount]:
        """Take a mark price between moments; return the accounts whose venue acted on it.

        One from before trading starts (while a backfill warms the kernel) is ignored.
        """
        if self.trade_from_ms is not None and mark.ts_ms < self.trade_from_ms:
            return []
        self.mark_prices += 1
        return self.kernel.on_mark_price(mark)

    async def run(self, moments: AsyncIterable[Moment], after: AfterStep | None = None) -> None:
        """Step through every moment until the source ends, then mark equity at the end.

        Mark prices between moments are taken as they come; nobody decides on them.
        """
        async for moment in moments:
            if isinstance(moment, MarkPrice):
                self.on_mark_price(moment)
                continue
            decided = await self.step(moment)
            if decided is not None and after is not None:
                await after(moment, decided)
        self.finish()

    def finish(self) -> None:
        """Mark equity at the last close, unless the kernel's cadence just did."""
        last = self.kernel.last_close_ms
        if last is not None and last % self.kernel.mark_interval_ms:
            self.kernel.mark(last)
