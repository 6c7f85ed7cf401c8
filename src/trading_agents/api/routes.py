"""The platform's routes: each parses, calls one use case, and returns a schema.

Every agent call exists twice: under `/accounts/{account_id}/agents/{agent}` for any
investment account, and under `/agents/{agent}` for the default account (the platform's
original calls).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from trading_agents.api.deps import DeskDep, Guarded, GuardedOnce, IntakeDep
from trading_agents.api.errors import responses
from trading_agents.api.exact import ExactJSONResponse, ExactRoute
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
    ResetIn,
    SignalIn,
    SnapshotsOut,
    StartIn,
    StatusOut,
    StopIn,
    TradeOut,
    rows,
)
from trading_agents.api.signals import decision_out
from trading_agents.core.clock import iso_utc
from trading_agents.core.ids import ACCOUNT_ID_PATTERN, AGENT_NAME_PATTERN
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Conflict, Invalid
from trading_agents.service.queries import (
    decisions_of,
    orders_of,
)

# A read answers 404 for an unknown agent or session; a change may also be refused.
READ = responses(404, 422)
CHANGE = responses(401, 403, 404, 409, 413, 422, 503)
router = APIRouter(route_class=ExactRoute, responses=responses(400))
AGENT = "/agents/{agent}"
ACCOUNT_AGENT = "/accounts/{account_id}/agents/{agent}"
Agent = Annotated[
    str,
    Path(pattern=AGENT_NAME_PATTERN, description="atlas, orion, nova or yours", examples=["atlas"]),
]
Account = Annotated[
    str,
    Path(
        pattern=ACCOUNT_ID_PATTERN,
        max_length=64,
        description="the investment account",
        examples=["acc-1"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=1_000)]
Symbol = Annotated[
    str,
    Path(pattern=r"^[A-Z0-9]{1,20}$", description="a symbol the agent holds", examples=["BTCUSDT"]),
]


def _status(desk: TradingDesk, agent: str, account_id: str) -> StatusOut:
    return StatusOut.of(desk.status_view(agent, account_id))


@router.get("/health", response_model=HealthOut)
async def health(request: Request, desk: DeskDep) -> HealthOut:
    """Say whether the service is well and how many agents run (always 200: it answers)."""
    return health_of(request, desk)


@router.get(
    "/ready",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Not ready: the fields say what is down."}},
)
async def ready(request: Request, desk: DeskDep) -> HealthOut | ExactJSONResponse:
    """Answer 200 while the journal, market data and the venues work, else 503 saying which."""
    found = health_of(request, desk)
    if found.status == "ok":
        return found
    return ExactJSONResponse(found, status_code=503)


def health_of(request: Request, desk: TradingDesk) -> HealthOut:
    """Return the service's health: each part's state, and ok only when every one works."""
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
        market_data_through=(
            None if desk.stepped_through_ms is None else iso_utc(desk.stepped_through_ms)
        ),
        market_data_dropped=dict(desk.source.feed.dropped),
        journal=journal,
        ml_engine=ml_engine,
    )


@router.post(
    f"{ACCOUNT_AGENT}/start", response_model=StatusOut, dependencies=GuardedOnce, responses=CHANGE
)
async def start_on_account(
    agent: Agent, account_id: Account, body: StartIn, desk: DeskDep
) -> StatusOut:
    """Start an agent on an investment account with its starting equity."""
    if body.account_id is not None and body.account_id != account_id:
        raise Invalid(f"account_id {body.account_id!r} does not match the path's {account_id!r}")
    return await _start(agent, account_id, body, desk)


@router.post(f"{AGENT}/start", response_model=StatusOut, dependencies=GuardedOnce, responses=CHANGE)
async def start_agent(agent: Agent, body: StartIn, desk: DeskDep) -> StatusOut:
    """Start an agent with its starting equity (on `account_id`, or the default account)."""
    return await _start(agent, body.account_id or desk.default_account, body, desk)


async def _start(agent: str, account: str, body: StartIn, desk: TradingDesk) -> StatusOut:
    if body.agent_name is not None and body.agent_name != agent:
        raise Invalid(f"agent_name {body.agent_name!r} does not match the path's {agent!r}")
    await desk.start(agent, account, body.initial_equity, body.brain)
    return _status(desk, agent, account)


@router.get(f"{ACCOUNT_AGENT}/status", response_model=StatusOut, responses=READ)
async def status_on_account(agent: Agent, account_id: Account, desk: DeskDep) -> StatusOut:
    """Return the agent's status on the account."""
    return _status(desk, agent, account_id)


@router.get(f"{AGENT}/status", response_model=StatusOut, responses=READ)
async def agent_status(agent: Agent, desk: DeskDep) -> StatusOut:
    """Return the agent's status on the default account."""
    return await status_on_account(agent, desk.default_account, desk)


@router.get(f"{ACCOUNT_AGENT}/metrics", response_model=MetricsOut, responses=READ)
async def metrics_on_account(agent: Agent, account_id: Account, desk: DeskDep) -> MetricsOut:
    """Return the agent's metrics on the account."""
    return MetricsOut.of(desk.metrics_view(agent, account_id))


@router.get(f"{AGENT}/metrics", response_model=MetricsOut, responses=READ)
async def agent_metrics(agent: Agent, desk: DeskDep) -> MetricsOut:
    """Return the agent's metrics on the default account."""
    return await metrics_on_account(agent, desk.default_account, desk)


@router.post(
    f"{ACCOUNT_AGENT}/pause", response_model=StatusOut, dependencies=Guarded, responses=CHANGE
)
async def pause_on_account(agent: Agent, account_id: Account, desk: DeskDep) -> StatusOut:
    """Stop new decisions; protective stops stay in force."""
    await desk.pause(agent, account_id)
    return _status(desk, agent, account_id)


@router.post(f"{AGENT}/pause", response_model=StatusOut, dependencies=Guarded, responses=CHANGE)
async def pause_agent(agent: Agent, desk: DeskDep) -> StatusOut:
    """Stop new decisions on the default account; protective stops stay in force."""
    return await pause_on_account(agent, desk.default_account, desk)


@router.post(
    f"{ACCOUNT_AGENT}/resume", response_model=StatusOut, dependencies=Guarded, responses=CHANGE
)
async def resume_on_account(agent: Agent, account_id: Account, desk: DeskDep) -> StatusOut:
    """Let a paused agent decide again."""
    await desk.resume(agent, account_id)
    return _status(desk, agent, account_id)


@router.post(f"{AGENT}/resume", response_model=StatusOut, dependencies=Guarded, responses=CHANGE)
async def resume_agent(agent: Agent, desk: DeskDep) -> StatusOut:
    """Let a paused agent on the default account decide again."""
    return await resume_on_account(agent, desk.default_account, desk)


@router.post(
    f"{ACCOUNT_AGENT}/stop", response_model=StatusOut, dependencies=Guarded, responses=CHANGE
)
async def stop_on_account(
    agent: Agent, account_id: Account, desk: DeskDep, body: StopIn | None = None
) -> StatusOut:
    """Stop the agent: cancel its orders and close its positions (or keep them)."""
    keep = body.keep_positions if body is not None else False
    await desk.stop(agent, account_id, keep)
    return _status(desk, agent, account_id)


@router.post(f"{AGENT}/stop", response_model=StatusOut, dependencies=Guarded, responses=CHANGE)
async def stop_agent(agent: Agent, desk: DeskDep, body: StopIn | None = None) -> StatusOut:
    """Stop the agent on the default account."""
    return await stop_on_account(agent, desk.default_account, desk, body)


@router.post(
    f"{ACCOUNT_AGENT}/positions/{{symbol}}/close",
    response_model=StatusOut,
    dependencies=Guarded,
    responses=CHANGE,
)
async def close_position_on_account(
    agent: Agent, account_id: Account, symbol: Symbol, desk: DeskDep
) -> StatusOut:
    """Close one position at market through the risk engine; 409 when none is held."""
    await desk.close_position(agent, account_id, symbol)
    return _status(desk, agent, account_id)


@router.post(
    f"{AGENT}/positions/{{symbol}}/close",
    response_model=StatusOut,
    dependencies=Guarded,
    responses=CHANGE,
)
async def close_position(agent: Agent, symbol: Symbol, desk: DeskDep) -> StatusOut:
    """Close one position of the agent on the default account."""
    return await close_position_on_account(agent, desk.default_account, symbol, desk)


@router.post(
    f"{ACCOUNT_AGENT}/reset", response_model=StatusOut, dependencies=Guarded, responses=CHANGE
)
async def reset_on_account(
    agent: Agent, account_id: Account, body: ResetIn, desk: DeskDep
) -> StatusOut:
    """Reset a tripped kill switch or an open circuit breaker; 409 when it is not tripped."""
    await desk.reset(agent, account_id, body.what, body.reason)
    return _status(desk, agent, account_id)


@router.post(f"{AGENT}/reset", response_model=StatusOut, dependencies=Guarded, responses=CHANGE)
async def reset_agent(agent: Agent, body: ResetIn, desk: DeskDep) -> StatusOut:
    """Reset a tripped safety of the agent on the default account."""
    return await reset_on_account(agent, desk.default_account, body, desk)


@router.post(
    f"{ACCOUNT_AGENT}/deposit", response_model=StatusOut, dependencies=GuardedOnce, responses=CHANGE
)
async def deposit_on_account(
    agent: Agent, account_id: Account, body: AmountIn, desk: DeskDep
) -> StatusOut:
    """Credit money to the agent's account; it is not a gain."""
    await desk.deposit(agent, account_id, body.amount)
    return _status(desk, agent, account_id)


@router.post(
    f"{AGENT}/deposit", response_model=StatusOut, dependencies=GuardedOnce, responses=CHANGE
)
async def deposit(agent: Agent, body: AmountIn, desk: DeskDep) -> StatusOut:
    """Credit money to the agent on the default account."""
    return await deposit_on_account(agent, desk.default_account, body, desk)


@router.post(
    f"{ACCOUNT_AGENT}/withdraw",
    response_model=StatusOut,
    dependencies=GuardedOnce,
    responses=CHANGE,
)
async def withdraw_on_account(
    agent: Agent, account_id: Account, body: AmountIn, desk: DeskDep
) -> StatusOut:
    """Debit money from the agent's account; only what no position or order holds."""
    await desk.withdraw(agent, account_id, body.amount)
    return _status(desk, agent, account_id)


@router.post(
    f"{AGENT}/withdraw", response_model=StatusOut, dependencies=GuardedOnce, responses=CHANGE
)
async def withdraw(agent: Agent, body: AmountIn, desk: DeskDep) -> StatusOut:
    """Debit money from the agent on the default account."""
    return await withdraw_on_account(agent, desk.default_account, body, desk)


@router.get(f"{ACCOUNT_AGENT}/orders", response_model=ListOut[OrderOut], responses=READ)
async def orders_on_account(
    agent: Agent, account_id: Account, desk: DeskDep, limit: Limit = 100
) -> ListOut[OrderOut]:
    """Return the agent's latest orders."""
    session = desk.book_of(agent, account_id)  # a pooled account's: its book's orders
    return ListOut.of(agent, account_id, rows(orders_of(session, limit), OrderOut))


@router.get(f"{AGENT}/orders", response_model=ListOut[OrderOut], responses=READ)
async def agent_orders(agent: Agent, desk: DeskDep, limit: Limit = 100) -> ListOut[OrderOut]:
    """Return the agent's latest orders on the default account."""
    return await orders_on_account(agent, desk.default_account, desk, limit)


@router.get(f"{ACCOUNT_AGENT}/trades", response_model=ListOut[TradeOut], responses=READ)
async def trades_on_account(
    agent: Agent, account_id: Account, desk: DeskDep, limit: Limit = 100
) -> ListOut[TradeOut]:
    """Return the agent's latest round trips."""
    trades = desk.trades_view(agent, account_id, limit)
    return ListOut.of(agent, account_id, rows(trades, TradeOut))


@router.get(f"{AGENT}/trades", response_model=ListOut[TradeOut], responses=READ)
async def agent_trades(agent: Agent, desk: DeskDep, limit: Limit = 100) -> ListOut[TradeOut]:
    """Return the agent's latest round trips on the default account."""
    return await trades_on_account(agent, desk.default_account, desk, limit)


@router.get(f"{ACCOUNT_AGENT}/equity", response_model=ListOut[EquityPointOut], responses=READ)
async def equity_on_account(
    agent: Agent, account_id: Account, desk: DeskDep, limit: Limit = 1_000
) -> ListOut[EquityPointOut]:
    """Return the agent's latest equity marks."""
    points = [
        EquityPointOut(at=at, equity=value, net_deposits=deposits)
        for at, value, deposits in desk.equity_view(agent, account_id, limit)
    ]
    return ListOut.of(agent, account_id, points)


@router.get(f"{AGENT}/equity", response_model=ListOut[EquityPointOut], responses=READ)
async def agent_equity(
    agent: Agent, desk: DeskDep, limit: Limit = 1_000
) -> ListOut[EquityPointOut]:
    """Return the agent's latest equity marks on the default account."""
    return await equity_on_account(agent, desk.default_account, desk, limit)


@router.get(f"{ACCOUNT_AGENT}/decisions", response_model=ListOut[DecisionRecordOut], responses=READ)
async def decisions_on_account(
    agent: Agent, account_id: Account, desk: DeskDep, limit: Limit = 50
) -> ListOut[DecisionRecordOut]:
    """Return the agent's latest decisions with their reasoning and risk verdicts."""
    session = desk.book_of(agent, account_id)  # a pooled account's: its book's decisions
    records = rows(decisions_of(session, limit), DecisionRecordOut)
    return ListOut.of(agent, account_id, records)


@router.get(f"{AGENT}/decisions", response_model=ListOut[DecisionRecordOut], responses=READ)
async def agent_decisions(
    agent: Agent, desk: DeskDep, limit: Limit = 50
) -> ListOut[DecisionRecordOut]:
    """Return the agent's latest decisions on the default account."""
    return await decisions_on_account(agent, desk.default_account, desk, limit)


@router.get(f"{ACCOUNT_AGENT}/positions", response_model=PositionsOut, responses=READ)
async def positions_on_account(agent: Agent, account_id: Account, desk: DeskDep) -> PositionsOut:
    """Return the agent's open positions on the account."""
    return PositionsOut.of(agent, account_id, desk.positions_view(agent, account_id))


@router.get(f"{AGENT}/positions", response_model=PositionsOut, responses=READ)
async def agent_positions(agent: Agent, desk: DeskDep) -> PositionsOut:
    """Return the agent's open positions on the default account."""
    return await positions_on_account(agent, desk.default_account, desk)


@router.post(
    f"{ACCOUNT_AGENT}/signal",
    response_model=DecisionOut,
    dependencies=GuardedOnce,
    responses=CHANGE,
)
async def signal_on_account(
    agent: Agent, account_id: Account, body: SignalIn, desk: DeskDep, intake: IntakeDep
) -> DecisionOut:
    """Let the agent decide at once on a signal; answer with its decision."""
    payload = body.model_dump(mode="json", exclude_none=True)
    state = await intake.receive(agent, account_id, payload, "api")
    if state is None:
        which = (
            f"signal {body.signal_id!r}"
            if body.signal_id is not None
            else "the same signal (symbol, action, confidence, price and timestamp)"
        )
        raise Conflict(f"{which} was taken already: it decides once")
    return decision_out(state)


@router.post(
    f"{AGENT}/signal", response_model=DecisionOut, dependencies=GuardedOnce, responses=CHANGE
)
async def signal_agent(
    agent: Agent, body: SignalIn, desk: DeskDep, intake: IntakeDep
) -> DecisionOut:
    """Let the agent on the default account decide at once on a signal."""
    return await signal_on_account(agent, desk.default_account, body, desk, intake)


@router.post(
    "/accounts/{account_id}/snapshots",
    response_model=SnapshotsOut,
    dependencies=Guarded,
    responses=CHANGE,
)
async def snapshot_account(account_id: Account, desk: DeskDep) -> SnapshotsOut:
    """Upsert the account's daily snapshots now: missed days, and today so far."""
    return SnapshotsOut.of(account_id, await desk.snapshot_account(account_id))
