"""Each node of the decision graph alone: analyze, check risk, execute, reject, log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.agents import RecordingGateway, long_position, state
from tests.support.instruments import registry
from tests.support.risk import account, atlas_limits
from trading_agents.agents import nodes
from trading_agents.agents.ports import DecisionList
from trading_agents.agents.state import DecisionState
from trading_agents.core.clock import SimulatedClock
from trading_agents.model.decisions import Action, Decision
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.risk import RiskEngine
from trading_agents.risk.state import TradingState
from trading_agents.risk.verdicts import Approved, DenialCode, Denied


class _Brain:
    def __init__(self, answer: Decision | Exception) -> None:
        self.answer = answer

    @property
    def name(self) -> str:
        return "scripted"

    def triggered(self, snapshot: Any) -> bool:
        return True

    async def decide(self, state: DecisionState) -> Decision:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def risk() -> RiskEngine:
    return RiskEngine(atlas_limits(), registry(), SimulatedClock("2025-06-05T12:00:00Z"))


def _open_long(**changes: Any) -> Decision:
    values: dict[str, Any] = {
        "side": Side.BUY,
        "stop_loss": Decimal("98000"),
        "take_profit": Decimal("104000"),
        "leverage": 2,
        "confidence": Decimal("0.8"),
    }
    values.update(changes)
    return Decision(Action.OPEN, "BTCUSDT", "test entry", **values)


async def test_analyze_market_returns_the_brains_decision() -> None:
    update = await nodes.analyze_market(state(), _Brain(_open_long()))

    assert update["decision"] == _open_long()


class _Reading(_Brain):
    """A brain that keeps the state it was asked about."""

    seen: DecisionState | None = None

    async def decide(self, state: DecisionState) -> Decision:
        self.seen = state
        return await super().decide(state)


async def test_the_brain_sees_whether_the_risk_engine_lets_the_agent_open(
    risk: RiskEngine,
) -> None:
    brain = _Reading(Decision.hold("BTCUSDT", "x"))
    await nodes.analyze_market(state(), brain, risk)
    assert brain.seen is not None
    assert brain.seen["trading_state"] is TradingState.ACTIVE

    risk.record_realized(Decimal("-300"), equity=Decimal("9700"))  # 3 % of a day: over 2 %
    await nodes.analyze_market(state(), brain, risk)

    assert brain.seen["trading_state"] is TradingState.REDUCING


async def test_a_failing_brain_gives_hold_with_the_reason() -> None:
    update = await nodes.analyze_market(state(), _Brain(TimeoutError("slow")))

    assert update["decision"].action is Action.HOLD
    assert "TimeoutError" in update["decision"].reasoning


async def test_a_brain_answering_for_another_symbol_is_held() -> None:
    other = Decision(Action.OPEN, "ETHUSDT", "x", side=Side.BUY)

    update = await nodes.analyze_market(state(), _Brain(other))

    assert update["decision"].action is Action.HOLD


def test_check_risk_sizes_an_entry_and_attaches_its_exits(risk: RiskEngine) -> None:
    update = nodes.check_risk({**state(), "decision": _open_long()}, risk)

    (check,) = update["checks"]
    assert check.role == "entry"
    assert isinstance(check.verdict, Approved)
    assert [o.order_type for o in check.verdict.protective] == [
        OrderType.STOP_MARKET,
        OrderType.TAKE_PROFIT_MARKET,
    ]


def test_check_risk_denies_with_a_code(risk: RiskEngine) -> None:
    update = nodes.check_risk({**state(), "decision": _open_long(leverage=8)}, risk)

    (check,) = update["checks"]
    assert check.verdict == Denied(DenialCode.LEVERAGE_ABOVE_LIMIT, check.verdict.reason)  # type: ignore[union-attr]


def test_a_reversal_closes_first_then_checks_the_entry_as_if_flat(risk: RiskEngine) -> None:
    short = _open_long(side=Side.SELL, stop_loss=Decimal("102000"), take_profit=Decimal("96000"))
    held = state(positions={"BTCUSDT": long_position()})

    update = nodes.check_risk({**held, "decision": short}, risk)

    close, entry = update["checks"]
    assert (close.role, entry.role) == ("close", "entry")
    assert isinstance(close.verdict, Approved)
    assert close.verdict.order.reduce_only
    assert close.verdict.order.quantity == Decimal("0.01")
    assert isinstance(entry.verdict, Approved)
    assert entry.verdict.order.side is Side.SELL


def test_closing_without_a_position_is_denied(risk: RiskEngine) -> None:
    update = nodes.check_risk({**state(), "decision": Decision(Action.CLOSE, "BTCUSDT", "x")}, risk)

    (check,) = update["checks"]
    assert isinstance(check.verdict, Denied)
    assert check.verdict.code is DenialCode.NOTHING_TO_REDUCE


def test_hold_needs_no_risk_check(risk: RiskEngine) -> None:
    update = nodes.check_risk({**state(), "decision": Decision.hold("BTCUSDT", "x")}, risk)

    assert update["checks"] == ()
    assert nodes.route_after_risk({**state(), **update}) == "log_decision"


def test_the_route_follows_the_verdicts(risk: RiskEngine) -> None:
    approved = nodes.check_risk({**state(), "decision": _open_long()}, risk)
    denied = nodes.check_risk({**state(), "decision": _open_long(leverage=9)}, risk)

    assert nodes.route_after_risk({**state(), **approved}) == "execute_trade"
    assert nodes.route_after_risk({**state(), **denied}) == "reject"


async def test_execute_sets_leverage_and_sends_the_entry_with_its_exits(risk: RiskEngine) -> None:
    gateway = RecordingGateway()
    checked = {**state(), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]

    update = await nodes.execute_trade(checked, gateway, risk)

    (outcome,) = update["orders"]
    assert outcome.status is OrderStatus.ACCEPTED
    assert outcome.error is None
    assert gateway.leverage == [("BTCUSDT", 2)]
    ((sent, attached),) = gateway.submitted
    assert sent.client_order_id == outcome.client_order_id
    assert [child.reduce_only for child in attached] == [True, True]


async def test_a_venue_refusal_is_recorded_and_counts_toward_the_breaker(
    risk: RiskEngine,
) -> None:
    gateway = RecordingGateway(refuse=("ta-",))
    checked = {**state(), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]

    update = await nodes.execute_trade(checked, gateway, risk)

    (outcome,) = update["orders"]
    assert outcome.status is OrderStatus.REJECTED
    assert "-2019" in (outcome.error or "")


async def test_execute_checks_again_and_sends_what_the_account_still_allows(
    risk: RiskEngine,
) -> None:
    gateway = RecordingGateway(books=account())  # the same account check_risk saw
    checked = {**state(), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]

    update = await nodes.execute_trade(checked, gateway, risk)

    assert [outcome.status for outcome in update["orders"]] == [OrderStatus.ACCEPTED]
    assert len(gateway.submitted) == 1


async def test_execute_denies_with_the_new_code_when_the_account_changed_since_the_check(
    risk: RiskEngine,
) -> None:
    checked = {**state(), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]
    # Between check_risk and execute, a short BTC position appeared on the account.
    gateway = RecordingGateway(books=account(positions={"BTCUSDT": "-0.01"}))

    update = await nodes.execute_trade(checked, gateway, risk)

    assert gateway.submitted == []
    assert update["orders"] == ()
    (check,) = update["checks"]
    assert isinstance(check.verdict, Denied)
    assert check.verdict.code is DenialCode.POSITION_CONFLICT


async def test_execute_denies_an_order_the_changed_account_would_size_differently(
    risk: RiskEngine,
) -> None:
    checked = {**state(), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]
    gateway = RecordingGateway(books=account("9900"))  # a loss meanwhile: a smaller size

    update = await nodes.execute_trade(checked, gateway, risk)

    assert gateway.submitted == []
    (check,) = update["checks"]
    assert isinstance(check.verdict, Denied)
    assert check.verdict.code is DenialCode.ACCOUNT_CHANGED


async def test_the_second_check_leaves_out_the_margin_earlier_entries_of_the_step_hold(
    risk: RiskEngine,
) -> None:
    # An entry sent for another symbol at this close holds 9,000 of margin until it fills:
    # the runner gave this decision the account less that, and the books do not show it yet.
    checked = {**state(), "account": account(available="1000"), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]
    checked["reserved_margin"] = Decimal(9000)
    gateway = RecordingGateway(books=account())

    update = await nodes.execute_trade(checked, gateway, risk)

    assert [outcome.status for outcome in update["orders"]] == [OrderStatus.ACCEPTED]
    ((sent, _),) = gateway.submitted
    assert sent == checked["checks"][0].verdict.order  # type: ignore[union-attr]


async def test_the_second_check_does_not_count_toward_the_order_rate_throttle() -> None:
    clock = SimulatedClock("2025-06-05T12:00:00Z")
    risk = RiskEngine(atlas_limits(max_orders_per_minute=1), registry(), clock)
    gateway = RecordingGateway(books=account())
    checked = {**state(), "decision": _open_long()}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]

    update = await nodes.execute_trade(checked, gateway, risk)

    assert [outcome.status for outcome in update["orders"]] == [OrderStatus.ACCEPTED]


async def test_order_ids_are_deterministic_per_decision() -> None:
    clock = SimulatedClock("2025-06-05T12:00:00Z")
    first = nodes.check_risk(
        {**state(sequence=7), "decision": _open_long()},
        RiskEngine(atlas_limits(), registry(), clock),
    )
    again = nodes.check_risk(
        {**state(sequence=7), "decision": _open_long()},
        RiskEngine(atlas_limits(), registry(), clock),
    )
    other = nodes.check_risk(
        {**state(sequence=8), "decision": _open_long()},
        RiskEngine(atlas_limits(), registry(), clock),
    )

    assert first["checks"][0].request.client_order_id == again["checks"][0].request.client_order_id
    assert first["checks"][0].request.client_order_id != other["checks"][0].request.client_order_id
    assert len(first["checks"][0].request.client_order_id) <= 36


def test_reject_sends_nothing() -> None:
    assert nodes.reject(state()) == {"orders": ()}


def test_log_decision_writes_one_record_with_the_verdicts(risk: RiskEngine) -> None:
    sink = DecisionList()
    checked = {**state(), "decision": _open_long(leverage=9)}
    checked.update(nodes.check_risk(checked, risk))  # type: ignore[typeddict-item]

    update = nodes.log_decision(checked, sink, "rules")

    (record,) = sink.records
    assert update["record"] is record
    assert (record.agent, record.brain, record.symbol) == ("atlas", "rules", "BTCUSDT")
    assert isinstance(record.checks[0].verdict, Denied)
