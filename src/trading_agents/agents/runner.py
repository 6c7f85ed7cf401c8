"""The agent runner: its gate says when to decide; then one run of the decision graph."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import NamedTuple

from trading_agents.agents.brains.port import Brain
from trading_agents.agents.graph import DecisionRunner
from trading_agents.agents.state import DecisionState, PositionView, perf_counter_ns
from trading_agents.core.clock import Clock
from trading_agents.core.decimals import ZERO
from trading_agents.core.log_context import log_context
from trading_agents.market.view import MarketSnapshot, MarketView
from trading_agents.model.decisions import Decision, DecisionTrigger
from trading_agents.model.requests import AccountState
from trading_agents.model.signals import Signal
from trading_agents.risk.limits import RiskLimits
from trading_agents.risk.verdicts import Approved


def _after_entries(account: AccountState, state: DecisionState) -> AccountState:
    """Return the account less the margin of the entries just sent, for the next symbol.

    The entries fill at the next price, so the books do not show them yet; without this, two
    symbols deciding at one close would both size themselves from the same free margin.
    """
    sent = {outcome.client_order_id for outcome in state.get("orders", ()) if not outcome.error}
    reserved = ZERO
    for check in state.get("checks", ()):
        verdict = check.verdict
        if (
            isinstance(verdict, Approved)
            and not verdict.order.reduce_only
            and verdict.order.client_order_id in sent
        ):
            # Held at the order's price, its IOC cap: where the venue holds it too.
            price = verdict.order.price or account.marks.get(verdict.order.symbol, ZERO)
            reserved += verdict.order.quantity * price / verdict.leverage
    if not reserved:
        return account
    return AccountState(
        account.equity, account.available_balance - reserved, account.positions, account.marks
    )


class DecisionGate:
    """Decide on a signal, a position change, a brain trigger at a candle close, a heartbeat."""

    def __init__(self, brain: Brain, decision_interval_ms: int, heartbeat_ms: int | None) -> None:
        self._brain = brain
        self.decision_interval_ms = decision_interval_ms
        self.heartbeat_ms = heartbeat_ms

    def trigger(
        self,
        now_ms: int,
        snapshot: MarketSnapshot | None,
        *,
        position_changed: bool = False,
        signal: bool = False,
    ) -> DecisionTrigger | None:
        """Return why the agent should decide now about one symbol, or None to let it be."""
        if signal:
            return DecisionTrigger.SIGNAL
        if position_changed:
            return DecisionTrigger.POSITION
        if (
            snapshot is not None
            and snapshot.close_ms == now_ms
            and now_ms % self.decision_interval_ms == 0
            and self._brain.triggered(snapshot)
        ):
            return DecisionTrigger.CANDLE
        if self.heartbeat_ms is not None and now_ms % self.heartbeat_ms == 0:
            return DecisionTrigger.HEARTBEAT
        return None


# A symbol whose gate opened, and why.
Opened = tuple[str, DecisionTrigger]


class RunnerSnapshot(NamedTuple):
    """What a runner remembers between decisions, stored so that a restart keeps it."""

    sequence: int
    paused: bool
    latest_signals: tuple[Signal, ...]


class AgentRunner:
    """Run one agent's decisions for one account: gate first, then the graph."""

    def __init__(
        self,
        *,
        agent: str,
        account_id: str,
        symbols: Collection[str],
        brain: Brain,
        gate: DecisionGate,
        market: MarketView,
        limits: RiskLimits,
        graph: DecisionRunner,
        clock: Clock,
    ) -> None:
        self.agent = agent
        self.account_id = account_id
        self.symbols = tuple(symbols)
        self.brain = brain
        self.gate = gate
        self.market = market
        self.limits = limits
        self._graph = graph
        self._clock = clock
        self.sequence = 0
        self.paused = False
        self.latest_signals: dict[str, Signal] = {}

    def snapshot(self) -> RunnerSnapshot:
        """Return the decision count, the pause flag and the latest signal per symbol."""
        return RunnerSnapshot(self.sequence, self.paused, tuple(self.latest_signals.values()))

    def restore(self, snapshot: RunnerSnapshot) -> None:
        """Take back what `snapshot` returned before a restart."""
        self.sequence = snapshot.sequence
        self.paused = snapshot.paused
        self.latest_signals = {signal.symbol: signal for signal in snapshot.latest_signals}

    def opened(self, close_ms: int, changed: Collection[str]) -> list[Opened]:
        """Return each symbol whose gate opens after the candles closing at `close_ms`, and why.

        The gate reads the candles' close time, not the clock: live data arrives a little
        after its candle closed, and the same candles must open the same gates in a replay.
        It reads neither the account nor the decisions, so all gates can be read first.
        """
        if self.paused:
            return []
        opened: list[Opened] = []
        for symbol in self.symbols:
            trigger = self.gate.trigger(
                close_ms, self.market.snapshot(symbol), position_changed=symbol in changed
            )
            if trigger is not None:
                opened.append((symbol, trigger))
        return opened

    async def decide_opened(
        self,
        opened: list[Opened],
        account: AccountState,
        positions: Mapping[str, PositionView],
    ) -> list[DecisionState]:
        """Decide in turn for each symbol `opened` returned, on the account as it goes."""
        decided: list[DecisionState] = []
        last = len(opened) - 1
        free = account.available_balance
        for number, (symbol, trigger) in enumerate(opened):
            reserved = free - account.available_balance
            state = await self.decide(symbol, trigger, account, positions, reserved=reserved)
            decided.append(state)
            if number < last:  # only the symbols after this one read the account again
                account = _after_entries(account, state)
        return decided

    async def on_signal(
        self, signal: Signal, account: AccountState, positions: Mapping[str, PositionView]
    ) -> DecisionState:
        """Decide at once on a signal for one of the agent's symbols."""
        if signal.symbol not in self.symbols:
            raise ValueError(f"{self.agent} does not trade {signal.symbol}")
        self.latest_signals[signal.symbol] = signal
        return await self.decide(signal.symbol, DecisionTrigger.SIGNAL, account, positions, signal)

    async def decide(
        self,
        symbol: str,
        trigger: DecisionTrigger,
        account: AccountState,
        positions: Mapping[str, PositionView],
        signal: Signal | None = None,
        forced: Decision | None = None,
        reserved: Decimal = ZERO,
    ) -> DecisionState:
        """Run the decision graph once for one symbol; `reserved` is margin not in the books."""
        self.sequence += 1
        market = {name: snap for name in self.symbols if (snap := self.market.snapshot(name))}
        state: DecisionState = {
            "agent": self.agent,
            "account_id": self.account_id,
            "sequence": self.sequence,
            "ts_ms": self._clock.now_ms(),
            "trigger": trigger,
            "symbol": symbol,
            "market": market,
            "positions": positions,
            "account": account,
            "limits": self.limits,
            "signal": signal if signal is not None else self.latest_signals.get(symbol),
            # How long a decision takes is measured, not market time: not the clock's business.
            "started_ns": perf_counter_ns(),
        }
        if forced is not None:
            state["forced"] = forced
        if reserved:
            state["reserved_margin"] = reserved
        with log_context(agent=self.agent, account_id=self.account_id, decision=self.sequence):
            return await self._graph.run(state)
