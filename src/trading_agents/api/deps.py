"""What routes are given: the desk, the account asked for, and the access check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from trading_agents.api.session import check_access
from trading_agents.config.settings import Settings
from trading_agents.service.desk import TradingDesk
from trading_agents.service.signal_inbox import SignalInbox
from trading_agents.service.signal_intake import SignalIntake


def get_desk(request: Request) -> TradingDesk:
    """Return the service's trading desk."""
    desk: TradingDesk = request.app.state.desk
    return desk


def get_intake(request: Request) -> SignalIntake:
    """Return the way every signal comes in."""
    intake: SignalIntake = request.app.state.intake
    return intake


def get_inbox(request: Request) -> SignalInbox:
    """Return where webhook signals wait to be decided on."""
    inbox: SignalInbox = request.app.state.inbox
    return inbox


def get_settings(request: Request) -> Settings:
    """Return the service's settings."""
    settings: Settings = request.app.state.settings
    return settings


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=r"^[\x21-\x7e]{1,128}$",
            description="Send the same key again and get the first answer, the work not done"
            " twice (kept in the journal, so across restarts too)",
        ),
    ] = None,
) -> None:
    """Name the header the idempotency middleware (api/idempotency.py) answers repeats by."""


DeskDep = Annotated[TradingDesk, Depends(get_desk)]
IntakeDep = Annotated[SignalIntake, Depends(get_intake)]
InboxDep = Annotated[SignalInbox, Depends(get_inbox)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# A change needs the API key, or a signed-in dashboard page's cookie and CSRF token.
Guarded = [Depends(check_access)]
GuardedOnce = [Depends(check_access), Depends(idempotency_key)]  # a change retried safely
