"""Every way a signal comes in (webhook, poll, API): validated, de-duplicated, decided at once."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from trading_agents.agents.state import DecisionState
from trading_agents.core.clock import Clock
from trading_agents.model.enums import OrderStatus
from trading_agents.model.signals import Signal
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Conflict, Invalid
from trading_agents.signals.dedupe import RecentSignals, content_id
from trading_agents.signals.validation import SignalRejected, signal_from, timestamp_ms

log = logging.getLogger(__name__)
_FILLED = frozenset({OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED})


class SignalIntake:
    """Check a signal against its agent's rules, take it once, and let the agent decide on it.

    `wall_clock` tells how old a signal is: real time, also when the market is a replay.
    `on_filled` hears how many seconds a signal took from its decision's start to its order
    filled (paper fills come before the call returns), for the metrics.
    """

    def __init__(
        self,
        desk: TradingDesk,
        wall_clock: Clock,
        max_age_ms: int,
        on_filled: Callable[[str, float], None] | None = None,
    ) -> None:
        self.desk = desk
        self._on_filled = on_filled
        self._wall = wall_clock
        self.max_age_ms = max_age_ms
        self._recent = RecentSignals(ttl_ms=max(max_age_ms, 3_600_000))  # ids the sender gave
        self._recent_content = RecentSignals(ttl_ms=max_age_ms)  # ids made of the content

    async def receive(
        self, agent: str, account_id: str, payload: Mapping[str, Any], source: str
    ) -> DecisionState | None:
        """Decide on a signal; None when it was taken already. Invalid says which rule failed."""
        taken = self.take(agent, account_id, payload, source)
        if taken is None:
            return None
        return await self.decide(agent, account_id, *taken)

    def take(
        self, agent: str, account_id: str, payload: Mapping[str, Any], source: str
    ) -> tuple[Signal, Hashable] | None:
        """Validate a signal and take it once; None when it was taken already."""
        signal = self.validate(agent, account_id, payload, source)
        by_content = signal.signal_id is None
        if by_content:  # known by what it says, for the signal's validity: a replay is the same
            sent_ms = timestamp_ms(payload.get("timestamp"))
            made = content_id(
                signal.symbol, str(signal.action), signal.confidence, signal.price, sent_ms
            )
            signal = dataclasses.replace(signal, signal_id=made)
        signal_id = signal.signal_id
        key = (agent, account_id, signal_id)
        memory = self._recent_content if by_content else self._recent
        if not memory.first_time(key, self._wall.now_ms()) or self._decided(
            agent, account_id, signal_id, by_content
        ):
            # A poll returns the engine's latest signal every time: a repeat is no news there.
            level = logging.DEBUG if source == "ml_poll" else logging.INFO
            log.log(level, "signal %s for %s on %s taken already: ignored", key, agent, account_id)
            return None
        return signal, key

    def validate(
        self, agent: str, account_id: str, payload: Mapping[str, Any], source: str
    ) -> Signal:
        """Return the signal if it passes every rule for the agent; Invalid says which failed."""
        session = self.desk.book_of(agent, account_id)
        try:
            return signal_from(
                payload,
                symbols=session.symbols,
                agent=agent,
                now_ms=self._wall.now_ms(),
                max_age_ms=self.max_age_ms,
                decided_at_ms=self.desk.clock.now_ms(),
                source=source,
            )
        except SignalRejected as error:
            raise Invalid(str(error)) from None

    async def decide(
        self, agent: str, account_id: str, signal: Signal, key: Hashable | None
    ) -> DecisionState:
        """Let the agent decide on a taken signal; a refusal for now lets it come again."""
        began = time.perf_counter()  # a duration for the metrics, not a time the agent reads
        try:
            state = await self.desk.decide_on_signal(agent, account_id, signal)
        except (Conflict, Invalid):
            if key is not None:
                self._recent.forget(key)  # refused for now (paused, say): it may come again
            raise
        if self._on_filled is not None and self._filled(agent, account_id, state):
            self._on_filled(agent, time.perf_counter() - began)
        return state

    def _filled(self, agent: str, account_id: str, state: DecisionState) -> bool:
        """Tell whether an order of the decision filled, by the account's orders now.

        The venue's answer in the decision is its acknowledgement; a paper fill comes after.
        """
        orders = self.desk.book_of(agent, account_id).parts.account.orders
        for outcome in state.get("orders", ()):
            order = orders.get(outcome.client_order_id)
            if order is not None and order.status in _FILLED:
                return True
        return False

    def _decided(
        self, agent: str, account_id: str, signal_id: str | None, by_content: bool
    ) -> bool:
        """Tell whether the agent decided on this signal already (its records survive restarts).

        One known by its content counts only within its validity, by the desk's clock (the
        clock its decisions were stamped with): later, the same content is a new signal.
        """
        if signal_id is None:
            return False
        since = self.desk.clock.now_ms() - self.max_age_ms if by_content else None
        records = self.desk.book_of(agent, account_id).decisions.records
        return any(
            record.signal_id == signal_id and (since is None or record.ts_ms >= since)
            for record in records
        )
