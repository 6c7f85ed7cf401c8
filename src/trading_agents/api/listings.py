"""The platform's listings: every investment account with its agents, and the agent types."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from trading_agents.api.deps import DeskDep
from trading_agents.api.errors import responses
from trading_agents.api.exact import ExactRoute
from trading_agents.api.schemas import Amount, rows
from trading_agents.api.session import Access
from trading_agents.core.ids import ACCOUNT_ID_PATTERN
from trading_agents.service.listings import accounts_page, agent_types

router = APIRouter(route_class=ExactRoute, responses=responses(400, 401, 422))


class AccountAgentOut(BaseModel):
    """One agent on an account, as the daily sync reads it."""

    agent: str
    status: str  # running, paused or stopped
    mode: str  # paper, binance-demo or binance-live
    trading_state: str
    initial_equity: Amount
    equity: Amount
    pnl_today: Amount
    pnl_total: Amount
    open_positions: int


class AccountOut(BaseModel):
    """An investment account; its equity and day's PnL sum the agents that hold money."""

    account_id: str
    equity: Amount
    pnl_today: Amount
    agents: list[AccountAgentOut]


class AccountsOut(BaseModel):
    """One page of accounts in id order; pass `next_after` as `after` for the next one."""

    total: int
    count: int
    next_after: str | None
    items: list[AccountOut]


class AgentTypeOut(BaseModel):
    """An agent type and the accounts it serves; equity sums those where it runs or pauses."""

    agent: str
    display_name: str
    style: str
    brain: str
    accounts_running: int
    accounts_paused: int
    accounts_stopped: int
    equity: Amount
    pnl_today: Amount


class AgentsOut(BaseModel):
    """Every agent type the service offers."""

    count: int
    items: list[AgentTypeOut]


@router.get("/accounts", response_model=AccountsOut, dependencies=Access)
async def list_accounts(
    desk: DeskDep,
    limit: Annotated[int, Query(ge=1, le=500, description="accounts per page")] = 100,
    after: Annotated[
        str | None,
        Query(
            pattern=ACCOUNT_ID_PATTERN,
            max_length=64,
            description="the last account id of the previous page",
        ),
    ] = None,
) -> AccountsOut:
    """List the investment accounts with their agents, a page at a time, in id order."""
    page = accounts_page(desk.listed_rows(), limit, after)
    return AccountsOut(
        total=page.total,
        count=len(page.items),
        next_after=page.next_after,
        items=[
            AccountOut(
                account_id=item.account_id,
                equity=item.equity,
                pnl_today=item.pnl_today,
                agents=rows(item.agents, AccountAgentOut),
            )
            for item in page.items
        ],
    )


@router.get("/agents", response_model=AgentsOut, dependencies=Access)
async def list_agents(desk: DeskDep) -> AgentsOut:
    """List the agent types with how many accounts run them and their summed equity."""
    listed = agent_types(desk.profiles, desk.listed_rows())
    return AgentsOut(count=len(listed), items=rows(listed, AgentTypeOut))
