"""A coroutine that never waits runs to its end without an event loop; one that waits fails."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Generator

import pytest

from trading_agents.core.coroutines import CoroutineWaited, run_at_once


async def _answer(value: int) -> int:
    return value


async def _sum_of_answers() -> int:
    return await _answer(20) + await _answer(22)


@types.coroutine
def _suspend() -> Generator[None, None, None]:
    yield


async def _waits(closed: list[bool]) -> int:
    try:
        await _suspend()
        return 1
    finally:
        closed.append(True)


def test_a_coroutine_that_never_waits_returns_its_value() -> None:
    assert run_at_once(_sum_of_answers()) == 42


def test_a_coroutine_that_waits_is_refused_and_closed() -> None:
    closed: list[bool] = []
    with pytest.raises(CoroutineWaited, match="event loop"):
        run_at_once(_waits(closed))
    assert closed == [True]


def test_an_error_inside_the_coroutine_reaches_the_caller() -> None:
    async def fails() -> None:
        await _answer(1)
        raise ValueError("bad candle")

    with pytest.raises(ValueError, match="bad candle"):
        run_at_once(fails())


def test_asyncio_primitives_need_the_event_loop() -> None:
    # What makes the choice safe: a coroutine touching the loop fails at once, never half-runs.
    async def sleeps() -> None:
        await asyncio.sleep(0.01)

    with pytest.raises(RuntimeError):
        run_at_once(sleeps())
