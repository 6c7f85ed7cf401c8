"""What a log line is about (the account, the agent, the decision, the order), by context.

The decision runner and the order gateway say what they work on; every line logged inside,
by any module, carries it, without each call passing it along.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

FIELDS = ("account_id", "agent", "decision", "client_order_id")
_NONE: Mapping[str, str] = MappingProxyType({})
_CURRENT: ContextVar[Mapping[str, str]] = ContextVar("log_context", default=_NONE)


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add `fields` to every line logged inside, on top of what an outer context said."""
    token = _CURRENT.set({**_CURRENT.get(), **{k: str(v) for k, v in fields.items()}})
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Mapping[str, str]:
    """Return the fields of the innermost context."""
    return _CURRENT.get()
