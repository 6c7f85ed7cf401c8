"""The Binance settings: keys required, demo by default, real money only when confirmed."""

from __future__ import annotations

import pytest

from trading_agents.config.binance import DEMO_REST_URL, LIVE_WS_URL, BinanceConfig
from trading_agents.config.profiles import shipped_profiles
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.service.build import agents_at_binance

KEYS = {"BINANCE_API_KEY": "key", "BINANCE_API_SECRET": "secret"}


def settings(**env: str) -> Settings:
    """Return settings read from exactly these variables."""
    return Settings.model_validate(env)


def test_the_venue_is_paper_and_binance_means_demo_unless_told_otherwise() -> None:
    config = settings(**KEYS).binance()

    assert settings().venue == "paper"
    assert config.demo
    assert config.rest_base == DEMO_REST_URL


def test_real_money_needs_its_own_explicit_setting() -> None:
    with pytest.raises(ConfigurationError, match="BINANCE_LIVE_MONEY=true"):
        settings(**KEYS, BINANCE_TESTNET="false").binance()

    live = settings(**KEYS, BINANCE_TESTNET="false", BINANCE_LIVE_MONEY="true").binance()
    assert (live.demo, live.live_money, live.ws_base) == (False, True, LIVE_WS_URL)


def test_the_venue_needs_keys() -> None:
    with pytest.raises(ConfigurationError, match="BINANCE_API_KEY"):
        settings(VENUE="binance").binance()


def test_base_urls_point_the_venue_elsewhere() -> None:
    config = settings(
        **KEYS, BINANCE_BASE_URL="http://127.0.0.1:9/", BINANCE_WS_URL="ws://127.0.0.1:9"
    ).binance()

    assert (config.rest_base, config.ws_base) == ("http://127.0.0.1:9", "ws://127.0.0.1:9")


def test_agents_at_binance_need_keys_before_the_service_starts() -> None:
    profiles = shipped_profiles()
    assert agents_at_binance(settings(), profiles) == []  # paper: nothing to check

    with pytest.raises(ConfigurationError, match="BINANCE_API_KEY"):
        agents_at_binance(settings(VENUE="binance"), profiles)
    assert agents_at_binance(settings(VENUE="binance", **KEYS), profiles) == sorted(profiles)
    nova = profiles["nova"].model_copy(update={"venue": "binance"})
    assert agents_at_binance(settings(**KEYS), {"nova": nova, "atlas": profiles["atlas"]}) == [
        "nova"
    ]


def test_keys_are_refused_when_one_is_missing() -> None:
    with pytest.raises(ConfigurationError, match="BINANCE_API_KEY"):
        BinanceConfig().with_keys("a-key", "")


def test_a_venue_without_keys_is_refused_before_it_connects() -> None:
    from trading_agents.core.clock import LiveClock
    from trading_agents.venues.binance.venue import BinanceVenue

    with pytest.raises(ConfigurationError, match="no keys"):
        BinanceVenue(BinanceConfig(), LiveClock())
