"""How a decision on a signal is answered, for the signal route and the webhook alike."""

from __future__ import annotations

from trading_agents.agents.state import DecisionState
from trading_agents.api.schemas import CheckOut, DecisionOut
from trading_agents.risk.verdicts import Denied


def decision_out(state: DecisionState) -> DecisionOut:
    """Describe a decision for an answer: action, reasoning, verdicts and orders."""
    decision = state["decision"]
    checks = [
        CheckOut(role=check.role, verdict="denied", code=str(check.verdict.code),
                 reason=check.verdict.reason)
        if isinstance(check.verdict, Denied)
        else CheckOut(role=check.role, verdict="approved")
        for check in state.get("checks", ())
    ]  # fmt: skip
    orders = [
        {"client_order_id": o.client_order_id, "role": o.role, "status": str(o.status),
         "error": o.error}
        for o in state.get("orders", ())
    ]  # fmt: skip
    return DecisionOut(
        agent=state["agent"],
        account_id=state["account_id"],
        action=str(decision.action),
        symbol=decision.symbol,
        reasoning=decision.reasoning,
        confidence=decision.confidence,
        checks=checks,
        orders=orders,
    )
