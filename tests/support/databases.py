"""Fresh journal databases for tests: a SQLite file, or a new database on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg

# The server the suite runs against: CI starts it (.ci/run) and fails when it cannot.
POSTGRES_ADMIN_DSN = os.environ.get(
    "TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
KINDS = ("sqlite", "postgresql")


@asynccontextmanager
async def fresh_database(kind: str, folder: Path) -> AsyncIterator[str]:
    """Yield the SQLAlchemy URL of an empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / f'journal-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"ta_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """Yield a new PostgreSQL database's URL for a service in another process; drop it after."""
    name = f"ta_test_{uuid.uuid4().hex[:12]}"

    async def run(statement: str) -> None:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await admin.execute(statement)
        finally:
            await admin.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
