"""An investment account's own venue keys, as the platform registers and removes them."""

from __future__ import annotations

from trading_agents.core.ids import key_fingerprint
from trading_agents.journal.credentials import StoredKeys, VenueKeys
from trading_agents.service.desk_base import DeskBase
from trading_agents.service.errors import Conflict, NotFound
from trading_agents.service.sessions import AgentSession, SessionStatus


class AccountKeys(DeskBase):
    """Register and remove an account's keys; never while its sessions trade with others."""

    async def register_keys(self, account_id: str, venue: str, keys: VenueKeys) -> StoredKeys:
        """Keep `keys` for the account's sessions at `venue`: its own (sub-)account there.

        Keys that open another account are refused while a session trades with the old ones:
        its positions and orders are at the account the old keys open.
        """
        async with self._lock:
            for session in self._trading_own_keys(account_id, venue):
                now = session.parts.venue.exclusive_account or ""
                if not now.endswith(key_fingerprint(keys.api_key)):
                    raise Conflict(
                        f"{session.agent} trades account {account_id!r} at {venue} with the keys"
                        " registered before: stop it first, then register other keys"
                    )
            return await self.binance.vault.register(account_id, venue, keys)

    async def forget_keys(self, account_id: str, venue: str) -> None:
        """Delete the account's keys at `venue`; refused while a session trades with them."""
        async with self._lock:
            trading = self._trading_own_keys(account_id, venue)
            if trading:
                raise Conflict(
                    f"{trading[0].agent} trades account {account_id!r} at {venue} with these"
                    " keys: stop it first"
                )
            if not await self.binance.vault.forget(account_id, venue):
                raise NotFound(f"account {account_id!r} has no {venue} keys registered")

    async def keys_registered(self, account_id: str) -> list[StoredKeys]:
        """Return what is registered of the account's keys: venue and fingerprint only."""
        return await self.binance.vault.stored(account_id)

    def _trading_own_keys(self, account_id: str, venue: str) -> list[AgentSession]:
        return [
            session
            for (_, account), session in self.sessions.items()
            if account == account_id
            and session.status is not SessionStatus.STOPPED
            and session.profile.venue == venue
            and session.profile.accounts == "segregated"
        ]
