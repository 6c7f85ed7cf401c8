"""The profile an optimisation writes: a new agent the loader reads back as it was."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from trading_agents.backtest.profile_file import (
    profile_destination,
    profile_text,
    write_profile,
)
from trading_agents.backtest.search_space import apply_parameters
from trading_agents.config.profiles import PROFILES_DIR_VARIABLE, load_profiles, shipped_profiles
from trading_agents.core.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _no_user_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROFILES_DIR_VARIABLE, raising=False)


def test_a_written_profile_loads_back_as_the_same_agent(tmp_path: Path) -> None:
    tuned = apply_parameters(
        shipped_profiles()["atlas"],
        {"strategy.ema_fast": 13, "risk.risk_per_trade": Decimal("0.00215443"),
         "strategy.stop_loss_atr": Decimal("2.50")},
    ).model_copy(update={"name": "atlas-tuned"})  # fmt: skip
    path = profile_destination("atlas-tuned", tmp_path)

    write_profile(path, profile_text(tuned, ["by a test"]))

    assert path == tmp_path / "profiles" / "atlas-tuned.yaml"
    assert load_profiles([path.parent])["atlas-tuned"] == tuned
    text = path.read_text()
    assert text.startswith("# Written by trading-agents optimize\n# by a test\n")
    assert "risk_per_trade: 0.00215443\n" in text
    assert "stop_loss_atr: 2.5\n" in text
    assert "mandate: |\n  You are Atlas" in text


def test_the_user_profiles_folder_is_where_a_profile_goes_when_one_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROFILES_DIR_VARIABLE, str(tmp_path / "mine"))
    with pytest.raises(ConfigurationError, match="which is not a folder"):
        profile_destination("nova-tuned", tmp_path / "run")
    (tmp_path / "mine").mkdir()

    assert profile_destination("nova-tuned", tmp_path / "run") == tmp_path / "mine/nova-tuned.yaml"


def test_a_profile_a_person_wrote_is_never_replaced_one_optimize_wrote_is(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "handmade.yaml").write_text("name: handmade\n")
    (folder / "earlier.yaml").write_text("# Written by trading-agents optimize\nname: earlier\n")

    with pytest.raises(ConfigurationError, match="was not written by optimize"):
        profile_destination("handmade", tmp_path)
    assert profile_destination("earlier", tmp_path) == folder / "earlier.yaml"


@pytest.mark.parametrize(
    ("name", "message"),
    [("orion", "orion is a house agent"), ("Tuned!", "an agent's name is lower case")],
)
def test_a_name_that_cannot_be_a_new_agent_is_refused(
    tmp_path: Path, name: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        profile_destination(name, tmp_path)
