"""Build the service's desk from the settings: profiles, instruments, market data."""

from __future__ import annotations

from trading_agents.config.instruments import default_instruments
from trading_agents.config.profiles import configured_profiles
from trading_agents.config.settings import Settings
from trading_agents.engine.paper_run import warmup_candles
from trading_agents.service.desk import HISTORY_CANDLES, TradingDesk
from trading_agents.service.market import choose_source


async def build_desk(settings: Settings) -> TradingDesk:
    """Return the desk the settings describe, its market data chosen and loaded."""
    profiles = configured_profiles()
    wanted = list(dict.fromkeys(s for profile in profiles.values() for s in profile.symbols))
    warmup = min(HISTORY_CANDLES, max(warmup_candles(p) for p in profiles.values()))
    source = await choose_source(settings, wanted, warmup)
    symbols = list(source.history) if source.kind == "replay" else wanted
    return TradingDesk(
        source, profiles, default_instruments(), symbols, default_account=settings.default_account
    )
