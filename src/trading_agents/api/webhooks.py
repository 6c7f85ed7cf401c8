"""The ML engine's webhook: a signed signal for an agent, taken once, decided at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from trading_agents.api import exact
from trading_agents.api.deps import DeskDep, InboxDep, SettingsDep
from trading_agents.api.errors import responses
from trading_agents.api.metrics import telemetry_of
from trading_agents.config.settings import Settings
from trading_agents.core.clock import LiveClock
from trading_agents.service.desk import TradingDesk
from trading_agents.service.errors import Conflict, Invalid, NotFound, Unavailable
from trading_agents.service.signal_inbox import SignalInbox
from trading_agents.signals.ml_engine import EngineUnavailable
from trading_agents.signals.validation import SYMBOL
from trading_agents.signals.webhook import WebhookRejected, verify

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
engine_router = APIRouter(prefix="/ml-engine", tags=["ml engine"])
_WALL = LiveClock()


class WebhookOut(BaseModel):
    """What became of a webhook signal: accepted (the agent decides on it next), or a repeat."""

    status: str  # "accepted" or "duplicate"
    signal_id: str | None = None  # the id its decision will carry


@router.post(
    "/ml-signals",
    response_model=WebhookOut,
    status_code=202,
    responses={
        **responses(401, 404, 409, 413, 422, 503),
        200: {"model": WebhookOut, "description": "A duplicate: decided already."},
    },
)
async def ml_signal(
    request: Request, response: Response, desk: DeskDep, inbox: InboxDep, settings: SettingsDep
) -> WebhookOut:
    """Verify the HMAC of the raw body, check the signal, store it; the agent decides next."""
    telemetry = telemetry_of(request)
    try:
        taken = await _take(request, desk, inbox, settings)
    except Exception as error:
        reason = _refusal(error)
        telemetry.webhook("error" if reason is None else "refused", reason or "")
        raise
    telemetry.webhook(taken.status)
    if taken.status == "duplicate":
        response.status_code = 200
    return taken


async def _take(
    request: Request, desk: TradingDesk, inbox: SignalInbox, settings: Settings
) -> WebhookOut:
    if settings.webhook_secret is None:
        raise HTTPException(503, "the webhook is not configured: set WEBHOOK_SECRET")
    body = await request.body()
    try:
        verify(
            settings.webhook_secret.get_secret_value().encode(),
            body,
            request.headers.get("x-ml-signature"),
            request.headers.get("x-ml-timestamp"),
            _WALL.now_ms(),
            int(settings.webhook_window_s * 1000),
        )
    except WebhookRejected as error:
        raise HTTPException(401, str(error)) from None
    payload = _object(body)
    signal = payload.get("signal")
    if not isinstance(signal, dict):
        raise Invalid('the body needs a signal object: {"agent_name", "signal": {...}}')
    agent, account = _addressee(desk, payload)
    signal_id = await inbox.accept(agent, account, signal, "ml_webhook")
    if signal_id is None:
        return WebhookOut(status="duplicate")
    return WebhookOut(status="accepted", signal_id=signal_id)


# What a refusal counts as in the metrics: a few reasons, never the message itself.
_REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (Invalid, "invalid"),
    (NotFound, "unknown_agent"),
    (Conflict, "conflict"),
    (Unavailable, "unavailable"),
)


def _refusal(error: Exception) -> str | None:
    """Say why a webhook signal was refused, in a few words; None for the service's failure."""
    if isinstance(error, StarletteHTTPException):  # FastAPI's, and a body too large to read
        if error.status_code >= 500:
            return "not_configured" if error.status_code == 503 else None
        return {401: "signature", 413: "too_large"}.get(error.status_code, "other")
    for kind, reason in _REFUSALS:
        if isinstance(error, kind):
            return reason
    return None


class LatestSignalOut(BaseModel):
    """The ML engine's latest signal for a symbol, as it sent it; None when it has none."""

    symbol: str
    signal: dict[str, Any] | None


@engine_router.get(
    "/signals/{symbol}", response_model=LatestSignalOut, responses=responses(422, 503)
)
async def latest_signal(
    symbol: Annotated[str, Path(pattern=SYMBOL.pattern, description="such as BTCUSDT")],
    request: Request,
) -> LatestSignalOut:
    """Ask the ML engine for its latest signal on a symbol, now (its `latest` endpoint)."""
    poller = request.app.state.poller
    if poller is None:
        raise HTTPException(503, "no ML engine is configured: set ML_ENGINE_URL")
    if not SYMBOL.match(symbol):
        raise Invalid(f"symbol must be a symbol such as BTCUSDT, not {symbol!r}")
    try:
        found = await poller.client.latest(symbol)
    except EngineUnavailable as error:
        raise HTTPException(503, f"the ML engine did not answer: {error}") from None
    return LatestSignalOut(symbol=symbol, signal=None if found is None else dict(found))


def _object(body: bytes) -> dict[str, Any]:
    try:
        payload = exact.loads(body, decimals=False)
    except ValueError as error:  # JSONDecodeError and bytes that are not UTF-8
        raise Invalid(f"the body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Invalid("the body must be a JSON object")
    return payload


def _addressee(desk: TradingDesk, payload: dict[str, Any]) -> tuple[str, str]:
    """Pick the agent: `agent_name` on `account_id` or the default account; or the one agent
    running on `account_id`."""
    agent, account = payload.get("agent_name"), payload.get("account_id")
    if agent is not None and not isinstance(agent, str):
        raise Invalid("agent_name must be a string")
    if account is not None and not isinstance(account, str):
        raise Invalid("account_id must be a string")
    if agent is not None:
        return agent, account or desk.default_account
    if account is None:
        raise Invalid("name the agent (agent_name) or the account (account_id)")
    agents = sorted({row.agent for row in desk.listed_rows() if row.account_id == account})
    if len(agents) != 1:
        found = ", ".join(agents) or "none"
        raise Invalid(f"account {account!r} has agents {found}: name one with agent_name")
    return agents[0], account
