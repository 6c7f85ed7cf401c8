"""Agent profiles: the house agents ship as files, and a user adds one with a file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from trading_agents.config.profiles import (
    load_profiles,
    parse_profile,
    shipped_profiles,
    strategy_preset,
)
from trading_agents.core.errors import ConfigurationError

ATLAS = Path(__file__).parents[3] / "src/trading_agents/config/data/agents/atlas.yaml"


def test_the_house_agents_ship_with_their_limits() -> None:
    profiles = shipped_profiles()

    atlas, orion, nova = profiles["atlas"], profiles["orion"], profiles["nova"]
    assert atlas.symbols == ("BTCUSDT", "ETHUSDT")
    assert (atlas.risk.max_leverage, atlas.risk.risk_per_trade, atlas.risk.max_open_positions) == (
        2,
        Decimal("0.005"),
        2,
    )
    assert (atlas.risk.daily_loss_limit, atlas.risk.max_drawdown) == (
        Decimal("0.02"),
        Decimal("0.05"),
    )
    assert atlas.risk.min_confidence == Decimal("0.75")
    assert (orion.risk.max_leverage, orion.risk.risk_per_trade, orion.risk.max_open_positions) == (
        5,
        Decimal("0.01"),
        4,
    )
    assert set(atlas.symbols) < set(orion.symbols)
    assert (orion.risk.daily_loss_limit, orion.risk.max_drawdown) == (
        Decimal("0.04"),
        Decimal("0.10"),
    )
    assert orion.risk.min_confidence == Decimal("0.65")
    assert (nova.risk.max_leverage, nova.risk.risk_per_trade, nova.risk.max_open_positions) == (
        10,
        Decimal("0.02"),
        6,
    )
    assert (nova.risk.daily_loss_limit, nova.risk.max_drawdown) == (
        Decimal("0.08"),
        Decimal("0.20"),
    )
    assert nova.risk.min_confidence == Decimal("0.55")
    assert all(profile.mandate.strip() for profile in profiles.values())


def test_a_user_adds_an_agent_with_a_file(tmp_path: Path) -> None:
    text = ATLAS.read_text().replace("name: atlas", "name: vega").replace("Atlas", "Vega")
    (tmp_path / "vega.yaml").write_text(text)

    profiles = load_profiles([tmp_path])

    assert {"atlas", "orion", "nova", "vega"} <= set(profiles)
    assert profiles["vega"].display_name == "Vega"


def test_a_profile_names_the_field_that_is_wrong() -> None:
    text = ATLAS.read_text().replace("max_leverage: 2", "max_leverage: 0")

    with pytest.raises(ConfigurationError, match=r"atlas.yaml: risk.max_leverage"):
        parse_profile(text, "atlas.yaml")


def test_a_profile_rejects_unknown_settings_and_intervals() -> None:
    with pytest.raises(ConfigurationError, match=r"risk\.max_levrage"):
        parse_profile(ATLAS.read_text().replace("max_leverage", "max_levrage"), "atlas.yaml")
    with pytest.raises(ConfigurationError, match="unknown interval"):
        parse_profile(ATLAS.read_text().replace("timeframe: 15m", "timeframe: 7m"), "atlas.yaml")


def test_a_profile_file_must_be_named_after_its_agent(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(ATLAS.read_text())

    with pytest.raises(ConfigurationError, match="must match the file name"):
        load_profiles([tmp_path])


def test_fractions_stay_exact_decimals() -> None:
    assert shipped_profiles()["atlas"].risk.risk_per_trade == Decimal("0.005")
    assert str(shipped_profiles()["atlas"].risk.risk_per_trade) == "0.005"


def test_the_reference_strategy_is_a_configuration_of_the_rule_brain() -> None:
    atlas = shipped_profiles()["atlas"].with_strategy(strategy_preset("reference"))

    strategy = atlas.strategy
    assert (strategy.ema_fast, strategy.ema_slow, strategy.rsi_period) == (12, 26, 14)
    assert (strategy.stop_loss_pct, strategy.take_profit_pct) == (Decimal("0.02"), Decimal("0.01"))
    assert (strategy.sizing, strategy.stake, strategy.leverage) == ("stake", Decimal(1000), 1)
    assert (atlas.timeframe, atlas.initial_equity) == ("1m", Decimal(1_000_000))
    assert atlas.risk == shipped_profiles()["atlas"].risk


def test_an_unknown_strategy_is_named_with_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown strategy 'fast'.*reference"):
        strategy_preset("fast")
