"""Each account's ordered stream of events, and the subscriptions that consume it.

Publishing never waits: the trading loop must not slow down for a consumer. The journal
takes an account's events in order and acknowledges them once written (`pending` and
`journaled`), so none is lost or written twice. Every other consumer (the dashboard, the
metrics, the alerts) holds a `Subscription` with a bounded buffer: when it falls behind,
the oldest events it has not read are dropped and counted in `dropped`, and the consumer
resynchronises from the API or the journal, which hold everything.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from trading_agents.core.clock import Clock
from trading_agents.events.types import AccountEvent, EventPayload

DEFAULT_BUFFER = 10_000


class Subscription:
    """A consumer's bounded queue of events; the oldest go when it is full."""

    def __init__(
        self,
        hub: EventHub,
        maxsize: int,
        wanted: Callable[[AccountEvent], bool] | None = None,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"a subscription needs room for at least one event, not {maxsize}")
        self._hub = hub
        self._wanted = wanted
        self._buffer: deque[AccountEvent] = deque()
        self._maxsize = maxsize
        self._ready = asyncio.Event()
        self.dropped = 0  # events lost because this consumer fell behind

    def offer(self, event: AccountEvent) -> None:
        """Take one event, dropping the oldest unread one if the buffer is full."""
        if self._wanted is not None and not self._wanted(event):
            return
        if len(self._buffer) >= self._maxsize:
            self._buffer.popleft()
            self.dropped += 1
        self._buffer.append(event)
        self._ready.set()

    def get_nowait(self) -> AccountEvent | None:
        """Return the oldest unread event, or None when there is none."""
        if not self._buffer:
            self._ready.clear()
            return None
        return self._buffer.popleft()

    async def get(self) -> AccountEvent:
        """Return the oldest unread event, waiting for one."""
        while not self._buffer:
            self._ready.clear()
            await self._ready.wait()
        return self._buffer.popleft()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> AccountEvent:
        return await self.get()

    def __len__(self) -> int:
        return len(self._buffer)

    def close(self) -> None:
        """Stop receiving events."""
        self._hub.unsubscribe(self)


class EventHub:
    """Every account's stream in one place, for consumers that follow the whole desk."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._subscriptions: list[Subscription] = []

    def stream(
        self, agent: str, account_id: str, last_seq: int = 0, held: bool = False
    ) -> AccountStream:
        """Return an account's stream, numbering on after `last_seq` (kept across restarts).

        A `held` stream delivers to the subscribers only once released: what an account
        publishes before it exists for good (a start the journal may refuse) reaches nobody
        if it never does.
        """
        return AccountStream(agent, account_id, self._clock, self, last_seq, held)

    def subscribe(
        self,
        maxsize: int = DEFAULT_BUFFER,
        wanted: Callable[[AccountEvent], bool] | None = None,
    ) -> Subscription:
        """Return a subscription to every account's events from now on (`wanted` filters)."""
        subscription = Subscription(self, maxsize, wanted)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop delivering to a subscription (unsubscribing twice is harmless)."""
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def deliver(self, event: AccountEvent) -> None:
        """Offer an event to every subscription."""
        for subscription in self._subscriptions:
            subscription.offer(event)


class AccountStream:
    """One account's events, numbered in order, held for the journal until it wrote them."""

    def __init__(
        self,
        agent: str,
        account_id: str,
        clock: Clock,
        hub: EventHub | None = None,
        last_seq: int = 0,
        held: bool = False,
    ) -> None:
        self.agent = agent
        self.account_id = account_id
        self._clock = clock
        self._hub = hub
        self.seq = last_seq
        self._unjournaled: list[AccountEvent] = []
        self._held: list[AccountEvent] | None = [] if held else None

    def publish(self, payload: EventPayload) -> AccountEvent:
        """Number an event, keep it for the journal and offer it to the subscribers."""
        self.seq += 1
        event = AccountEvent(self.seq, self._clock.now_ms(), self.agent, self.account_id, payload)
        self._unjournaled.append(event)
        if self._held is not None:
            self._held.append(event)
        elif self._hub is not None:
            self._hub.deliver(event)
        return event

    def release(self) -> None:
        """Deliver what was held back, in order, and every event from now on."""
        held, self._held = self._held, None
        if held and self._hub is not None:
            for event in held:
                self._hub.deliver(event)

    @property
    def has_pending(self) -> bool:
        """Tell whether the journal has events of this account still to write."""
        return bool(self._unjournaled)

    @property
    def pending(self) -> list[AccountEvent]:
        """Return the events the journal has not written yet, oldest first."""
        return list(self._unjournaled)

    def journaled(self, through_seq: int) -> None:
        """Forget the events up to `through_seq`: the journal has written them."""
        self._unjournaled = [e for e in self._unjournaled if e.seq > through_seq]
