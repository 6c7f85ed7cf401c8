"""The alerts' outbox and its rules: kept on disk, tried again later, quiet on repeats."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.support.desk_probe import quiet_desk
from trading_agents.core.clock import SimulatedClock
from trading_agents.events.types import AccountEvent, Repaired
from trading_agents.model.enums import Liquidity, OrderStatus, Side
from trading_agents.model.reports import FillReport
from trading_agents.service.alerts.alerting import Alerting
from trading_agents.service.alerts.model import Alert, Severity
from trading_agents.service.alerts.outbox import GIVE_UP_MS, KEEP_MS, MAX_BACKOFF_S, Outbox
from trading_agents.service.alerts.rules import from_event
from trading_agents.service.alerts.sinks import SinkFailed
from trading_agents.service.probe import DeskProbe

T0 = 1_764_892_800_000


def _alert(alert_id: str = "a-1", at: int = T0) -> Alert:
    return Alert(alert_id, "kill_switch", Severity.CRITICAL, "Kill switch", "why", "x@y", at)


def test_an_alert_waits_on_disk_for_every_sink_until_each_took_it(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.add(_alert(), ["webhook", "slack"])
    outbox.sent("a-1", "webhook", T0 + 5)
    outbox.close()

    reopened = Outbox(tmp_path / "alerts.sqlite3")
    due = reopened.due(T0 + 10, ["webhook", "slack"])

    assert [(d.alert.alert_id, d.sink) for d in due] == [("a-1", "slack")]
    assert due[0].alert == _alert()


def test_a_failed_delivery_waits_twice_as_long_each_time_up_to_five_minutes(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.add(_alert(), ["webhook"])

    waits = [outbox.failed(_alert(), "webhook", "503", T0) for _ in range(12)]

    assert waits[:4] == [1.0, 2.0, 4.0, 8.0]
    assert waits[-1] == MAX_BACKOFF_S
    assert outbox.due(T0 + 299_000, ["webhook"]) == []
    assert outbox.due(T0 + 300_000, ["slack"]) == []  # another sink's deliveries: not these
    (again,) = outbox.due(T0 + 300_000, ["webhook"])
    assert (again.attempts, again.last_error) == (12, "503")


def test_a_sink_that_fails_for_a_day_is_given_up_on_and_says_why(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.add(_alert(), ["webhook", "slack"])

    almost = outbox.failed(_alert(), "webhook", "404: no such hook", T0 + GIVE_UP_MS - 1)
    given_up = outbox.failed(_alert(), "webhook", "404: no such hook", T0 + GIVE_UP_MS)

    assert almost is not None
    assert given_up is None
    assert outbox.due(T0 + 2 * GIVE_UP_MS, ["webhook"]) == []
    states = {(d.sink, d.state, d.last_error) for d in outbox.recent(10)}
    assert states == {("webhook", "abandoned", "404: no such hook"), ("slack", "pending", "")}


def test_old_alerts_are_deleted_once_every_delivery_ended(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.add(_alert("sent"), ["webhook"])
    outbox.sent("sent", "webhook", T0)
    outbox.add(_alert("waiting"), ["webhook"])  # a sink not configured any more, say
    outbox.add(_alert("recent", at=T0 + KEEP_MS), ["webhook"])
    outbox.sent("recent", "webhook", T0 + KEEP_MS)

    assert outbox.prune(T0 + KEEP_MS + 1) == 1

    assert [a.alert_id for a in outbox.alerts(10)] == ["recent", "waiting"]


class _Failing:
    name = "webhook"

    async def send(self, alert: Alert) -> None:
        raise SinkFailed("webhook answered 503")


async def test_a_repeat_within_its_quiet_time_is_not_raised_again(tmp_path: Path) -> None:
    clock = SimulatedClock(T0)
    alerting = Alerting(quiet_desk(clock), Outbox(tmp_path / "alerts.sqlite3"), [_Failing()], clock)

    first = alerting.raise_alert(("market_data_stale", "market data"), "late")
    clock.advance_to(T0 + 899_000)
    within = alerting.raise_alert(("market_data_stale", "market data"), "late")
    clock.advance_to(T0 + 900_000)
    after = alerting.raise_alert(("market_data_stale", "market data"), "late")
    taken = await alerting.deliver_due()

    assert first is not None
    assert within is None
    assert after is not None
    assert taken == 0
    assert [d.state for d in alerting.outbox.recent(10)] == ["pending", "pending"]
    await alerting.close()


def _event(payload: object) -> AccountEvent:
    return AccountEvent(7, T0, "nova", "acc-9", payload)  # type: ignore[arg-type]


def test_a_liquidation_and_a_repair_raise_alerts_and_an_ordinary_fill_does_not() -> None:
    def fill(liquidation: bool) -> FillReport:
        return FillReport(
            "autoclose-1" if liquidation else "ta-1",
            "t-1",
            "BTCUSDT",
            Side.SELL,
            Decimal("0.1"),
            Decimal("91000"),
            Decimal("12.5"),
            Liquidity.TAKER,
            T0,
            OrderStatus.FILLED,
            Decimal("-900"),
            is_liquidation=liquidation,
        )

    liquidated = from_event(_event(fill(True)))
    repaired = from_event(_event(Repaired("the venue held 0.1 BTCUSDT the books did not")))

    assert liquidated is not None
    assert liquidated[0] == ("liquidation", "nova@acc-9 BTCUSDT")
    assert repaired == (
        ("reconciliation_repair", "nova@acc-9"),
        "the venue held 0.1 BTCUSDT the books did not",
    )
    assert from_event(_event(fill(False))) is None


class _Desk:
    """The desk's parts as the rules read them, set by the test."""

    def __init__(self) -> None:
        self.journal = "ok"
        self.market = "streaming"
        self.engine = "ok"
        self.venues: dict[tuple[str, str], str] = {}

    def facts(self, clock: SimulatedClock) -> DeskProbe:
        return quiet_desk(
            clock,
            journal_state=lambda: self.journal,
            market_state=lambda: self.market,
            ml_engine_state=lambda: self.engine,
            venue_alerts=lambda: self.venues,
        )


async def test_each_desk_condition_alerts_once_when_it_begins_and_the_journal_when_it_ends(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(T0)
    desk = _Desk()
    alerting = Alerting(desk.facts(clock), Outbox(tmp_path / "a.sqlite3"), [], clock)
    desk.market = "late: no candle for 200 s, one is due every 60 s"  # before the first check
    at_start = alerting.check()

    desk.journal = "degraded: connection refused; batches spool on disk"
    desk.engine = "degraded: ConnectError"
    desk.venues[("nova", "acc-1")] = "Binance banned this IP (HTTP 418)"
    began = alerting.check()
    desk.venues[("orion", "acc-2")] = "Binance banned this IP (HTTP 418)"
    again = alerting.check()
    desk.journal = "ok"
    ended = alerting.check()

    assert [a.rule for a in at_start] == ["market_data_stale"]  # began while it was down
    assert sorted((a.rule, a.subject) for a in began) == [
        ("journal_outage", "journal"),
        ("ml_engine_unreachable", "ML engine"),
        ("venue_degraded", "nova@acc-1"),
    ]
    assert [(a.rule, a.subject) for a in again] == [("venue_degraded", "orion@acc-2")]
    assert [(a.rule, a.severity) for a in ended] == [("journal_recovered", Severity.INFO)]
    await alerting.close()


async def test_a_restart_in_the_middle_of_an_episode_does_not_repeat_its_alert(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(T0)
    desk = _Desk()
    desk.engine = "degraded: ConnectError"
    before = Alerting(desk.facts(clock), Outbox(tmp_path / "a.sqlite3"), [], clock)
    raised = before.check()
    await before.close()

    clock.advance_to(T0 + 60_000)
    after = Alerting(desk.facts(clock), Outbox(tmp_path / "a.sqlite3"), [], clock)

    assert [a.rule for a in raised] == ["ml_engine_unreachable"]
    assert after.check() == []
    await after.close()
