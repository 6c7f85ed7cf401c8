"""Build the service's desk from the settings: journal, profiles, instruments, market data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from trading_agents.config.binance import BinanceConfig
from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import AgentProfile, configured_profiles
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.paper_run import warmup_candles
from trading_agents.journal.credentials import Sealer, VenueKeys, credentials_key
from trading_agents.journal.keys import audit_key
from trading_agents.journal.reading import StoredDesk, StoredSession
from trading_agents.journal.store import Journal
from trading_agents.service.binance_account import BinanceAccount
from trading_agents.service.desk import HISTORY_CANDLES, TradingDesk
from trading_agents.service.journaling import KEEP_DECISIONS, SessionJournal
from trading_agents.service.market import MarketSource, choose_source
from trading_agents.service.vault import KeyVault

if TYPE_CHECKING:  # ccxt is imported only where Binance is traded
    from trading_agents.venues.binance.venue import BinanceVenue


def agents_at_binance(settings: Settings, profiles: Mapping[str, AgentProfile]) -> list[str]:
    """Return the agents that trade at Binance; check their keys before the service starts.

    An agent on the service's account needs BINANCE_API_KEY and its secret; one on
    segregated accounts needs the key that seals the accounts' own keys.
    """
    at_binance = {
        name: p for name, p in profiles.items() if (p.venue or settings.venue) == "binance"
    }
    if at_binance:
        settings.binance_endpoints()  # unconfirmed live money stops it here
    custodies = {p.accounts for p in at_binance.values()}
    if "single" in custodies or "pooled" in custodies:  # the service's own account
        settings.binance()  # a missing key stops it here
    if "segregated" in custodies:
        _require_credentials_key(settings, "segregated Binance accounts")
    return sorted(at_binance)


def _require_credentials_key(settings: Settings, who: str) -> None:
    if settings.credentials_key_text() is None and settings.venue_credentials_key_file is None:
        raise ConfigurationError(
            f"{who} keep their own keys, sealed under a key of the service's: set"
            " VENUE_CREDENTIALS_KEY or VENUE_CREDENTIALS_KEY_FILE (at least 32 characters)"
        )


def binance_account(
    settings: Settings,
    profiles: Mapping[str, AgentProfile],
    source: MarketSource,
    stored: StoredDesk,
    vault: KeyVault,
) -> BinanceAccount:
    """Return how sessions open Binance accounts, if any agent may trade there; refuse bad setups.

    The agents whose profile (or VENUE) says Binance count, and so do the sessions the
    journal holds at Binance: the venue is pinned where a session started. Keys are checked
    (and live money confirmed) before anything runs. A replay's simulated time cannot trade
    a real exchange: its candles are not the prices orders fill at. Every key set's venue
    draws on one count of this machine's request weight (Binance counts it per IP).
    """
    at_binance = agents_at_binance(settings, profiles)
    held = [session for session in stored.sessions if _stored_venue(session) == "binance"]
    trading = at_binance + [
        f"{s.row['agent']} on account {s.row['account_id']!r}"
        for s in held
        if s.row["status"] != "stopped"
    ]
    if not at_binance and not held:
        return BinanceAccount(vault=vault)
    names = ", ".join(f"{s.row['agent']} on account {s.row['account_id']!r}" for s in held)
    try:
        endpoints = settings.binance_endpoints()
        if any(_stored_custody(s) != "segregated" for s in held):
            settings.binance()
        if any(_stored_custody(s) == "segregated" for s in held):
            _require_credentials_key(settings, "the accounts of segregated sessions")
    except ConfigurationError as error:
        raise ConfigurationError(
            f"the journal holds sessions at Binance ({names}): {error}"
        ) from None
    if trading and source.kind != "binance":
        raise ConfigurationError(
            f"{', '.join(trading)} would trade at Binance, but the market data is"
            f" {source.description}: orders at Binance fill at Binance's prices, so its agents"
            " need live market data (MARKET_DATA=binance, or auto with Binance reachable)"
        )
    key, secret = settings.binance_api_key, settings.binance_api_secret
    service_keys = (
        VenueKeys(key.get_secret_value(), secret.get_secret_value())
        if key is not None and secret is not None
        else None
    )
    from trading_agents.venues.binance.limiter import IpWeight

    ip_weight = IpWeight()

    def open_venue(config: BinanceConfig) -> BinanceVenue:
        from trading_agents.venues.binance.venue import BinanceVenue

        return BinanceVenue(config, source.clock, ip_weight=ip_weight)

    return BinanceAccount(open_venue, endpoints, service_keys, vault)


def _stored_venue(session: StoredSession) -> str | None:
    """Return the venue a stored session was pinned to (None before venues were pinned)."""
    venue = _stored_field(session, "venue")
    return str(venue) if venue is not None else None


def _stored_custody(session: StoredSession) -> str:
    """Return whose Binance account a stored session trades (the service's before the field)."""
    return str(_stored_field(session, "accounts") or "single")


def _stored_field(session: StoredSession, name: str) -> object:
    try:
        return json.loads(session.row["profile"]).get(name)
    except (ValueError, AttributeError):
        return None  # its restore says what is wrong with it


async def build_desk(settings: Settings) -> TradingDesk:
    """Return the desk the settings describe, with the sessions the journal holds restored."""
    profiles = configured_profiles()
    instruments = default_instruments()
    key = audit_key(settings.audit_key_text(), settings.audit_key_file, create=True)
    journal = await Journal.open(
        settings.database(), key, settings.db_upgrade, settings.platform_tables, settings.spool_dir
    )
    try:
        stored = await journal.load(KEEP_DECISIONS)
        wanted = list(dict.fromkeys(s for profile in profiles.values() for s in profile.symbols))
        warmup = min(HISTORY_CANDLES, max(warmup_candles(p) for p in profiles.values()))
        source = await choose_source(
            settings, wanted, warmup, HISTORY_CANDLES, stored.last_close_ms
        )
        symbols = list(source.history) if source.kind == "replay" else wanted
        vault = KeyVault(journal.engine, _sealer(settings), source.clock)
        binance = binance_account(settings, profiles, source, stored, vault)
        desk = TradingDesk(
            source,
            profiles,
            instruments,
            symbols,
            SessionJournal(journal, instruments),
            default_account=settings.default_account,
            venue=settings.venue,
            binance=binance,
            mode=_mode(settings, binance.configured),
        )
        try:
            await desk.restore(stored)
            await desk.snapshot_days()  # the days missed while the service was down
        except BaseException:
            await desk.close_venues()
            raise
    except BaseException:
        await journal.close()
        raise
    return desk


def _mode(settings: Settings, binance: bool) -> str:
    """Say where agents trade: paper, Binance demo or live money, or both."""
    if not binance:
        return "paper"
    at = "binance-demo" if settings.binance_endpoints().demo else "binance-live"
    return at if settings.venue == "binance" else f"paper+{at}"


def _sealer(settings: Settings) -> Sealer | None:
    """Return what seals the accounts' own venue keys, if a key for it is configured."""
    key = credentials_key(settings.credentials_key_text(), settings.venue_credentials_key_file)
    return None if key is None else Sealer(key)
