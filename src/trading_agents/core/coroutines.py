"""Run a coroutine that never waits, to its end, without an event loop."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class CoroutineWaited(RuntimeError):
    """A coroutine run without an event loop waited for something."""


def run_at_once(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end in one go; raise CoroutineWaited if it suspends.

    A coroutine that awaits only coroutines which answer at once (a rule-brain backtest on
    the simulated venue) never gives control back: an event loop would only add its imports,
    its set-up and its tear-down to the run.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise CoroutineWaited("the coroutine waited for something; run it in an event loop")
