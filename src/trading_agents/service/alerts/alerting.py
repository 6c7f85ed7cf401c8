"""Raise alerts from the rules, keep them in the outbox, and deliver them to every sink."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from uuid import uuid4

import httpx

from trading_agents.core.clock import Clock
from trading_agents.events.stream import EventHub, Subscription
from trading_agents.service.alerts.model import RULES, Alert
from trading_agents.service.alerts.outbox import Outbox
from trading_agents.service.alerts.rules import (
    Condition,
    alerting_event,
    conditions,
    from_event,
)
from trading_agents.service.alerts.sinks import Sink, SinkFailed
from trading_agents.service.probe import DeskProbe

log = logging.getLogger(__name__)
CHECK_S = 1.0  # how often the desk's conditions are read
EVENTS_BUFFER = 10_000
JOURNAL_BACK = "the journal writes to its database again; the batches spooled meanwhile follow"
LATELY_MS = 86_400_000  # a condition alerted within a day is not alerted again at a start
_OUTAGE = ("journal_outage", "journal")
PRUNE_EVERY_MS = 86_400_000


class Alerting:
    """Watch the desk and its event streams; every alert goes to the outbox, then the sinks."""

    def __init__(
        self,
        facts: DeskProbe,
        outbox: Outbox,
        sinks: list[Sink],
        clock: Clock,
        check_s: float = CHECK_S,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """`client` is the sinks' connection pool, closed with the alerts."""
        self._facts = facts
        self.outbox = outbox
        self._sinks = {sink.name: sink for sink in sinks}
        self._clock = clock
        self._check_s = check_s
        # What held at the last check; None before the first, which only takes the baseline:
        # what held before a restart was alerted before it.
        self._held: dict[Condition, str] | None = None
        self._outage_alerted = False  # a journal outage alert was raised: its end is news
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Subscription | None = None
        self._client = client
        self._pruned_ms: int | None = None

    @property
    def sinks(self) -> list[str]:
        """Return the configured sinks' names."""
        return list(self._sinks)

    def start(self, hub: EventHub) -> None:
        """Follow the event streams, check the conditions and deliver, in the background."""
        if self._tasks:
            return
        self._subscription = hub.subscribe(EVENTS_BUFFER, alerting_event)
        self.prune()
        self.check()
        self._tasks = [
            asyncio.create_task(self._follow(self._subscription), name="alerts-events"),
            asyncio.create_task(self._watch(), name="alerts-watch"),
            asyncio.create_task(self._deliver(), name="alerts-deliver"),
        ]

    async def close(self) -> None:
        """Stop the background work and close the outbox; what is pending stays on disk."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self.outbox.close()
        if self._client is not None:
            await self._client.aclose()

    def prune(self) -> None:
        """Delete old alerts that ended, at most once a day: a service runs for months."""
        now_ms = self._clock.now_ms()
        if self._pruned_ms is not None and now_ms - self._pruned_ms < PRUNE_EVERY_MS:
            return
        self._pruned_ms = now_ms
        pruned = self.outbox.prune(now_ms)
        if pruned:
            log.info("alerts: deleted %d alerts older than the keeping time", pruned)

    def check(self) -> list[Alert]:
        """Read the conditions; alert on each that began to hold, and on a journal's return.

        At the first check, a condition that already holds alerts unless the outbox has one
        of it from the last day: a restart in the middle of an episode does not repeat it,
        and one that began while the service was down is not missed.
        """
        now = conditions(self._facts)
        first = self._held is None
        before = self._held or {}
        held: dict[Condition, str] = {}
        raised: list[Alert] = []
        for condition, detail in now.items():
            if condition not in before and not (first and self._alerted_lately(condition)):
                try:
                    alert = self.raise_alert(condition, detail)
                except Exception:
                    # Not stored: not counted as held either, so the next check tries again.
                    log.exception("alerts: could not store %s on %s", *condition)
                    continue
                if alert is not None:
                    raised.append(alert)
                    if condition == _OUTAGE:
                        self._outage_alerted = True
            held[condition] = detail
        if _OUTAGE in before and _OUTAGE not in now and self._outage_alerted:
            self._outage_alerted = False
            back = self.raise_alert(("journal_recovered", "journal"), JOURNAL_BACK)
            raised.extend([back] if back is not None else [])
        self._held = held
        return raised

    def _alerted_lately(self, condition: Condition) -> bool:
        last = self.outbox.last_sent_ms(*condition)
        return last is not None and self._clock.now_ms() - last < LATELY_MS

    def raise_alert(self, condition: Condition, detail: str) -> Alert | None:
        """Store an alert for every sink, unless the same one was raised within its quiet time."""
        name, subject = condition
        rule = RULES[name]
        now_ms = self._clock.now_ms()
        last = self.outbox.last_sent_ms(name, subject)
        if last is not None and now_ms - last < rule.quiet_s * 1000:
            return None
        alert = Alert(uuid4().hex, name, rule.severity, rule.title, detail, subject, now_ms)
        self.outbox.add(alert, self.sinks)
        log.warning("alert %s (%s) on %s: %s", name, rule.severity, subject, detail)
        self._wake.set()
        return alert

    async def deliver_due(self) -> int:
        """Send every delivery that is due; return how many the sinks took.

        A sink that fails is not tried again in the same pass: one that never answers holds
        up the others for one timeout, not one per alert.
        """
        taken = 0
        failing: set[str] = set()
        for delivery in self.outbox.due(self._clock.now_ms(), sinks=list(self._sinks)):
            sink = self._sinks[delivery.sink]
            if sink.name in failing:
                continue
            alert = delivery.alert
            try:
                await sink.send(alert)
            except Exception as error:  # SinkFailed, or anything a sink did not foresee
                failing.add(sink.name)
                why = str(error) if isinstance(error, SinkFailed) else type(error).__name__
                wait_s = self.outbox.failed(alert, sink.name, why, self._clock.now_ms())
                if wait_s is None:
                    log.error(
                        "alert %s (%s) abandoned for %s after a day of failures (%s)",
                        alert.alert_id,
                        alert.rule,
                        sink.name,
                        why,
                    )
                else:
                    log.warning(
                        "alert %s not delivered to %s (%s); again in %.0f s",
                        alert.alert_id,
                        sink.name,
                        why,
                        wait_s,
                    )
                continue
            self.outbox.sent(alert.alert_id, sink.name, self._clock.now_ms())
            taken += 1
        return taken

    async def _follow(self, subscription: Subscription) -> None:
        while True:
            event = await subscription.get()
            try:
                raised = from_event(event)
                if raised is not None:
                    self.raise_alert(*raised)
            except Exception:
                log.exception("alerts: could not read event %s of %s", event.kind, event.account_id)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._check_s)
            try:
                self.check()
                self.prune()
            except Exception:
                log.exception("alerts: could not check the desk's conditions")

    async def _deliver(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:
                log.exception("alerts: delivery failed")
