"""Investment accounts' venue keys, sealed at rest in the journal under a key of the service's.

Each secret pair is encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from
VENUE_CREDENTIALS_KEY or the file VENUE_CREDENTIALS_KEY_FILE names. The account id and the
venue are the cipher's associated data: a sealed row copied onto another account does not
open. Nothing here logs a key; what the API answers is the key's fingerprint only.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from trading_agents.core.errors import ConfigurationError
from trading_agents.core.ids import key_fingerprint
from trading_agents.journal.tables import venue_credentials

MIN_KEY_CHARACTERS = 32
NONCE_BYTES = 12
_INFO = b"trading-agents venue credentials v1"


class VenueKeys(NamedTuple):
    """An API key and its secret at a venue."""

    api_key: str
    api_secret: str

    def __repr__(self) -> str:
        """Name the key by its fingerprint only: a repr ends up in logs and tracebacks."""
        return f"VenueKeys(fingerprint={key_fingerprint(self.api_key)!r})"


class StoredKeys(NamedTuple):
    """What the journal says of an account's keys without opening them."""

    account_id: str
    venue: str
    fingerprint: str
    updated_ms: int


def credentials_key(text: str | None, file: Path | None) -> bytes | None:
    """Return the sealing key from VENUE_CREDENTIALS_KEY or its file; None when neither is set."""
    if text is not None:
        return _checked(text.strip(), "VENUE_CREDENTIALS_KEY")
    if file is None:
        return None
    try:
        content = file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigurationError(
            f"the venue credentials key file {file} cannot be read: {error}"
        ) from None
    return _checked(content, str(file))


def _checked(key: str, where: str) -> bytes:
    if len(key) < MIN_KEY_CHARACTERS:
        raise ConfigurationError(
            f"the venue credentials key in {where} is too short: at least"
            f" {MIN_KEY_CHARACTERS} characters (for example `openssl rand -hex 32`)"
        )
    return key.encode()


@dataclass(frozen=True, slots=True)
class Sealer:
    """Seal and open key pairs with AES-256-GCM, each bound to its account and venue."""

    key: bytes  # the configured key's text; the cipher's key is derived from it

    def _cipher(self) -> AESGCM:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(self.key)
        return AESGCM(derived)

    def seal(self, account_id: str, venue: str, keys: VenueKeys) -> str:
        """Return the pair encrypted, as text to store."""
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps({"api_key": keys.api_key, "api_secret": keys.api_secret}).encode()
        sealed = self._cipher().encrypt(nonce, plain, _bound(account_id, venue))
        return base64.b64encode(nonce + sealed).decode()

    def open(self, account_id: str, venue: str, sealed: str) -> VenueKeys:
        """Return the pair `seal` stored; ConfigurationError when this key cannot open it."""
        try:
            raw = base64.b64decode(sealed.encode(), validate=True)
            plain = self._cipher().decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _bound(account_id, venue)
            )
            data = json.loads(plain)
            return VenueKeys(str(data["api_key"]), str(data["api_secret"]))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise ConfigurationError(
                f"the {venue} keys of account {account_id!r} cannot be opened with the"
                " configured VENUE_CREDENTIALS_KEY: it is not the key they were sealed with,"
                " or the row was altered"
            ) from None


def _bound(account_id: str, venue: str) -> bytes:
    return json.dumps([account_id, venue]).encode()


async def put(
    engine: AsyncEngine, account_id: str, venue: str, sealed: str, key: str, now_ms: int
) -> None:
    """Store an account's sealed keys at a venue, replacing earlier ones."""
    table = venue_credentials
    values = {"sealed": sealed, "fingerprint": key_fingerprint(key), "updated_ms": now_ms}
    where = (table.c.account_id == account_id) & (table.c.venue == venue)
    async with engine.begin() as connection:
        changed = await connection.execute(update(table).where(where).values(**values))
        if changed.rowcount == 0:
            await connection.execute(
                insert(table).values(account_id=account_id, venue=venue, **values)
            )


async def sealed_of(engine: AsyncEngine, account_id: str, venue: str) -> str | None:
    """Return an account's sealed keys at a venue, or None when none are stored."""
    table = venue_credentials
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(table.c.sealed).where(
                    table.c.account_id == account_id, table.c.venue == venue
                )
            )
        ).first()
    return None if row is None else str(row[0])


async def stored(engine: AsyncEngine, account_id: str) -> list[StoredKeys]:
    """Return what is stored of an account's keys, venue by venue, without opening them."""
    table = venue_credentials
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(table.c.venue, table.c.fingerprint, table.c.updated_ms)
                .where(table.c.account_id == account_id)
                .order_by(table.c.venue)
            )
        ).all()
    return [StoredKeys(account_id, str(r[0]), str(r[1]), int(r[2])) for r in rows]


async def forget(engine: AsyncEngine, account_id: str, venue: str) -> bool:
    """Delete an account's keys at a venue; say whether there were any."""
    table = venue_credentials
    async with engine.begin() as connection:
        gone = await connection.execute(
            delete(table).where(table.c.account_id == account_id, table.c.venue == venue)
        )
    return bool(gone.rowcount)
