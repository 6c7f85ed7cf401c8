"""The dashboard: the page at `/`, its shipped assets, the desk overview and the live stream."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.requests import Request

from trading_agents.api.deps import DeskDep
from trading_agents.api.errors import responses
from trading_agents.api.exact import ExactRoute
from trading_agents.api.live import event_source
from trading_agents.api.routes import Account, Agent, health_of
from trading_agents.api.schemas import Amount, HealthOut, ToolCallOut, rows
from trading_agents.api.session import Access
from trading_agents.core.clock import LiveClock
from trading_agents.core.decimals import plain
from trading_agents.core.shipped import shipped
from trading_agents.service.alerts.alerting import Alerting
from trading_agents.service.charts import candles_of
from trading_agents.service.exchanges import exchange_of
from trading_agents.service.overview import desk_totals, llm_state

ASSETS = "/assets/dashboard"
DAY_MS = 86_400_000
_WALL = LiveClock()  # alerts are stamped in real time
router = APIRouter(route_class=ExactRoute, responses=responses(400))


class DeskRowOut(BaseModel):
    """One agent on one account, as the desk's table shows it."""

    agent: str
    account_id: str
    status: str
    mode: str
    brain: str
    trading_state: str
    symbols: list[str]
    initial_equity: Amount
    equity: Amount
    pnl_today: Amount
    pnl_total: Amount
    current_drawdown: Amount
    drawdown_limit: Amount
    open_positions: int
    open_orders: int
    llm_cost_usd: Amount | None
    warnings: list[str]


class DeskTotalsOut(BaseModel):
    """The desk's sums over every agent."""

    agents: int
    running: int
    equity: Amount
    pnl_today: Amount
    pnl_total: Amount
    open_positions: int
    warnings: int


class PrecisionOut(BaseModel):
    """How finely an instrument's prices and quantities go, as the page shows them."""

    tick_size: str
    step_size: str


class AlertCountsOut(BaseModel):
    """How many alerts the last day raised, how many were critical, and how many wait."""

    last_24h: int
    critical_24h: int
    undelivered: int  # alerts a sink has not taken yet (tried again with backoff)


class DeskOut(BaseModel):
    """Every agent on every account, the totals, the agents one may start, and the health."""

    health: HealthOut
    totals: DeskTotalsOut
    alerts: AlertCountsOut
    agents: list[DeskRowOut]
    profiles: list[str]
    instruments: dict[str, PrecisionOut]  # the symbols the agents trade
    llm: str  # the LLM endpoints: off, ok, or degraded with how many agents hold


@router.get("/desk", response_model=DeskOut, dependencies=Access, responses=responses(401))
async def desk_overview(request: Request, desk: DeskDep) -> DeskOut:
    """Return the desk at a glance: every agent on every account, newest started last."""
    views = desk.listed_rows()  # investment accounts: a pooled book's owners, not the book
    totals = desk_totals(views)
    alerting: Alerting = request.app.state.alerting
    raised, critical, waiting = alerting.outbox.counts(_WALL.now_ms() - DAY_MS)
    return DeskOut(
        health=health_of(request, desk),
        totals=DeskTotalsOut.model_validate(totals, from_attributes=True),
        alerts=AlertCountsOut(last_24h=raised, critical_24h=critical, undelivered=waiting),
        agents=rows(views, DeskRowOut),
        profiles=sorted(desk.profiles),
        llm=llm_state(desk.sessions.values()),
        instruments={
            symbol: PrecisionOut(
                tick_size=plain(desk.instruments.get(symbol).tick_size),
                step_size=plain(desk.instruments.get(symbol).step_size),
            )
            for symbol in desk.symbols
            if symbol in desk.instruments
        },
    )


class CandleOut(BaseModel):
    """One closed candle of the agent's timeframe."""

    at: str
    open: Amount
    high: Amount
    low: Amount
    close: Amount
    volume: Amount


@router.get(
    "/accounts/{account_id}/agents/{agent}/candles",
    response_model=list[CandleOut],
    responses=responses(404, 422),
)
async def candles(
    agent: Agent,
    account_id: Account,
    desk: DeskDep,
    symbol: Annotated[str, Query(pattern=r"^[A-Z0-9]{1,20}$", examples=["BTCUSDT"])],
    limit: Annotated[int, Query(ge=1, le=500)] = 300,
) -> list[CandleOut]:
    """Return the agent's latest closed candles of one of its symbols, oldest first."""
    return rows(candles_of(desk.book_of(agent, account_id), symbol, limit), CandleOut)


class CashFlowOut(BaseModel):
    """One deposit or withdrawal."""

    flow_id: str
    kind: str
    amount: Amount
    at: str


@router.get(
    "/accounts/{account_id}/agents/{agent}/cash-flows",
    response_model=list[CashFlowOut],
    responses=responses(404, 422, 503),
)
async def cash_flows(
    agent: Agent,
    account_id: Account,
    desk: DeskDep,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> list[CashFlowOut]:
    """Return the agent's deposits and withdrawals on the account, oldest first."""
    return rows(await desk.cash_flows(agent, account_id, limit), CashFlowOut)


class MessageOut(BaseModel):
    """One message between the brain and its model."""

    role: str = Field(description="system, user, assistant or tool")
    content: str
    tool_calls: list[ToolCallOut] = Field(description="An assistant message's function calls")
    tool: str | None = Field(description="A tool message's: the tool that answered")


class ExchangeOut(BaseModel):
    """An LLM decision's whole exchange with its model, and what it cost."""

    sequence: int
    model: str
    messages: list[MessageOut]
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Amount


@router.get(
    "/accounts/{account_id}/agents/{agent}/decisions/{sequence}/exchange",
    response_model=ExchangeOut,
    responses=responses(404, 422),
)
async def exchange(
    agent: Agent,
    account_id: Account,
    desk: DeskDep,
    sequence: Annotated[int, Path(ge=0, le=2**62)],
) -> ExchangeOut:
    """Return the messages, tool calls, tokens and cost of one LLM decision."""
    view = exchange_of(desk.book_of(agent, account_id), sequence)
    return ExchangeOut(
        sequence=view.sequence,
        model=view.model,
        messages=[
            MessageOut(
                role=m.role,
                content=m.content,
                tool_calls=[ToolCallOut(**call) for call in m.tool_calls],
                tool=m.tool,
            )
            for m in view.messages
        ],
        calls=view.calls,
        input_tokens=view.input_tokens,
        output_tokens=view.output_tokens,
        cost_usd=view.cost_usd,
    )


@router.get("/events", include_in_schema=False, dependencies=Access)
async def events(desk: DeskDep) -> StreamingResponse:
    """Stream the desk's events to the dashboard as Server-Sent Events."""
    return StreamingResponse(
        event_source(desk.events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def install(app: FastAPI) -> None:
    """Serve the dashboard's page at `/` and its assets, all shipped in the package."""
    folder = FilePath(str(shipped("api", "assets", "dashboard")))
    app.mount(ASSETS, StaticFiles(directory=folder), name="dashboard-assets")
    page = folder / "index.html"

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    app.include_router(router)
