"""One error answer for every failure: a message, and for bad input each field's problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import Send

from trading_agents.core.errors import ConfigurationError
from trading_agents.service.errors import Conflict, Invalid, NotFound, Unavailable


class FieldProblem(BaseModel):
    """What is wrong with one part of a request."""

    loc: list[str | int]  # where: ["body", "amount"], ["path", "account_id"]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Why a request was refused; nothing was changed."""

    detail: str
    errors: list[FieldProblem] | None = None  # for bad input: each field's problem


_STATUS: dict[type[Exception], int] = {
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    ConfigurationError: 422,
    Unavailable: 503,
}
_MEANING = {
    400: "The request cannot be read.",
    401: "The API key is missing or wrong.",
    403: "A signed-in dashboard page's change without its CSRF token.",
    404: "No such agent, session or account.",
    409: "It conflicts with the agent's state or with a request taken before.",
    413: "The body is over the size limit.",
    422: "Bad input: a field or the JSON itself.",
    429: "Too many requests with this key; retry after the Retry-After seconds.",
    503: "Something the service needs is down: the journal, market data, a venue.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI answers for these statuses, each with the error schema."""
    return {status: {"model": ErrorOut, "description": _MEANING[status]} for status in statuses}


def install(app: FastAPI) -> None:
    """Map every refusal to the error schema: domain errors, HTTP errors and bad input."""
    for kind, status in _STATUS.items():
        app.add_exception_handler(kind, _domain(status))
    app.add_exception_handler(RequestValidationError, _bad_input)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]


def _domain(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(request: Request, error: Exception) -> JSONResponse:
        return _answer(status, str(error))

    return handle


async def _http(request: Request, error: HTTPException) -> JSONResponse:
    headers = dict(error.headers) if error.headers else None
    if error.status_code == 405:
        # Starlette names the methods of the first route on the path only; a path served by
        # several routes (GET, PUT and DELETE of one resource) allows all of theirs.
        headers = {**(headers or {}), "Allow": ", ".join(_allowed(request))}
    return _answer(error.status_code, str(error.detail), headers=headers)


def _allowed(request: Request) -> list[str]:
    """Return every method some route serves on the request's path."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return sorted(methods)


async def _bad_input(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [_problem(e) for e in error.errors()]
    first = "; ".join(f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return _answer(422, f"invalid request: {first}{more}", problems)


def _problem(raw: Any) -> FieldProblem:
    """Keep where and what; leave out the input itself, which may not even be JSON."""
    loc = [part if isinstance(part, int) else str(part) for part in raw.get("loc", ())]
    message = str(raw.get("msg", "invalid"))
    context = raw.get("ctx") or {}
    if raw.get("type") == "json_invalid" and "error" in context:
        message = f"the body is not valid JSON: {context['error']}"
    return FieldProblem(loc=loc, msg=message, type=str(raw.get("type", "invalid")))


def _answer(
    status: int,
    detail: str,
    problems: Sequence[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorOut(detail=detail, errors=list(problems) if problems is not None else None)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


async def send_json(
    send: Send, status: int, body: bytes, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """Send a whole JSON answer from ASGI middleware, where no route or handler runs."""
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def send_error(
    send: Send, status: int, detail: str, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """Send the error schema's answer from ASGI middleware."""
    await send_json(
        send, status, ErrorOut(detail=detail).model_dump_json(exclude_none=True).encode(), headers
    )
