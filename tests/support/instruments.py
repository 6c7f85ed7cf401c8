"""Instrument builders with Binance's BTCUSDT and ETHUSDT filters and leverage brackets."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from trading_agents.model.instruments import Instrument, InstrumentRegistry, LeverageBracket

# (initial leverage, notional cap, maintenance margin ratio), lowest tier first.
_BTC_TIERS = (
    (125, "50000", "0.004"),
    (100, "600000", "0.005"),
    (75, "3000000", "0.0065"),
    (50, "12000000", "0.01"),
    (25, "70000000", "0.02"),
    (20, "100000000", "0.025"),
    (10, "230000000", "0.05"),
    (5, "480000000", "0.1"),
    (4, "600000000", "0.125"),
    (3, "800000000", "0.15"),
    (2, "1200000000", "0.25"),
    (1, "1800000000", "0.5"),
)
_ETH_TIERS = (
    (125, "50000", "0.004"),
    (100, "600000", "0.005"),
    (75, "3000000", "0.0065"),
    (50, "12000000", "0.01"),
    (25, "50000000", "0.02"),
    (20, "65000000", "0.025"),
    (10, "150000000", "0.05"),
    (5, "320000000", "0.1"),
    (4, "400000000", "0.125"),
    (3, "530000000", "0.15"),
    (2, "800000000", "0.25"),
    (1, "1200000000", "0.5"),
)


def brackets(tiers: tuple[tuple[int, str, str], ...]) -> tuple[LeverageBracket, ...]:
    """Build leverage brackets from (leverage, cap, ratio) tiers, deriving floors and `cum`."""
    built: list[LeverageBracket] = []
    floor, cum, previous_ratio = Decimal(0), Decimal(0), Decimal(0)
    for number, (leverage, cap, ratio) in enumerate(tiers, start=1):
        cum += floor * (Decimal(ratio) - previous_ratio)
        built.append(LeverageBracket(number, leverage, floor, Decimal(cap), Decimal(ratio), cum))
        floor, previous_ratio = Decimal(cap), Decimal(ratio)
    return tuple(built)


def btcusdt(**changes: Any) -> Instrument:
    """Return BTCUSDT: tick 0.1, step 0.001, minimum notional 100 USDT, up to 125x."""
    instrument = Instrument(
        symbol="BTCUSDT",
        base_asset="BTC",
        quote_asset="USDT",
        tick_size=Decimal("0.1"),
        min_price=Decimal("556.8"),
        max_price=Decimal("4529764"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("1000"),
        market_step_size=Decimal("0.001"),
        market_min_qty=Decimal("0.001"),
        market_max_qty=Decimal("120"),
        min_notional=Decimal("100"),
        percent_up=Decimal("1.05"),
        percent_down=Decimal("0.95"),
        brackets=brackets(_BTC_TIERS),
    )
    return replace(instrument, **changes)


def ethusdt(**changes: Any) -> Instrument:
    """Return ETHUSDT: tick 0.01, step 0.001, minimum notional 20 USDT, up to 125x."""
    instrument = Instrument(
        symbol="ETHUSDT",
        base_asset="ETH",
        quote_asset="USDT",
        tick_size=Decimal("0.01"),
        min_price=Decimal("39.86"),
        max_price=Decimal("306177"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("10000"),
        market_step_size=Decimal("0.001"),
        market_min_qty=Decimal("0.001"),
        market_max_qty=Decimal("2000"),
        min_notional=Decimal("20"),
        percent_up=Decimal("1.05"),
        percent_down=Decimal("0.95"),
        brackets=brackets(_ETH_TIERS),
    )
    return replace(instrument, **changes)


def registry(*instruments: Instrument) -> InstrumentRegistry:
    """Return a registry of the instruments given, or of BTCUSDT and ETHUSDT if none are."""
    return InstrumentRegistry(instruments or (btcusdt(), ethusdt()))
