"""The desk's Prometheus metrics: counters fed by the event stream, gauges read when scraped.

Counts of what happened (decisions, orders, fills, risk denials, LLM use) come from the
desk's event stream, which this consumer follows like the journal and the dashboard do; the
state of each account (equity, drawdown, positions, trading state) is read from the account
itself at the scrape, so it is the same figure the API answers at that moment.

Labels stay bounded: an `account` label exists only while its agent runs or is paused on it.
A stopped agent's series go, and a new start counts from zero again, which Prometheus reads
as a counter reset. Histograms carry the agent only (three profiles), not the account.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from trading_agents.agents.brains.llm import LlmBrain
from trading_agents.events.stream import EventHub, Subscription
from trading_agents.events.types import AccountEvent, DecisionMade, LifecycleChanged, OrderChanged
from trading_agents.model.enums import OrderStatus
from trading_agents.model.reports import FillReport
from trading_agents.risk.verdicts import Denied
from trading_agents.service.probe import DeskProbe
from trading_agents.service.sessions import AgentSession, SessionStatus

log = logging.getLogger(__name__)
PREFIX = "trading_agents"
# Seconds: a decision of the rule brain takes milliseconds, an LLM's seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
Key = tuple[str, str]  # (agent, account_id)


@dataclass(slots=True)
class AccountCounts:
    """What one agent on one account did since it started: the counters' values."""

    decisions: Tally[str] = field(default_factory=Tally)  # by action
    orders: Tally[str] = field(default_factory=Tally)  # by final status
    fills: int = 0
    denials: Tally[str] = field(default_factory=Tally)  # by code
    # Orders counted as ended: an order is published again on later news of it (a venue's
    # late answer, a stream's repeat), and an event holds the order as it is when read.
    ended: set[str] = field(default_factory=set)

    def end(self, client_order_id: str, status: OrderStatus) -> None:
        """Count an order's final status, once."""
        if client_order_id not in self.ended:
            self.ended.add(client_order_id)
            self.orders[str(status)] += 1


class Telemetry:
    """Count what the event stream says happened; render the metrics page."""

    def __init__(self, readings: DeskProbe) -> None:
        self.readings = readings
        self.registry = CollectorRegistry(auto_describe=False)
        self.counts: dict[Key, AccountCounts] = {}
        self.events_dropped = 0  # by the subscription: counters are short by as many
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self.decision_latency = Histogram(
            f"{PREFIX}_decision_latency_seconds",
            "Time the decision graph took, from analysis to the venue's answers.",
            ["agent"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.signal_to_fill = Histogram(
            f"{PREFIX}_signal_to_fill_seconds",
            "Time from the intake taking a signal (out of the inbox, for a webhook's) to its"
            " decision done, for decisions whose order filled.",
            ["agent"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.webhook_signals = Counter(
            f"{PREFIX}_webhook_signals",
            "Webhook signals by outcome (accepted, duplicate, refused) and refusal reason.",
            ["outcome", "reason"],
            registry=self.registry,
        )
        self.llm_calls = Counter(
            f"{PREFIX}_llm_calls", "Calls to LLM endpoints.", ["model"], registry=self.registry
        )
        self.llm_tokens = Counter(
            f"{PREFIX}_llm_tokens",
            "Tokens sent to (input) and received from (output) LLM endpoints.",
            ["model", "direction"],
            registry=self.registry,
        )
        self.llm_cost = Counter(
            f"{PREFIX}_llm_cost_usd",
            "Dollars spent on LLM calls at the models' listed prices.",
            ["model"],
            registry=self.registry,
        )
        self.venue_latency = Histogram(
            f"{PREFIX}_venue_request_seconds",
            "Time each request to the exchange took, by endpoint (ccxt's name).",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.venue_errors = Counter(
            f"{PREFIX}_venue_errors",
            "Requests to the exchange that failed, by endpoint and the exchange's error code"
            " (`http_503`, `network` when no answer came).",
            ["endpoint", "code"],
            registry=self.registry,
        )
        self.registry.register(_AccountCollector(self))

    def follow(self, hub: EventHub, buffer: int = 100_000) -> None:
        """Subscribe to the desk's events and count them as they come."""
        if self._subscription is not None:
            return
        self._subscription = hub.subscribe(buffer)
        self._task = asyncio.create_task(self._consume(self._subscription), name="telemetry")

    async def close(self) -> None:
        """Stop following the event stream."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def _consume(self, subscription: Subscription) -> None:
        """Count events as they come, so the subscription's buffer never fills between scrapes."""
        while True:
            event = await subscription.get()
            self._count(event)
            self.drain()  # and whatever else came meanwhile, at once

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """Count what is still unread; return the page and its content type, as `accept` asks."""
        self.drain()
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type

    def drain(self) -> None:
        """Count every event the subscription holds now."""
        subscription = self._subscription
        if subscription is None:
            return
        while (event := subscription.get_nowait()) is not None:
            self._count(event)
        self.events_dropped = subscription.dropped

    def _count(self, event: AccountEvent) -> None:
        """Count one event; one the counters cannot read is logged, and counting goes on."""
        try:
            self.observe(event)
        except Exception:
            log.exception("metrics: could not count event %s of %s", event.kind, event.account_id)

    def observe(self, event: AccountEvent) -> None:
        """Count one event of an account."""
        payload = event.payload
        key = (event.agent, event.account_id)
        if isinstance(payload, LifecycleChanged):
            if payload.status == str(SessionStatus.STOPPED):
                self.counts.pop(key, None)  # its series go with it: labels stay bounded
            else:
                self.counts.setdefault(key, AccountCounts())
            return
        counts = self.counts.get(key)
        if counts is None:
            counts = self.counts[key] = AccountCounts()
        if isinstance(payload, DecisionMade):
            self._decided(event.agent, counts, payload)
        elif isinstance(payload, OrderChanged):
            order = payload.order
            if not order.status.is_open:
                counts.end(order.client_order_id, order.status)
        elif isinstance(payload, FillReport):
            counts.fills += 1

    def signal_decided(self, agent: str, seconds: float) -> None:
        """Time a signal from its arrival to its decision done, when the decision filled."""
        self.signal_to_fill.labels(agent).observe(seconds)

    def venue_request(self, endpoint: str, seconds: float, outcome: str) -> None:
        """Time one request to the exchange, and count it when it failed."""
        self.venue_latency.labels(endpoint).observe(seconds)
        if outcome != "ok":
            self.venue_errors.labels(endpoint, outcome).inc()

    def webhook(self, outcome: str, reason: str = "") -> None:
        """Count a webhook signal: accepted, duplicate, or refused with its reason."""
        self.webhook_signals.labels(outcome, reason).inc()

    def _decided(self, agent: str, counts: AccountCounts, made: DecisionMade) -> None:
        record = made.record
        counts.decisions[str(record.decision.action)] += 1
        for outcome in record.orders:
            if outcome.status is OrderStatus.REJECTED:  # refused at once: never in the cache
                counts.end(outcome.client_order_id, outcome.status)
        for check in record.checks:
            if isinstance(check.verdict, Denied):
                counts.denials[str(check.verdict.code)] += 1
        if record.latency_ms:
            self.decision_latency.labels(agent).observe(record.latency_ms / 1000)
        usage = record.decision.usage
        if usage is not None and usage.calls:
            self.llm_calls.labels(usage.model).inc(usage.calls)
            self.llm_tokens.labels(usage.model, "input").inc(usage.input_tokens)
            self.llm_tokens.labels(usage.model, "output").inc(usage.output_tokens)
            self.llm_cost.labels(usage.model).inc(float(usage.cost_usd))


class _AccountCollector(Collector):
    """Each open account's counters and state, and the desk's parts, read at the scrape."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry

    def collect(self) -> Iterator[Metric]:
        telemetry = self._telemetry
        readings = telemetry.readings
        sessions = [s for s in readings.sessions() if s.status is not SessionStatus.STOPPED]
        keys = [(s.agent, s.account_id) for s in sessions]
        open_keys = set(keys)
        for key in [key for key in telemetry.counts if key not in open_keys]:
            del telemetry.counts[key]  # counted after its stop (the closing fills): gone too
        yield from _account_counters(keys, telemetry.counts)
        yield from _account_gauges(sessions, readings.marks)
        yield from _desk_gauges(telemetry, sessions)


def _account_counters(keys: list[Key], counts: Mapping[Key, AccountCounts]) -> Iterator[Metric]:
    labels = ["agent", "account"]
    decisions = CounterMetricFamily(
        f"{PREFIX}_decisions", "Decisions made, by action.", labels=[*labels, "action"]
    )
    orders = CounterMetricFamily(
        f"{PREFIX}_orders", "Orders that ended, by final status.", labels=[*labels, "status"]
    )
    fills = CounterMetricFamily(f"{PREFIX}_fills", "Fills booked.", labels=labels)
    denials = CounterMetricFamily(
        f"{PREFIX}_risk_denials",
        "Orders the risk engine denied, by code.",
        labels=[*labels, "code"],
    )
    none = AccountCounts()
    for key in keys:  # every open account, at zero before its first event
        tally = counts.get(key, none)
        for action, value in tally.decisions.items():
            decisions.add_metric([*key, action], value)
        for status, value in tally.orders.items():
            orders.add_metric([*key, status], value)
        fills.add_metric(list(key), tally.fills)
        for code, value in tally.denials.items():
            denials.add_metric([*key, code], value)
    yield from (decisions, orders, fills, denials)


def _account_gauges(
    sessions: list[AgentSession], marks: Callable[[AgentSession], Mapping[str, Decimal]]
) -> Iterator[Metric]:
    labels = ["agent", "account"]

    def gauge(name: str, text: str, extra: tuple[str, ...] = ()) -> GaugeMetricFamily:
        return GaugeMetricFamily(f"{PREFIX}_{name}", text, labels=[*labels, *extra])

    equity = gauge("equity_usdt", "Equity: wallet plus unrealized PnL, at the latest marks.")
    wallet = gauge("wallet_usdt", "Wallet balance: deposits, realized PnL, fees and funding.")
    unrealized = gauge("unrealized_pnl_usdt", "Unrealized PnL of the open positions.")
    drawdown = gauge(
        "drawdown_ratio", "Drawdown from the equity peak, as the kill switch reads it."
    )
    limit = gauge("drawdown_limit_ratio", "The drawdown at which the kill switch trips.")
    positions = gauge("open_positions", "Open positions.")
    orders = gauge("open_orders", "Orders open at the venue.")
    state = gauge("trading_state", "1, labelled with the account's trading state.", ("state",))
    status = gauge("agent_status", "1, labelled with the agent's status.", ("status",))
    llm_open = gauge("llm_circuit_open", "1 while the agent's LLM endpoint cools off.")
    for session in sessions:
        key = [session.agent, session.account_id]
        account = session.parts.account
        ledger = account.portfolio.ledger
        at = marks(session)
        equity.add_metric(key, float(ledger.equity(at)))
        wallet.add_metric(key, float(ledger.wallet_balance))
        unrealized.add_metric(key, float(ledger.unrealized_pnl(at)))
        drawdown.add_metric(key, float(account.portfolio.current_drawdown))
        limit.add_metric(key, float(account.risk.limits.max_drawdown))
        positions.add_metric(key, len(ledger.open_positions()))
        orders.add_metric(key, sum(1 for order in account.orders.orders() if order.status.is_open))
        # Only the current state's series, at 1: a thousand accounts' zeros for the states they
        # are not in were a third of the page and of its rendering time.
        state.add_metric([*key, str(account.risk.state)], 1.0)
        status.add_metric([*key, str(session.status)], 1.0)
        brain = session.parts.brain
        if isinstance(brain, LlmBrain):
            llm_open.add_metric(key, 1.0 if brain.circuit.is_open else 0.0)
    yield from (equity, wallet, unrealized, drawdown, limit, positions, orders, state, status)
    yield llm_open


def _desk_gauges(telemetry: Telemetry, sessions: list[AgentSession]) -> Iterator[Metric]:
    readings = telemetry.readings
    journal = GaugeMetricFamily(
        f"{PREFIX}_journal_state",
        "1 for the journal's state: ok, degraded (spooling on disk) or failing.",
        labels=["state"],
    )
    now = readings.journal_state().split(":", 1)[0]
    for name in ("ok", "degraded", "failing"):
        journal.add_metric([name], 1.0 if now == name else 0.0)
    yield journal
    yield GaugeMetricFamily(
        f"{PREFIX}_journal_spooled_batches",
        "Journal batches waiting on local disk for the database.",
        value=readings.journal_spooled(),
    )
    age = GaugeMetricFamily(
        f"{PREFIX}_market_data_age_seconds",
        "Wall seconds since each symbol's latest candle came in.",
        labels=["symbol"],
    )
    for symbol, seconds in sorted(readings.market_age_s().items()):
        age.add_metric([symbol], seconds)
    yield age
    ml = GaugeMetricFamily(
        f"{PREFIX}_ml_engine_up",
        "1 while the ML engine answers its polls, 0 while not; absent when off or not polled yet.",
    )
    engine = readings.ml_engine_state()
    if engine == "ok" or engine.startswith("degraded"):  # absent while off or not polled yet
        ml.add_metric([], 1.0 if engine == "ok" else 0.0)
    yield ml
    yield GaugeMetricFamily(
        f"{PREFIX}_agents_running", "Agents running on an account.", value=_running(sessions)
    )
    yield CounterMetricFamily(
        f"{PREFIX}_telemetry_events_dropped",
        "Events this consumer fell behind on and dropped: its counters are short by as many.",
        value=telemetry.events_dropped,
    )


def _running(sessions: list[AgentSession]) -> int:
    return sum(1 for s in sessions if s.status is SessionStatus.RUNNING)
