"""Answers kept under Idempotency-Keys, so that a retried request is answered, not done again."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from trading_agents.journal.tables import idempotency_keys


class KeptAnswer(NamedTuple):
    """The first answer to a request made under a key, and what that request was."""

    request_hash: str  # SHA-256 of the method, the path and the body
    status: int
    body: str


async def find(engine: AsyncEngine, caller: str, key: str) -> KeptAnswer | None:
    """Return the answer kept under the caller's key, or None."""
    table = idempotency_keys
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(table.c.request_hash, table.c.status, table.c.body).where(
                    table.c.caller == caller, table.c.key == key
                )
            )
        ).first()
    return None if row is None else KeptAnswer(str(row[0]), int(row[1]), str(row[2]))


async def keep(engine: AsyncEngine, caller: str, key: str, answer: KeptAnswer, now_ms: int) -> None:
    """Keep an answer under the caller's key; one kept already stays (the first answer wins)."""
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(idempotency_keys).values(
                    caller=caller,
                    key=key,
                    request_hash=answer.request_hash,
                    status=answer.status,
                    body=answer.body,
                    created_ms=now_ms,
                )
            )
    except IntegrityError:
        return
