"""An account's event stream: numbered in order, held for the journal, fanned out bounded."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from trading_agents.core.clock import SimulatedClock
from trading_agents.events.stream import EventHub
from trading_agents.events.types import CashFlowBooked, LifecycleChanged

START = "2025-06-05T12:00:00Z"


def _flow(n: int) -> CashFlowBooked:
    return CashFlowBooked(f"f-{n}", "deposit", Decimal(n))


def test_events_are_numbered_per_account_and_stamped_by_the_clock() -> None:
    clock = SimulatedClock(START)
    hub = EventHub(clock)
    atlas, nova = hub.stream("atlas", "acc-1"), hub.stream("nova", "acc-1")

    first = atlas.publish(_flow(1))
    clock.advance_by(60_000)
    second = atlas.publish(_flow(2))
    other = nova.publish(_flow(3))

    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert second.ts_ms - first.ts_ms == 60_000
    assert (other.agent, other.account_id, other.kind) == ("nova", "acc-1", "CashFlowBooked")


def test_the_journal_acknowledges_what_it_wrote_and_the_rest_stays() -> None:
    stream = EventHub(SimulatedClock(START)).stream("atlas", "acc-1")
    for n in range(1, 4):
        stream.publish(_flow(n))

    taken = stream.pending
    stream.publish(_flow(4))  # published while the journal was writing
    stream.journaled(taken[-1].seq)

    assert [e.seq for e in taken] == [1, 2, 3]
    assert [e.seq for e in stream.pending] == [4]


def test_a_stream_numbers_on_after_the_last_number_of_a_previous_run() -> None:
    stream = EventHub(SimulatedClock(START)).stream("atlas", "acc-1", last_seq=41)

    assert stream.publish(_flow(1)).seq == 42


async def test_a_subscriber_gets_every_account_in_order_and_can_filter() -> None:
    hub = EventHub(SimulatedClock(START))
    everything = hub.subscribe()
    lifecycle = hub.subscribe(wanted=lambda e: isinstance(e.payload, LifecycleChanged))
    atlas, nova = hub.stream("atlas", "acc-1"), hub.stream("nova", "acc-2")

    atlas.publish(_flow(1))
    nova.publish(LifecycleChanged("pause", "paused"))
    atlas.publish(_flow(2))

    got = [await everything.get() for _ in range(3)]
    assert [(e.agent, e.seq) for e in got] == [("atlas", 1), ("nova", 1), ("atlas", 2)]
    assert [(await lifecycle.get()).agent] == ["nova"]
    assert lifecycle.get_nowait() is None


async def test_a_slow_subscriber_loses_its_oldest_events_and_is_told_how_many() -> None:
    hub = EventHub(SimulatedClock(START))
    slow = hub.subscribe(maxsize=2)
    stream = hub.stream("atlas", "acc-1")

    for n in range(1, 6):
        stream.publish(_flow(n))  # never waits for the subscriber

    assert slow.dropped == 3
    assert [(await slow.get()).seq for _ in range(len(slow))] == [4, 5]
    assert [e.seq for e in stream.pending] == [1, 2, 3, 4, 5]  # the journal loses nothing


async def test_a_waiting_subscriber_wakes_on_the_next_event_and_stops_after_close() -> None:
    hub = EventHub(SimulatedClock(START))
    subscription = hub.subscribe()
    stream = hub.stream("atlas", "acc-1")

    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    stream.publish(_flow(1))
    assert (await asyncio.wait_for(waiting, 1)).seq == 1

    subscription.close()
    stream.publish(_flow(2))
    assert subscription.get_nowait() is None


def test_a_subscription_needs_room_for_an_event() -> None:
    with pytest.raises(ValueError, match="at least one"):
        EventHub(SimulatedClock(START)).subscribe(maxsize=0)


def test_a_held_stream_tells_subscribers_only_once_released() -> None:
    hub = EventHub(SimulatedClock(START))
    watching = hub.subscribe()
    stream = hub.stream("atlas", "acc-1", held=True)

    stream.publish(_flow(1))
    assert watching.get_nowait() is None  # a start the journal may still refuse
    stream.release()
    stream.publish(_flow(2))

    assert [watching.get_nowait().seq for _ in range(2)] == [1, 2]  # type: ignore[union-attr]
    assert [e.seq for e in stream.pending] == [1, 2]  # the journal had them all along
