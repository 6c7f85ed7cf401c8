"""What a use case refuses, and why; the API maps each kind to its status code."""

from __future__ import annotations

from trading_agents.core.errors import TradingError


class ServiceError(TradingError):
    """A request the service refuses; the message says why."""


class NotFound(ServiceError):
    """No such agent or account."""


class Conflict(ServiceError):
    """The request does not fit the agent's state (starting a running agent, say)."""


class Invalid(ServiceError):
    """The request is well formed but cannot be carried out (a symbol the agent does not trade)."""


class Unavailable(ServiceError):
    """Something the request needs is down for now (the journal's database); try again later."""
