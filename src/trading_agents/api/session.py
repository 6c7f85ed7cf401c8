"""The dashboard's sign-in: the API key asked for once, then a cookie session with CSRF tokens.

With `TRADING_AGENTS_API_KEY` set, a person gives the key once (`POST /session/sign-in`) and
gets an HttpOnly, SameSite=Strict cookie; every change the page asks for carries the
session's CSRF token in `X-CSRF-Token`, which a page of another site cannot read. Programs
keep sending the key itself (`X-API-Key` or a bearer token). Sessions live in the service's
memory: a restart signs everyone out, and a session ends after SESSION_HOURS.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

from trading_agents.api.errors import responses
from trading_agents.config.settings import Settings

COOKIE = "ta_session"
SESSION_HOURS = 12
MAX_SESSIONS = 1_000  # past this, signing in ends the oldest session
CSRF_HEADER = "X-CSRF-Token"
router = APIRouter(responses=responses(400))


@dataclass(frozen=True, slots=True)
class _Session:
    csrf: str
    expires: float  # time.monotonic() seconds


class SessionStore:
    """The signed-in dashboard sessions, by cookie token."""

    def __init__(self, hours: float = SESSION_HOURS, most: int = MAX_SESSIONS) -> None:
        self._sessions: dict[str, _Session] = {}  # in the order they opened
        self._life_s = hours * 3600
        self._most = most

    def open(self) -> tuple[str, str]:
        """Start a session; return its cookie token and its CSRF token."""
        now = time.monotonic()
        self._sessions = {t: s for t, s in self._sessions.items() if s.expires > now}
        while len(self._sessions) >= self._most:
            del self._sessions[next(iter(self._sessions))]  # the oldest goes
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._sessions[token] = _Session(csrf, now + self._life_s)
        return token, csrf

    def csrf_of(self, token: str | None) -> str | None:
        """Return a live session's CSRF token, or None for no session."""
        session = self._sessions.get(token or "")
        if session is None or session.expires <= time.monotonic():
            return None
        return session.csrf

    def close(self, token: str | None) -> None:
        """End a session (ending none is harmless)."""
        self._sessions.pop(token or "", None)


class SignIn(BaseModel):
    """The service's API key, given once."""

    model_config = {"extra": "forbid"}

    api_key: str = Field(min_length=1, max_length=512)


class SessionOut(BaseModel):
    """Whether the page may act, and the token its changes carry."""

    key_required: bool
    signed_in: bool
    csrf_token: str | None = None


def _store(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _key_matches(settings: Settings, given: str | None) -> bool:
    expected = settings.api_key
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


def check_access(
    request: Request,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ta_session: Annotated[str | None, Cookie()] = None,
) -> None:
    """Let a call through with the key, or a signed-in page's cookie (and CSRF on changes)."""
    settings = _settings(request)
    if settings.api_key is None:
        return
    given = x_api_key
    if given is None and authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if _key_matches(settings, given):
        return
    csrf = _store(request).csrf_of(ta_session)
    if csrf is None:
        raise HTTPException(401, "missing or wrong API key (X-API-Key or a bearer token)")
    if request.method in ("GET", "HEAD"):
        return
    if x_csrf_token is None or not hmac.compare_digest(x_csrf_token.encode(), csrf.encode()):
        raise HTTPException(403, f"the page's {CSRF_HEADER} is missing or wrong: reload it")


@router.get("/session", response_model=SessionOut)
async def session_state(
    request: Request, ta_session: Annotated[str | None, Cookie()] = None
) -> SessionOut:
    """Say whether the service asks for its key and whether this page is signed in."""
    if _settings(request).api_key is None:
        return SessionOut(key_required=False, signed_in=True)
    csrf = _store(request).csrf_of(ta_session)
    return SessionOut(key_required=True, signed_in=csrf is not None, csrf_token=csrf)


@router.post("/session/sign-in", response_model=SessionOut, responses=responses(401, 422))
async def sign_in(body: SignIn, request: Request, response: Response) -> SessionOut:
    """Take the API key once and open a cookie session for the dashboard."""
    settings = _settings(request)
    if settings.api_key is None:
        return SessionOut(key_required=False, signed_in=True)
    if not _key_matches(settings, body.api_key):
        raise HTTPException(401, "wrong API key")
    token, csrf = _store(request).open()
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return SessionOut(key_required=True, signed_in=True, csrf_token=csrf)


@router.post("/session/sign-out", response_model=SessionOut)
async def sign_out(
    request: Request, response: Response, ta_session: Annotated[str | None, Cookie()] = None
) -> SessionOut:
    """End this page's session."""
    _store(request).close(ta_session)
    response.delete_cookie(COOKIE, path="/")
    return SessionOut(key_required=_settings(request).api_key is not None, signed_in=False)


Access = [Depends(check_access)]
