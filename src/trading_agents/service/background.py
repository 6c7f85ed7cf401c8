"""Stopping one of the service's background tasks (market stream, polling, inbox, recovery)."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has stopped; None is already stopped."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
