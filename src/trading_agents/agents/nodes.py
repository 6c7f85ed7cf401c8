"""The decision graph's nodes: plain functions of the state and the ports they are given."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, Final

from trading_agents.agents.brains.port import Brain
from trading_agents.agents.ports import DecisionSink, OrderGateway
from trading_agents.agents.state import (
    DecisionRecord,
    DecisionState,
    OrderOutcome,
    PositionView,
    RiskCheck,
    perf_counter_ns,
)
from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import RunAborted, TradingError
from trading_agents.core.ids import client_order_id
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.members import (
    BUY,
    CONDITIONAL_TYPES,
    MARKET,
    REJECTED,
    SELL,
    SIGNAL,
    STOP_MARKET,
    TAKE_PROFIT_MARKET,
)
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.risk.engine import RiskEngine
from trading_agents.risk.verdicts import Approved, DenialCode, Denied
from trading_agents.venues.errors import VenueError

Update = dict[str, Any]

ENTRY: Final = "entry"
CLOSE: Final = "close"
STOP_LOSS: Final = "stop_loss"
TAKE_PROFIT: Final = "take_profit"


async def analyze_market(
    state: DecisionState, brain: Brain, risk: RiskEngine | None = None
) -> Update:
    """Ask the brain for a decision; a brain that fails gives HOLD with the reason."""
    symbol = state["symbol"]
    forced = state.get("forced")
    if forced is not None:
        return {"decision": forced}
    if risk is not None:
        # The brain sees whether entries are open before it decides, not only the verdict after.
        state = {**state, "trading_state": risk.state}
    try:
        decision = await brain.decide(state)
    except RunAborted:
        raise  # not a brain's failure to decide: the run cannot go on as asked
    except Exception as error:
        decision = Decision.hold(symbol, f"the {brain.name} brain failed: {error!r}; holding")
    if decision.symbol != symbol:
        decision = Decision.hold(
            symbol, f"the brain answered for {decision.symbol}, not {symbol}; holding"
        )
    return {"decision": decision}


def _order_id(state: DecisionState, role: str) -> str:
    """Derive the order's id from who decides, the decision's number and the order's role."""
    return client_order_id(
        "ta", state["agent"], state["account_id"], state["sequence"], state["symbol"], role
    )


def _signal_price(state: DecisionState) -> Decimal | None:
    """Return the price of the signal the decision follows, for the risk engine to compare."""
    signal = state.get("signal")
    if state["trigger"] is not DecisionTrigger.SIGNAL or signal is None:
        return None
    return signal.price if signal.symbol == state["symbol"] else None


def _close_request(
    state: DecisionState, position: PositionView, part: Decimal | None = None
) -> OrderRequest:
    """Return the order closing the position, or `part` of it (a close with a quantity)."""
    side = SELL if position.quantity > 0 else BUY
    held = abs(position.quantity)
    return OrderRequest(
        _order_id(state, CLOSE),
        position.symbol,
        side,
        MARKET,
        quantity=held if part is None else min(part, held),
        reduce_only=True,
        leverage=position.leverage,
        reference_price=_signal_price(state),
        exit_reason=state["decision"].exit_reason or SIGNAL,
    )


def _without(account: AccountState, symbol: str) -> AccountState:
    """Return the account as it will be once the symbol's position is closed."""
    positions = {held: quantity for held, quantity in account.positions.items() if held != symbol}
    return AccountState(account.equity, account.available_balance, positions, account.marks)


def _entry_request(state: DecisionState, decision: Decision) -> OrderRequest:
    assert decision.side is not None
    return OrderRequest(
        _order_id(state, ENTRY),
        decision.symbol,
        decision.side,
        MARKET,
        quantity=decision.quantity,
        stop_loss=decision.stop_loss,
        take_profit=decision.take_profit,
        leverage=decision.leverage,
        confidence=decision.confidence,
        reference_price=_signal_price(state),
    )


def _adjust_requests(
    state: DecisionState, decision: Decision, position: PositionView
) -> list[tuple[str, OrderRequest]]:
    exit_side = SELL if position.quantity > 0 else BUY
    levels = (
        (STOP_LOSS, STOP_MARKET, decision.stop_loss),
        (TAKE_PROFIT, TAKE_PROFIT_MARKET, decision.take_profit),
    )
    return [
        (
            role,
            OrderRequest(
                _order_id(state, role),
                position.symbol,
                exit_side,
                order_type,
                quantity=abs(position.quantity),
                trigger_price=level,
                reduce_only=True,
                leverage=position.leverage,
            ),
        )
        for role, order_type, level in levels
        if level is not None
    ]


def check_risk(state: DecisionState, risk: RiskEngine) -> Update:
    """Turn the decision into order requests and put each through the risk engine."""
    update = _check_risk(state, risk)
    for check in update["checks"]:
        if isinstance(check.verdict, Approved) and not check.request.reduce_only:
            # The trading state matters to entries only: the execute step compares it.
            update["risk_state"] = risk.state
            break
    return update


def _check_risk(state: DecisionState, risk: RiskEngine) -> Update:
    decision, account = state["decision"], state["account"]
    position = state["positions"].get(decision.symbol)
    checks: list[RiskCheck] = []
    if decision.action is Action.HOLD:
        return {"checks": ()}
    if decision.action is Action.ADJUST:
        if position is None:
            request = OrderRequest(_order_id(state, STOP_LOSS), decision.symbol, SELL)
            denial = Denied(
                DenialCode.NOTHING_TO_REDUCE, f"no {decision.symbol} position to adjust"
            )
            return {"checks": (RiskCheck(STOP_LOSS, request, denial),)}
        for role, request in _adjust_requests(state, decision, position):
            checks.append(RiskCheck(role, request, risk.check(request, account)))
        return {"checks": tuple(checks)}
    opposite = position is not None and (
        decision.action is Action.CLOSE or (position.quantity > 0) != (decision.side is BUY)
    )
    if position is not None and opposite:
        part = decision.quantity if decision.action is Action.CLOSE else None
        close = _close_request(state, position, part)
        verdict = risk.check(close, account)
        checks.append(RiskCheck(CLOSE, close, verdict))
        if isinstance(verdict, Denied):
            return {"checks": tuple(checks)}
        account = _without(account, decision.symbol)
    elif decision.action is Action.CLOSE:
        request = OrderRequest(_order_id(state, CLOSE), decision.symbol, SELL, reduce_only=True)
        denial = Denied(DenialCode.NOTHING_TO_REDUCE, f"no {decision.symbol} position to close")
        return {"checks": (RiskCheck(CLOSE, request, denial),)}
    if decision.action is Action.OPEN:
        entry = _entry_request(state, decision)
        checks.append(RiskCheck(ENTRY, entry, risk.check(entry, account)))
    return {"checks": tuple(checks)}


def route_after_risk(state: DecisionState) -> str:
    """Go on to execute what was approved, to reject what was denied, or straight to the log."""
    checks = state.get("checks", ())
    if not checks:
        return "log_decision"
    if any(isinstance(check.verdict, Approved) for check in checks):
        return "execute_trade"
    return "reject"


async def execute_trade(state: DecisionState, gateway: OrderGateway, risk: RiskEngine) -> Update:
    """Send the approved orders in turn; stop at the first the venue refuses."""
    outcomes: list[OrderOutcome] = []
    symbol = state["symbol"]
    if state["decision"].action is Action.ADJUST:
        try:
            await _cancel_exits(gateway, symbol)
        except VenueError as error:
            # The old exits stand: placing new ones beside them would double the stops.
            risk.record_execution_failure()
            first = state["checks"][0]
            refused = OrderOutcome(
                "", symbol, first.role, REJECTED, f"old exits not cancelled: {error}"
            )
            return {"orders": (refused,)}
    checks = list(state["checks"])
    closing = False  # an approved close before the entry: the entry was checked as if flat
    changed = False  # a verdict given again at execution with a cap from the mark now
    for index, check in enumerate(checks):
        verdict = check.verdict
        if not isinstance(verdict, Approved):
            break
        confirmed = _confirm(check, verdict, gateway, risk, closing, state)
        if isinstance(confirmed, Denied):
            checks[index] = RiskCheck(check.role, check.request, confirmed)
            return {"orders": tuple(outcomes), "checks": tuple(checks)}
        if confirmed is not None and confirmed != verdict:
            verdict = confirmed  # what goes out is what the record shows
            checks[index] = RiskCheck(check.role, check.request, confirmed)
            changed = True
        closing = closing or check.role == CLOSE
        # Defence in depth: an approval is only ever for this decision's symbol.
        if verdict.order.symbol != symbol:
            outcomes.append(
                OrderOutcome(
                    verdict.order.client_order_id,
                    verdict.order.symbol,
                    check.role,
                    REJECTED,
                    f"approved order is for {verdict.order.symbol}, the decision for {symbol}",
                )
            )
            break
        outcome = await _send(gateway, check.role, verdict, state)
        outcomes.append(outcome)
        if outcome.error is not None:
            risk.record_execution_failure()
            break
        risk.record_execution_success()
    if changed:
        return {"orders": tuple(outcomes), "checks": tuple(checks)}
    return {"orders": tuple(outcomes)}


def _confirm(
    check: RiskCheck,
    verdict: Approved,
    gateway: OrderGateway,
    risk: RiskEngine,
    closing: bool,
    state: DecisionState,
) -> Approved | Denied | None:
    """Check an approved order again on the account as it is now (defence in depth).

    Returns the denial when the account changed since `check_risk` in a way that changes the
    verdict: the new verdict's own denial, or ACCOUNT_CHANGED for another approved order.
    The margin entries sent earlier in the step hold (`reserved_margin`) is not in the books
    until they fill: the first check left it out of the free margin, and so does this one.
    When neither the account nor the trading state moved, the engine (deterministic) would
    answer as it did, and is not asked again.
    """
    account = gateway.account_now()
    if account is None:
        return None
    reserved = state.get("reserved_margin", ZERO)
    if reserved:
        account = replace(account, available_balance=account.available_balance - reserved)
    request = check.request
    checked = state["account"]
    # The same state object when the books did not move: its generated __eq__ runs as
    # interpreted code, comparing every position and mark.
    if (account is checked or account == checked) and (
        request.reduce_only or risk.state is state.get("risk_state")
    ):
        return None
    if closing:
        account = _without(account, request.symbol)
    again = risk.confirm(request, account)
    if isinstance(again, Denied):
        return again
    if again.order.quantity != verdict.order.quantity or again.protective != verdict.protective:
        return Denied(
            DenialCode.ACCOUNT_CHANGED,
            f"the account changed between the risk check and execution: {check.role}"
            f" approved for {verdict.order.quantity}, now {again.order.quantity}; not sent",
        )
    # The same order, but a market entry's IOC cap follows the mark: send it from the mark now.
    return again


async def _cancel_exits(gateway: OrderGateway, symbol: str) -> None:
    for order in await gateway.open_orders(symbol):
        if order.reduce_only and order.order_type in CONDITIONAL_TYPES:
            await gateway.cancel(symbol, order.client_order_id)


async def _send(
    gateway: OrderGateway, role: str, verdict: Approved, state: DecisionState
) -> OrderOutcome:
    order = verdict.order
    try:
        if role == ENTRY:
            position = state["positions"].get(order.symbol)
            current = None if position is None else position.leverage
            if current != verdict.leverage:
                await gateway.set_leverage(order.symbol, verdict.leverage)
        ack = await gateway.submit(order, verdict.protective)
    except (VenueError, TradingError) as error:
        return OrderOutcome(order.client_order_id, order.symbol, role, REJECTED, str(error))
    return OrderOutcome(order.client_order_id, order.symbol, role, ack.status)


def reject(state: DecisionState) -> Update:
    """Leave the denied orders unsent; the verdicts already say why."""
    return {"orders": ()}


def log_decision(state: DecisionState, sink: DecisionSink, brain_name: str) -> Update:
    """Write the decision, its verdicts and the venue's answers to the sink."""
    decision = state["decision"]
    record = DecisionRecord(
        state["agent"],
        state["account_id"],
        state["sequence"],
        state["ts_ms"],
        state["trigger"],
        state["symbol"],
        brain_name,
        decision,
        state.get("checks", ()),
        state.get("orders", ()),
        decision.signal_id,
        _elapsed_ms(state.get("started_ns")),
    )
    sink.record(record)
    return {"record": record}


def _elapsed_ms(started_ns: int | None) -> float:
    if started_ns is None:
        return 0.0
    # To the microsecond: rounding to a whole number is several times cheaper than to places.
    return round((perf_counter_ns() - started_ns) / 1_000) / 1_000
