"""Build the service's desk from the settings: journal, profiles, instruments, market data."""

from __future__ import annotations

from collections.abc import Mapping

from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import AgentProfile, configured_profiles
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.engine.paper_run import warmup_candles
from trading_agents.journal.store import Journal
from trading_agents.service.desk import HISTORY_CANDLES, TradingDesk
from trading_agents.service.journaling import KEEP_DECISIONS, SessionJournal
from trading_agents.service.market import choose_source


def refuse_unserved_venues(settings: Settings, profiles: Mapping[str, AgentProfile]) -> None:
    """Refuse agents set to trade at Binance: the service runs them on paper only, so far.

    Starting them on the paper venue instead would be a surprise no operator wants.
    """
    at_binance = sorted(
        name for name, p in profiles.items() if (p.venue or settings.venue) == "binance"
    )
    if not at_binance:
        return
    settings.binance()  # a missing key or an unconfirmed live account is the first thing to say
    raise ConfigurationError(
        f"{', '.join(at_binance)} would trade at Binance (VENUE={settings.venue} or the"
        " profile's venue), but the service does not run Binance sessions yet: the Binance venue"
        " trades through the engine (docs/BINANCE.md). Use VENUE=paper and no profile venue"
        " of binance"
    )


async def build_desk(settings: Settings) -> TradingDesk:
    """Return the desk the settings describe, with the sessions the journal holds restored."""
    profiles = configured_profiles()
    refuse_unserved_venues(settings, profiles)
    instruments = default_instruments()
    journal = await Journal.open(
        settings.database(), settings.db_upgrade, settings.platform_tables, settings.spool_dir
    )
    try:
        stored = await journal.load(KEEP_DECISIONS)
        wanted = list(dict.fromkeys(s for profile in profiles.values() for s in profile.symbols))
        warmup = min(HISTORY_CANDLES, max(warmup_candles(p) for p in profiles.values()))
        source = await choose_source(
            settings, wanted, warmup, HISTORY_CANDLES, stored.last_close_ms
        )
        symbols = list(source.history) if source.kind == "replay" else wanted
        desk = TradingDesk(
            source,
            profiles,
            instruments,
            symbols,
            SessionJournal(journal, instruments),
            default_account=settings.default_account,
        )
        desk.restore(stored)
        await desk.snapshot_days()  # the days missed while the service was down
    except BaseException:
        await journal.close()
        raise
    return desk
