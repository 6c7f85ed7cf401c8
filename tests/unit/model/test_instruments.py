"""The shipped instrument snapshot: ten perpetuals with Binance's filters and brackets."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest

from trading_agents.config.instruments import default_instruments, load_instruments
from trading_agents.core.errors import ConfigurationError, UnknownInstrument


def test_snapshot_holds_btc_eth_and_eight_more_liquid_perpetuals() -> None:
    registry = default_instruments()

    assert len(registry) >= 10
    assert {"BTCUSDT", "ETHUSDT"} <= set(registry.symbols)
    btc = registry.get("BTCUSDT")
    assert (btc.tick_size, btc.step_size, btc.min_notional) == (
        Decimal("0.1"),
        Decimal("0.001"),
        Decimal("100"),
    )
    assert btc.max_leverage == 125


@pytest.mark.parametrize("symbol", default_instruments().symbols)
def test_bracket_maintenance_amounts_keep_the_margin_continuous(symbol: str) -> None:
    instrument = default_instruments().get(symbol)
    brackets = instrument.brackets

    assert brackets[0].cum == 0
    for lower, upper in itertools.pairwise(brackets):
        assert upper.notional_floor == lower.notional_cap
        assert upper.maint_margin_ratio > lower.maint_margin_ratio
        assert upper.initial_leverage <= lower.initial_leverage
        # At the boundary both tiers must ask the same maintenance margin.
        boundary = upper.notional_floor
        assert boundary * lower.maint_margin_ratio - lower.cum == (
            boundary * upper.maint_margin_ratio - upper.cum
        )


def test_unknown_symbol_is_a_clear_error() -> None:
    with pytest.raises(UnknownInstrument, match="NOPEUSDT"):
        default_instruments().get("NOPEUSDT")


def test_a_symbol_without_brackets_is_refused(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[3] / "src/trading_agents/config/data"
    brackets = json.loads((data / "leverage_brackets.json").read_text())
    (tmp_path / "info.json").write_text((data / "exchange_info.json").read_text())
    (tmp_path / "brackets.json").write_text(json.dumps(brackets[1:]))

    with pytest.raises(ConfigurationError, match="no brackets"):
        load_instruments(tmp_path / "info.json", tmp_path / "brackets.json")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_instruments(tmp_path / "nope.json", tmp_path / "nope2.json")
