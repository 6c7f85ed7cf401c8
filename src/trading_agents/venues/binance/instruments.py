"""Instruments from the exchange (exchangeInfo and leverageBracket), the snapshot as fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from trading_agents.config.instruments import default_instruments
from trading_agents.core.errors import ConfigurationError
from trading_agents.model.instruments import Instrument, InstrumentRegistry, parse_instruments
from trading_agents.venues.binance.rest import BinanceRest
from trading_agents.venues.errors import VenueError

log = logging.getLogger(__name__)


class ExchangeInstruments:
    """The filters and brackets orders are rounded and checked to, kept fresh from Binance."""

    def __init__(self, rest: BinanceRest, fallback: InstrumentRegistry | None = None) -> None:
        self._rest = rest
        # A copy: refreshes replace its instruments in place, and the shipped snapshot is shared.
        self.registry = InstrumentRegistry(fallback or default_instruments())
        self.source = "snapshot"  # "exchange" once a refresh succeeded
        self.refreshed_ms: int | None = None
        # Told of every successful refresh: the risk engine sizes with what it precomputed.
        self.on_refresh: Callable[[InstrumentRegistry], None] | None = None

    def get(self, symbol: str) -> Instrument:
        """Return one instrument's filters, as last known."""
        return self.registry.get(symbol)

    async def refresh(self, now_ms: int) -> bool:
        """Load the filters and brackets from the exchange; keep what we had if it fails."""
        try:
            info: Any = await self._rest.call("fapiPublicGetExchangeInfo", {}, weight=1)
            brackets: Any = await self._rest.call("fapiPrivateGetLeverageBracket", {}, weight=1)
            registry = parse_instruments(info, brackets)
        except (VenueError, ConfigurationError, KeyError, TypeError) as error:
            log.warning(
                "instruments not refreshed from Binance (%s); keeping the %s ones",
                error,
                self.source,
            )
            return False
        self.registry.replace_with(registry)
        self.source = "exchange"
        self.refreshed_ms = now_ms
        if self.on_refresh is not None:
            self.on_refresh(self.registry)
        return True
