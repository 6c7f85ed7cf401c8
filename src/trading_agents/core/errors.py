"""Typed errors: each says what went wrong and whether trying again can help."""

from __future__ import annotations

from typing import ClassVar


class TradingError(Exception):
    """Base of every error the product raises on purpose."""

    retryable: ClassVar[bool] = False


class RetryableError(TradingError):
    """A failure that may pass on a later attempt: timeouts, 5xx, rate limits, clock skew."""

    retryable = True


class FatalError(TradingError):
    """A failure that repeats however often it is retried: bad input, bad key, no margin."""

    retryable = False


class InvalidTransition(FatalError):
    """A state machine was given an event that is not allowed in its current state."""

    def __init__(self, entity: str, state: str, event: str) -> None:
        super().__init__(f"{entity}: event {event} is not allowed in state {state}")
        self.entity = entity
        self.state = state
        self.event = event


class ConfigurationError(FatalError):
    """Settings, a profile or a data file are missing or invalid."""


class UnknownInstrument(FatalError):
    """A symbol that no loaded instrument describes."""

    def __init__(self, symbol: str) -> None:
        super().__init__(f"unknown instrument {symbol!r}")
        self.symbol = symbol


class RunAborted(FatalError):
    """A failure that must end the run rather than become a HOLD (a replay's cache miss)."""
