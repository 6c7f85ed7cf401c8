"""The investment accounts' own venue keys: registered, sealed in the journal, opened to trade."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from trading_agents.config.logs import keep_out_of_logs
from trading_agents.core.clock import Clock
from trading_agents.core.errors import ConfigurationError
from trading_agents.core.ids import key_fingerprint
from trading_agents.journal import credentials
from trading_agents.journal.credentials import Sealer, StoredKeys, VenueKeys
from trading_agents.service.errors import Conflict, Unavailable

NO_KEY = (
    "the service keeps no venue keys: set VENUE_CREDENTIALS_KEY or VENUE_CREDENTIALS_KEY_FILE"
    " (at least 32 characters, e.g. `openssl rand -hex 32`) and start it again"
)


class KeyVault:
    """Keep each investment account's venue keys sealed; open them only for its venue."""

    def __init__(self, engine: AsyncEngine | None, sealer: Sealer | None, clock: Clock) -> None:
        self._engine = engine
        self._sealer = sealer
        self._clock = clock

    @property
    def ready(self) -> bool:
        """Say whether keys can be kept: a sealing key is configured."""
        return self._sealer is not None and self._engine is not None

    async def register(self, account_id: str, venue: str, keys: VenueKeys) -> StoredKeys:
        """Seal and store an account's keys at a venue, replacing earlier ones."""
        engine, sealer = self._open()
        keep_out_of_logs(keys.api_key, keys.api_secret)
        sealed = sealer.seal(account_id, venue, keys)
        now = self._clock.now_ms()
        try:
            await credentials.put(engine, account_id, venue, sealed, keys.api_key, now)
        except (OSError, DBAPIError):
            raise Unavailable(
                "the journal's database cannot be reached; the keys were not stored"
            ) from None
        return StoredKeys(account_id, venue, key_fingerprint(keys.api_key), now)

    async def keys_of(self, account_id: str, venue: str) -> VenueKeys:
        """Return an account's keys at a venue; Conflict when none are registered."""
        engine, sealer = self._open()
        sealed = await credentials.sealed_of(engine, account_id, venue)
        if sealed is None:
            raise Conflict(
                f"account {account_id!r} has no {venue} keys of its own: register them first"
                f" (PUT /accounts/{account_id}/venue-credentials)"
            )
        keys = sealer.open(account_id, venue, sealed)
        keep_out_of_logs(keys.api_key, keys.api_secret)
        return keys

    async def stored(self, account_id: str) -> list[StoredKeys]:
        """Return what is stored of an account's keys (fingerprints, never the keys)."""
        if self._engine is None:
            return []
        return await credentials.stored(self._engine, account_id)

    async def forget(self, account_id: str, venue: str) -> bool:
        """Delete an account's keys at a venue; say whether there were any."""
        if self._engine is None:
            return False
        try:
            return await credentials.forget(self._engine, account_id, venue)
        except (OSError, DBAPIError):
            raise Unavailable(
                "the journal's database cannot be reached; the keys were not deleted"
            ) from None

    def _open(self) -> tuple[AsyncEngine, Sealer]:
        if self._engine is None or self._sealer is None:
            raise ConfigurationError(NO_KEY)
        return self._engine, self._sealer
