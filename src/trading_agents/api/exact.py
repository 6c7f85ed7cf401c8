"""JSON in and out with exact decimals: numbers read as Decimal, amounts written digit for digit.

A JSON number is read as a `Decimal`, never through a float, so `999999999.99999999` arrives
as it was sent. `NaN`, `Infinity` and nesting deeper than `MAX_DEPTH` are refused as invalid
JSON. Answers write every decimal as a JSON number with its exact digits (at most 8
decimals): a client that reads numbers as doubles gets any amount of up to 15 significant
digits exactly, and one that reads them as decimals gets every amount exactly.
"""

from __future__ import annotations

import enum
import functools
import json
import math
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

MAX_DEPTH = 32  # the deepest body any route takes is 3 levels
_QUANTUM = Decimal("1e-8")


def loads(body: bytes | str, decimals: bool = True) -> Any:
    """Parse JSON strictly; raise JSONDecodeError on what it refuses.

    Numbers with a fraction or an exponent come as Decimal, or as finite floats when
    `decimals` is off (for what is stored as plain JSON again, such as a webhook's signal).
    """
    try:
        text = body.decode() if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise json.JSONDecodeError(f"the body is not UTF-8: {error.reason}", "", 0) from None
    try:
        number = _decimal if decimals else _finite_float
        value = json.loads(
            text, parse_float=number, parse_int=_integer, parse_constant=_no_constant
        )
    except RecursionError:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, 0) from None
    except _Refused as refused:
        raise json.JSONDecodeError(str(refused), text, 0) from None
    if _depth(value) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, 0)
    return value


class _Refused(ValueError):
    """A JSON constant the service does not take."""


MAX_DIGITS = 40  # no amount, price or time needs more; more is an attack on the parser
MAX_EXPONENT = 40


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Refused(f"{text[:20]}... has more than {MAX_DIGITS} digits")
    return int(text)


def _decimal(text: str) -> Decimal:
    _check_size(text)
    return Decimal(text)


def _check_size(text: str) -> None:
    """Refuse a number too long or too far out: arithmetic on it could take minutes."""
    mantissa, _, exponent = text.lower().partition("e")
    if (
        len(mantissa) > MAX_DIGITS + 2
        or len(exponent) > 4
        or abs(int(exponent or 0)) > MAX_EXPONENT
    ):
        raise _Refused(f"{text[:20]} is beyond the size of any number the service takes")


def _finite_float(text: str) -> float:
    _check_size(text)
    number = float(text)
    if math.isinf(number):
        raise _Refused(f"{text} is beyond the range of a number")
    return number


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows")


def _depth(value: Any) -> int:
    """Return how deeply lists and objects nest in a parsed value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Sequence[Any] | Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            stack.extend((child, level + 1) for child in children)
    return deepest


def dumps(value: Any) -> str:
    """Write JSON with every Decimal as a number of its exact digits (8 decimals at most)."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        out.append(_number(value))
    elif value is None or isinstance(value, bool | int | str):
        out.append(json.dumps(value))
    elif isinstance(value, float):
        out.append(json.dumps(value) if value == value and abs(value) != float("inf") else "null")
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, datetime | date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, enum.Enum):
        _write(value.value, out)
    elif isinstance(value, BaseModel):
        _write(value.model_dump(mode="python"), out)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _number(value: Decimal) -> str:
    if not value.is_finite():
        return "null"
    exponent = value.as_tuple().exponent
    exact = value.quantize(_QUANTUM) if isinstance(exponent, int) and exponent < -8 else value
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class ExactJSONResponse(Response):
    """An answer rendered by `dumps`: decimals as exact numbers."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Return the content as exact JSON bytes."""
        return dumps(content).encode()


class StrictJSONRequest(Request):
    """A request whose JSON body is parsed by `loads`."""

    async def json(self) -> Any:
        """Return the body parsed strictly, once."""
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class ExactRoute(APIRoute):
    """A route that reads JSON strictly and answers its model with exact decimals.

    The endpoint's model (its `response_model`) still documents the answer; what is sent is
    the same model written by `dumps`, so amounts keep every digit.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        """Wrap the endpoint so that a model it returns is sent exactly."""
        status = kwargs.get("status_code") or 200

        @functools.wraps(endpoint)
        async def exact(*args: Any, **values: Any) -> Any:
            result = await endpoint(*args, **values)
            if isinstance(result, BaseModel):
                return ExactJSONResponse(result, status_code=status)
            return result

        super().__init__(path, exact, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Hand the route a request that parses its JSON strictly."""
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict
