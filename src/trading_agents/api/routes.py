"""The platform's routes: each parses, calls one use case, and returns a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from trading_agents.api.deps import DeskDep, Guarded, IntakeDep
from trading_agents.api.schemas import (
    AmountIn,
    DecisionOut,
    DecisionRecordOut,
    EquityPointOut,
    HealthOut,
    ListOut,
    MetricsOut,
    OrderOut,
    PositionsOut,
    SignalIn,
    SnapshotsOut,
    StartIn,
    StatusOut,
    StopIn,
    TradeOut,
    rows,
)
from trading_agents.api.signals import decision_out
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Conflict, Invalid
from trading_agents.service.queries import (
    decisions_of,
    equity_curve_of,
    metrics_of,
    orders_of,
    positions_of,
    status_of,
    trades_of,
)
from trading_agents.service.sessions import AgentSession

router = APIRouter()
AGENT = "/agents/{agent}"
ACCOUNT_AGENT = "/accounts/{account_id}/agents/{agent}"


def _account(desk: TradingDesk, account_id: str | None) -> str:
    return account_id or desk.default_account


def _status(desk: TradingDesk, session: AgentSession) -> StatusOut:
    return StatusOut.of(status_of(session, desk.marks_for(session), desk.source.description))


@router.get("/health", response_model=HealthOut)
async def health(request: Request, desk: DeskDep) -> HealthOut:
    """Say whether the service is well and how many agents run."""
    journal = desk.keeper.state
    poller = request.app.state.poller
    ml_engine = "off (ML_ENGINE_URL unset)" if poller is None else poller.state
    healthy = (
        desk.market_state in ("starting", "streaming")
        and journal == "ok"
        and not ml_engine.startswith("degraded")
        and not desk.venue_state().startswith("degraded")
    )
    return HealthOut(
        status="ok" if healthy else "degraded",
        agents_running=desk.running(),
        mode=desk.mode,
        venue=desk.venue_state(),
        market_data=desk.source.description,
        market_data_state=desk.market_state,
        journal=journal,
        ml_engine=ml_engine,
    )


@router.post(f"{AGENT}/start", response_model=StatusOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/start", response_model=StatusOut, dependencies=Guarded)
async def start_agent(
    agent: str, body: StartIn, desk: DeskDep, account_id: str | None = None
) -> StatusOut:
    """Start an agent on an account with its starting equity."""
    if body.agent_name is not None and body.agent_name != agent:
        raise Invalid(f"agent_name {body.agent_name!r} does not match the path's {agent!r}")
    if account_id is not None and body.account_id is not None and body.account_id != account_id:
        raise Invalid(f"account_id {body.account_id!r} does not match the path's {account_id!r}")
    account = _account(desk, account_id or body.account_id)
    return _status(desk, await desk.start(agent, account, body.initial_equity, body.brain))


@router.get(f"{AGENT}/status", response_model=StatusOut)
@router.get(f"{ACCOUNT_AGENT}/status", response_model=StatusOut)
async def agent_status(agent: str, desk: DeskDep, account_id: str | None = None) -> StatusOut:
    """Return the agent's status on the account."""
    return _status(desk, desk.session(agent, _account(desk, account_id)))


@router.get(f"{AGENT}/metrics", response_model=MetricsOut)
@router.get(f"{ACCOUNT_AGENT}/metrics", response_model=MetricsOut)
async def agent_metrics(agent: str, desk: DeskDep, account_id: str | None = None) -> MetricsOut:
    """Return the agent's metrics on the account."""
    session = desk.session(agent, _account(desk, account_id))
    return MetricsOut.of(metrics_of(session, desk.marks_for(session)))


@router.post(f"{AGENT}/pause", response_model=StatusOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/pause", response_model=StatusOut, dependencies=Guarded)
async def pause_agent(agent: str, desk: DeskDep, account_id: str | None = None) -> StatusOut:
    """Stop new decisions; protective stops stay in force."""
    return _status(desk, await desk.pause(agent, _account(desk, account_id)))


@router.post(f"{AGENT}/resume", response_model=StatusOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/resume", response_model=StatusOut, dependencies=Guarded)
async def resume_agent(agent: str, desk: DeskDep, account_id: str | None = None) -> StatusOut:
    """Let a paused agent decide again."""
    return _status(desk, await desk.resume(agent, _account(desk, account_id)))


@router.post(f"{AGENT}/stop", response_model=StatusOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/stop", response_model=StatusOut, dependencies=Guarded)
async def stop_agent(
    agent: str, desk: DeskDep, body: StopIn | None = None, account_id: str | None = None
) -> StatusOut:
    """Stop the agent: cancel its orders and close its positions (or keep them)."""
    keep = body.keep_positions if body is not None else False
    return _status(desk, await desk.stop(agent, _account(desk, account_id), keep))


@router.post(f"{AGENT}/deposit", response_model=StatusOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/deposit", response_model=StatusOut, dependencies=Guarded)
async def deposit(
    agent: str, body: AmountIn, desk: DeskDep, account_id: str | None = None
) -> StatusOut:
    """Credit money to the agent's account; it is not a gain."""
    return _status(desk, await desk.deposit(agent, _account(desk, account_id), body.amount))


@router.post(f"{AGENT}/withdraw", response_model=StatusOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/withdraw", response_model=StatusOut, dependencies=Guarded)
async def withdraw(
    agent: str, body: AmountIn, desk: DeskDep, account_id: str | None = None
) -> StatusOut:
    """Debit money from the agent's account; only what no position or order holds."""
    return _status(desk, await desk.withdraw(agent, _account(desk, account_id), body.amount))


Limit = Annotated[int, Query(ge=1, le=1_000)]


@router.get(f"{AGENT}/orders", response_model=ListOut[OrderOut])
@router.get(f"{ACCOUNT_AGENT}/orders", response_model=ListOut[OrderOut])
async def agent_orders(
    agent: str, desk: DeskDep, account_id: str | None = None, limit: Limit = 100
) -> ListOut[OrderOut]:
    """Return the agent's latest orders."""
    session = desk.session(agent, _account(desk, account_id))
    return ListOut.of(session.agent, session.account_id, rows(orders_of(session, limit), OrderOut))


@router.get(f"{AGENT}/trades", response_model=ListOut[TradeOut])
@router.get(f"{ACCOUNT_AGENT}/trades", response_model=ListOut[TradeOut])
async def agent_trades(
    agent: str, desk: DeskDep, account_id: str | None = None, limit: Limit = 100
) -> ListOut[TradeOut]:
    """Return the agent's latest round trips."""
    session = desk.session(agent, _account(desk, account_id))
    return ListOut.of(session.agent, session.account_id, rows(trades_of(session, limit), TradeOut))


@router.get(f"{AGENT}/equity", response_model=ListOut[EquityPointOut])
@router.get(f"{ACCOUNT_AGENT}/equity", response_model=ListOut[EquityPointOut])
async def agent_equity(
    agent: str, desk: DeskDep, account_id: str | None = None, limit: Limit = 1_000
) -> ListOut[EquityPointOut]:
    """Return the agent's latest equity marks."""
    session = desk.session(agent, _account(desk, account_id))
    points = [EquityPointOut(at=at, equity=value) for at, value in equity_curve_of(session, limit)]
    return ListOut.of(session.agent, session.account_id, points)


@router.get(f"{AGENT}/decisions", response_model=ListOut[DecisionRecordOut])
@router.get(f"{ACCOUNT_AGENT}/decisions", response_model=ListOut[DecisionRecordOut])
async def agent_decisions(
    agent: str, desk: DeskDep, account_id: str | None = None, limit: Limit = 50
) -> ListOut[DecisionRecordOut]:
    """Return the agent's latest decisions with their reasoning and risk verdicts."""
    session = desk.session(agent, _account(desk, account_id))
    records = rows(decisions_of(session, limit), DecisionRecordOut)
    return ListOut.of(session.agent, session.account_id, records)


@router.get(f"{AGENT}/positions", response_model=PositionsOut)
@router.get(f"{ACCOUNT_AGENT}/positions", response_model=PositionsOut)
async def agent_positions(agent: str, desk: DeskDep, account_id: str | None = None) -> PositionsOut:
    """Return the agent's open positions on the account."""
    session = desk.session(agent, _account(desk, account_id))
    return PositionsOut.of(
        agent, session.account_id, positions_of(session, desk.marks_for(session))
    )


@router.post(f"{AGENT}/signal", response_model=DecisionOut, dependencies=Guarded)
@router.post(f"{ACCOUNT_AGENT}/signal", response_model=DecisionOut, dependencies=Guarded)
async def signal_agent(
    agent: str, body: SignalIn, desk: DeskDep, intake: IntakeDep, account_id: str | None = None
) -> DecisionOut:
    """Let the agent decide at once on a signal; answer with its decision."""
    account = _account(desk, account_id)
    payload = body.model_dump(mode="json", exclude_none=True)
    state = await intake.receive(agent, account, payload, "api")
    if state is None:
        raise Conflict(f"signal {body.signal_id!r} was taken already: it decides once")
    return decision_out(state)


@router.post("/accounts/{account_id}/snapshots", response_model=SnapshotsOut, dependencies=Guarded)
async def snapshot_account(account_id: str, desk: DeskDep) -> SnapshotsOut:
    """Upsert the account's daily snapshots now: missed days, and today so far."""
    return SnapshotsOut.of(account_id, await desk.snapshot_account(account_id))
