"""Build the service's desk from the settings: journal, profiles, instruments, market data."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import AgentProfile, configured_profiles
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.paper_run import warmup_candles
from trading_agents.journal.keys import audit_key
from trading_agents.journal.reading import StoredDesk, StoredSession
from trading_agents.journal.store import Journal
from trading_agents.service.binance_account import BinanceAccount
from trading_agents.service.desk import HISTORY_CANDLES, TradingDesk
from trading_agents.service.journaling import KEEP_DECISIONS, SessionJournal
from trading_agents.service.market import MarketSource, choose_source

if TYPE_CHECKING:  # ccxt is imported only where Binance is traded
    from trading_agents.venues.binance.venue import BinanceVenue


def agents_at_binance(settings: Settings, profiles: Mapping[str, AgentProfile]) -> list[str]:
    """Return the agents that trade at Binance; check the keys first when there are some."""
    at_binance = sorted(
        name for name, p in profiles.items() if (p.venue or settings.venue) == "binance"
    )
    if at_binance:
        settings.binance()  # a missing key or an unconfirmed live account stops it here
    return at_binance


def binance_factory(
    settings: Settings,
    profiles: Mapping[str, AgentProfile],
    source: MarketSource,
    stored: StoredDesk,
) -> Callable[[], BinanceVenue] | None:
    """Return how to open the Binance account, if any agent may trade there; refuse bad setups.

    The agents whose profile (or VENUE) says Binance count, and so do the sessions the
    journal holds at Binance: the venue is pinned where a session started. Keys are checked
    (and live money confirmed) before anything runs. A replay's simulated time cannot trade
    a real exchange: its candles are not the prices orders fill at.
    """
    at_binance = agents_at_binance(settings, profiles)
    held = [session for session in stored.sessions if _stored_venue(session) == "binance"]
    trading = at_binance + [
        f"{s.row['agent']} on account {s.row['account_id']!r}"
        for s in held
        if s.row["status"] != "stopped"
    ]
    if not at_binance and not held:
        return None
    try:
        config = settings.binance()
    except ConfigurationError as error:
        names = ", ".join(f"{s.row['agent']} on account {s.row['account_id']!r}" for s in held)
        raise ConfigurationError(
            f"the journal holds sessions at Binance ({names}): {error}"
        ) from None
    if trading and source.kind != "binance":
        raise ConfigurationError(
            f"{', '.join(trading)} would trade at Binance, but the market data is"
            f" {source.description}: orders at Binance fill at Binance's prices, so its agents"
            " need live market data (MARKET_DATA=binance, or auto with Binance reachable)"
        )

    def open_venue() -> BinanceVenue:
        from trading_agents.venues.binance.venue import BinanceVenue

        return BinanceVenue(config, source.clock)

    return open_venue


def _stored_venue(session: StoredSession) -> str | None:
    """Return the venue a stored session was pinned to (None before venues were pinned)."""
    try:
        venue = json.loads(session.row["profile"]).get("venue")
    except (ValueError, AttributeError):
        return None  # its restore says what is wrong with it
    return str(venue) if venue is not None else None


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
        binance = binance_factory(settings, profiles, source, stored)
        desk = TradingDesk(
            source,
            profiles,
            instruments,
            symbols,
            SessionJournal(journal, instruments),
            default_account=settings.default_account,
            venue=settings.venue,
            binance=BinanceAccount(binance),
            mode=_mode(settings, binance is not None),
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
    at = "binance-demo" if settings.binance().demo else "binance-live"
    return at if settings.venue == "binance" else f"paper+{at}"
