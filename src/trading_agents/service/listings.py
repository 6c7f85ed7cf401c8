"""The platform's listings for its daily sync: accounts with their agents, agent types in use."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from trading_agents.config.profiles import AgentProfile
from trading_agents.core.decimals import ZERO
from trading_agents.service.overview import DeskRow
from trading_agents.service.sessions import AgentSession, SessionStatus

_STOPPED = str(SessionStatus.STOPPED)


@dataclass(frozen=True, slots=True)
class AccountListing:
    """An investment account: its agents, and its equity and day's PnL over those that run.

    A stopped agent is listed (its history stays readable) but holds no money: its equity
    went back to the platform at the stop, so it is left out of the sums.
    """

    account_id: str
    agents: tuple[DeskRow, ...]  # by agent name
    equity: Decimal
    pnl_today: Decimal


@dataclass(frozen=True, slots=True)
class AccountsPage:
    """One page of accounts in id order; `next_after` names the cursor of the next page."""

    total: int
    items: tuple[AccountListing, ...]
    next_after: str | None


@dataclass(frozen=True, slots=True)
class AgentTypeListing:
    """An agent type (a profile) and the accounts it serves."""

    agent: str
    display_name: str
    style: str
    brain: str
    accounts_running: int
    accounts_paused: int
    accounts_stopped: int
    equity: Decimal  # summed over the accounts where it runs or is paused
    pnl_today: Decimal


Marks = Callable[[AgentSession], Mapping[str, Decimal]]


def accounts_page(rows: Iterable[DeskRow], limit: int, after: str | None = None) -> AccountsPage:
    """Return up to `limit` accounts whose ids sort after `after`, each with its agents."""
    by_account: dict[str, list[DeskRow]] = defaultdict(list)
    for row in rows:
        by_account[row.account_id].append(row)
    ids = sorted(by_account)
    following = [i for i in ids if after is None or i > after]
    page = following[:limit]
    items = tuple(_account(i, by_account[i]) for i in page)
    more = len(following) > limit
    return AccountsPage(len(ids), items, page[-1] if more else None)


def _account(account_id: str, rows: list[DeskRow]) -> AccountListing:
    return AccountListing(account_id, tuple(sorted(rows, key=lambda r: r.agent)), *_held(rows))


def _held(rows: Iterable[DeskRow]) -> tuple[Decimal, Decimal]:
    """Return the equity and the day's PnL of the rows that hold money (not stopped)."""
    holding = [row for row in rows if row.status != _STOPPED]
    return sum((r.equity for r in holding), ZERO), sum((r.pnl_today for r in holding), ZERO)


def agent_types(
    profiles: Mapping[str, AgentProfile], listed_rows: Iterable[DeskRow]
) -> list[AgentTypeListing]:
    """Return every configured agent type with how many accounts run it and their equity."""
    rows: dict[str, list[DeskRow]] = defaultdict(list)
    for row in listed_rows:
        rows[row.agent].append(row)
    listed = []
    for name in sorted(profiles):
        profile, mine = profiles[name], rows.get(name, [])
        count = Counter(row.status for row in mine)
        listed.append(
            AgentTypeListing(
                name,
                profile.display_name,
                profile.style,
                profile.brain,
                count[str(SessionStatus.RUNNING)] + count["stopping"],  # a pooled stop waiting
                count[str(SessionStatus.PAUSED)],
                count[_STOPPED],
                *_held(mine),
            )
        )
    return listed
