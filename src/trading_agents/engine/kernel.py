"""The kernel: one time step at a time, the same order of work in every mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

from trading_agents.agents.state import DecisionState
from trading_agents.core.clock import MS_PER_HOUR, SimulatedClock
from trading_agents.engine.account import AgentAccount
from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice

DEFAULT_MARK_INTERVAL_MS = MS_PER_HOUR


class Kernel:
    """Advance time, feed the venues, book the reports, mark equity, then let agents decide.

    Every step handles the candles of one close time for all symbols together, so a decision
    always sees every symbol's price of that moment, in backtests and live alike. Equity is
    marked on a fixed cadence (and at the end), the same in every mode, so that the risk
    engine's drawdown and daily loss see the same readings wherever the agent runs.
    """

    def __init__(
        self,
        clock: SimulatedClock | None,
        accounts: Sequence[AgentAccount],
        mark_interval_ms: int = DEFAULT_MARK_INTERVAL_MS,
        pause: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._clock = clock
        # With many accounts, awaited after each account that decided: the service lets its
        # API calls in there, so that a thousand decisions at once do not hold them up.
        self._pause = pause
        self.accounts = list(accounts)
        self.mark_interval_ms = mark_interval_ms
        self.marks: dict[str, Decimal] = {}
        self.last_close_ms: int | None = None
        self.decisions = 0

    async def step(self, close_ms: int, candles: Sequence[Candle]) -> list[DecisionState]:
        """Handle the closed candles of one moment: fills first, then marks, then decisions."""
        if self.last_close_ms is not None and close_ms <= self.last_close_ms:
            raise ValueError(
                f"time step {close_ms} is not after the previous one ({self.last_close_ms})"
            )
        if self._clock is not None:
            self._clock.advance_to(close_ms)
        for candle in candles:
            if candle.close_ms != close_ms:
                raise ValueError(
                    f"{candle.symbol} candle closes at {candle.close_ms}, not {close_ms}"
                )
        self._show(candles)
        self.last_close_ms = close_ms
        # The accounts of this step (one added or removed during a pause waits for the next),
        # each with the symbols whose position changed: pairs, not lists zipped with strict=True,
        # whose keyword argument is parsed at every call.
        settled = [(account, account.settle(self.marks)) for account in self.accounts]
        for account, symbols in settled:
            if account.late_changes:  # a live venue's fills booked after the last decisions
                symbols |= account.late_changes
                account.late_changes = set()
        if close_ms % self.mark_interval_ms == 0:
            self.mark(close_ms)
        decided: list[DecisionState] = []
        for account, symbols in settled:
            taken = await account.decide(close_ms, symbols, self.marks)
            decided += taken
            if taken and self._pause is not None:
                await self._pause()
        # Orders sent by the decisions were acknowledged at once; book those reports now. A live
        # venue fills a market order before the next candle, where a simulated one fills at
        # its open: the position change opens the agent's gate at the next step either way.
        for account, _ in settled:
            account.late_changes |= account.settle(self.marks)
        self.decisions += len(decided)
        return decided

    def on_mark_price(self, mark: MarkPrice) -> list[AgentAccount]:
        """Take a streamed mark price between steps; return the accounts whose venue acted on it.

        Positions are valued at it from now on, and each simulated venue trading the symbol
        triggers stops, take-profits and liquidation at it, booked at once. No agent decides:
        decisions come at candle closes. A mark older than the last close is stale (the close
        is newer news) and changes nothing.
        """
        if self.last_close_ms is not None and mark.ts_ms < self.last_close_ms:
            return []
        if self._clock is not None and mark.ts_ms > self._clock.now_ms():
            self._clock.advance_to(mark.ts_ms)
        symbol = mark.symbol
        self.marks[symbol] = mark.price
        acted: list[AgentAccount] = []
        for account in list(self.accounts):
            if symbol in account.symbols and account.on_mark_price(mark, self.marks):
                acted.append(account)
        return acted

    def warm(self, candles: Sequence[Candle], venues: bool = True) -> None:
        """Show past candles to the markets (and the venues): indicators warm up, nothing trades."""
        if self._clock is not None and candles:
            latest = max(candle.close_ms for candle in candles)
            if latest > self._clock.now_ms():  # a moment seen before leaves time where it is
                self._clock.advance_to(latest)
        self._show(candles, venues)

    def _show(self, candles: Sequence[Candle], venues: bool = True) -> None:
        """Give each candle to the accounts that trade its symbol, and keep its close as mark."""
        for candle in candles:
            self.marks[candle.symbol] = candle.close
            for account in self.accounts:
                if candle.symbol in account.symbols:
                    account.on_candle(candle, venues)

    def add(self, account: AgentAccount) -> None:
        """Let one more account trade from the next step on."""
        self.accounts.append(account)

    def remove(self, account: AgentAccount) -> None:
        """Stop stepping an account."""
        self.accounts.remove(account)

    def mark(self, ts_ms: int) -> None:
        """Record every account's equity at the latest prices."""
        for account in self.accounts:
            account.mark(ts_ms, self.marks)
