"""An investment account's own venue keys: written here, never read back (fingerprints only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from trading_agents.api.deps import DeskDep, Guarded
from trading_agents.api.errors import responses
from trading_agents.api.exact import ExactRoute
from trading_agents.core.ids import ACCOUNT_ID_PATTERN
from trading_agents.journal.credentials import StoredKeys, VenueKeys

router = APIRouter(route_class=ExactRoute, responses=responses(400, 401, 403, 422))
# Binance's keys are 64 letters and digits; printable ASCII without spaces leaves room.
KEY_PATTERN = r"^[\x21-\x7e]{8,256}$"
# A key is write-only: never in an answer, and kept out of the body's repr (repr=False).
_KEY: JsonDict = {"format": "password", "writeOnly": True}
KeyedVenue = Literal["binance"]
Account = Annotated[
    str,
    Path(pattern=ACCOUNT_ID_PATTERN, max_length=64, description="the investment account"),
]


class CredentialsIn(BaseModel):
    """The account's own API key and secret at a venue (its Binance sub-account)."""

    model_config = ConfigDict(extra="forbid")

    venue: KeyedVenue = "binance"
    api_key: str = Field(
        pattern=KEY_PATTERN,
        repr=False,
        json_schema_extra=_KEY,
        description="8 to 256 printable characters without spaces; never returned",
    )
    api_secret: str = Field(
        pattern=KEY_PATTERN,
        repr=False,
        json_schema_extra=_KEY,
        description="8 to 256 printable characters without spaces; never returned",
    )


class CredentialsOut(BaseModel):
    """What the service holds of an account's keys at a venue: never the keys themselves."""

    account_id: str
    venue: str
    fingerprint: str  # the first 12 hex digits of the key's SHA-256
    updated_at: datetime


class CredentialsListOut(BaseModel):
    """The venues an account has registered keys for."""

    account_id: str
    items: list[CredentialsOut]


def _out(stored: StoredKeys) -> CredentialsOut:
    return CredentialsOut(
        account_id=stored.account_id,
        venue=stored.venue,
        fingerprint=stored.fingerprint,
        updated_at=datetime.fromtimestamp(stored.updated_ms / 1000, UTC),
    )


@router.put(
    "/accounts/{account_id}/venue-credentials",
    response_model=CredentialsOut,
    dependencies=Guarded,
    responses=responses(409, 413, 503),
)
async def put_credentials(
    account_id: Account, body: CredentialsIn, desk: DeskDep
) -> CredentialsOut:
    """Register the account's own keys at a venue, sealed at rest; replace earlier ones.

    Its agents whose profile keeps segregated accounts trade the (sub-)account these keys
    open. Refused (409) while one of them trades with keys to another account.
    """
    keys = VenueKeys(body.api_key, body.api_secret)
    return _out(await desk.register_keys(account_id, body.venue, keys))


@router.get(
    "/accounts/{account_id}/venue-credentials",
    response_model=CredentialsListOut,
    dependencies=Guarded,
)
async def list_credentials(account_id: Account, desk: DeskDep) -> CredentialsListOut:
    """List the venues the account has keys for, each with its key's fingerprint."""
    stored = await desk.keys_registered(account_id)
    return CredentialsListOut(account_id=account_id, items=[_out(s) for s in stored])


@router.delete(
    "/accounts/{account_id}/venue-credentials",
    status_code=204,
    dependencies=Guarded,
    responses=responses(404, 409, 503),
)
async def delete_credentials(
    account_id: Account,
    desk: DeskDep,
    venue: Annotated[KeyedVenue, Query(description="whose keys to delete")] = "binance",
) -> Response:
    """Delete the account's keys at a venue; refused (409) while an agent trades with them."""
    await desk.forget_keys(account_id, venue)
    return Response(status_code=204)
