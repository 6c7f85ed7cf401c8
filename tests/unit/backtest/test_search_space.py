"""Search spaces: what a space file may say, what it is refused for, and what it samples."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import optuna
import pytest

from trading_agents.backtest.search_space import (
    Choices,
    DecimalRange,
    IntRange,
    ParameterError,
    SearchSpaceError,
    apply_parameters,
    load_space,
    parse_space,
)
from trading_agents.config.profiles import shipped_profiles

SPACE = """
strategy:
  ema_fast: {low: 5, high: 20}
  ema_slow: {low: 30, high: 90, step: 3}
  stop_loss_atr: {low: 1, high: 4, step: 0.25}
  stop: [atr, percent]
risk:
  risk_per_trade: {low: 0.001, high: 0.01, log: true}
  max_leverage: {low: 1, high: 8, log: true}
  min_confidence: {choices: [0.6, 0.7]}
"""


def _trials(space_text: str, count: int, seed: int = 1) -> list[dict[str, Any]]:
    space = parse_space(space_text, "space.yaml")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    return [space.values(space.suggest(study.ask())) for _ in range(count)]


def test_a_space_names_each_parameter_with_the_kind_its_profile_field_has() -> None:
    space = parse_space(SPACE, "space.yaml")

    assert space.parameters == (
        IntRange("strategy.ema_fast", 5, 20),
        IntRange("strategy.ema_slow", 30, 90, step=3),
        DecimalRange("strategy.stop_loss_atr", Decimal(1), Decimal(4), Decimal("0.25")),
        Choices("strategy.stop", ("atr", "percent"), ("atr", "percent")),
        DecimalRange("risk.risk_per_trade", Decimal("0.001"), Decimal("0.01"), log=True),
        IntRange("risk.max_leverage", 1, 8, log=True),
        Choices("risk.min_confidence", (0.6, 0.7), (Decimal("0.6"), Decimal("0.7"))),
    )


def test_sampled_values_stay_in_range_on_their_steps_and_are_exact_decimals() -> None:
    sampled = _trials(SPACE, 60)

    for values in sampled:
        assert 5 <= values["strategy.ema_fast"] <= 20
        assert values["strategy.ema_slow"] in range(30, 91, 3)
        stop = values["strategy.stop_loss_atr"]
        assert isinstance(stop, Decimal)
        assert stop % Decimal("0.25") == 0
        assert Decimal(1) <= stop <= Decimal(4)
        risk = values["risk.risk_per_trade"]
        assert isinstance(risk, Decimal)
        assert Decimal("0.001") <= risk <= Decimal("0.01")
        assert len(risk.as_tuple().digits) <= 6  # continuous values keep six digits
        assert values["strategy.stop"] in ("atr", "percent")
        assert values["risk.min_confidence"] in (Decimal("0.6"), Decimal("0.7"))
    assert {values["strategy.stop"] for values in sampled} == {"atr", "percent"}


def test_a_log_scale_samples_small_values_as_often_as_large_ones() -> None:
    sampled = _trials("risk: {risk_per_trade: {low: 0.0001, high: 0.1, log: true}}", 400)

    below = sum(1 for values in sampled if values["risk.risk_per_trade"] < Decimal("0.001"))

    # A third of the log scale lies below 0.001; on a linear scale it would be 1 %.
    assert 0.2 < below / len(sampled) < 0.45


def test_the_same_seed_samples_the_same_values() -> None:
    assert _trials(SPACE, 5, seed=3) == _trials(SPACE, 5, seed=3)
    assert _trials(SPACE, 5, seed=3) != _trials(SPACE, 5, seed=4)


def test_parameters_apply_to_a_profile_through_its_own_validation() -> None:
    atlas = shipped_profiles()["atlas"]

    tuned = apply_parameters(
        atlas, {"strategy.ema_fast": 10, "risk.risk_per_trade": Decimal("0.002")}
    )

    assert tuned.strategy.ema_fast == 10
    assert tuned.risk.risk_per_trade == Decimal("0.002")
    assert tuned.strategy.ema_slow == atlas.strategy.ema_slow
    with pytest.raises(ParameterError, match=r"ema_fast .* must be below ema_slow"):
        apply_parameters(atlas, {"strategy.ema_fast": 80, "strategy.ema_slow": 60})


@pytest.mark.parametrize("agent", ["atlas", "orion", "nova"])
def test_each_house_agent_ships_a_default_space_its_profile_accepts(agent: str) -> None:
    profile = shipped_profiles()[agent]
    space = load_space(None, agent)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))

    for _ in range(30):
        apply_parameters(profile, space.values(space.suggest(study.ask())))

    assert space.source == f"the default space of {agent}"


def test_a_space_file_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("strategy: {ema_fast: {low: 3, high: 9}}\n")

    space = load_space(path, "atlas")

    assert space.parameters == (IntRange("strategy.ema_fast", 3, 9),)
    assert space.source == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strategy: {ema_fats: {low: 5, high: 9}}", "unknown parameter strategy.ema_fats"),
        ("brain: {model: [a, b]}", "unknown section 'brain'"),
        ("strategy: {ema_fast: {low: 9, high: 5}}", "low 9 is not below high 5"),
        ("strategy: {ema_fast: {low: 5, high: 5}}", "low 5 is not below high 5"),
        ("strategy: {ema_fast: {low: 0, high: 5}}", "low 0: Input should be greater than"),
        ("risk: {risk_per_trade: {low: 0.01, high: 2}}", "high 2: Input should be less than"),
        ("strategy: {ema_fast: {low: 5.5, high: 9}}", "low must be a whole number"),
        ("strategy: {ema_fast: {low: 1, high: 10, step: 4}}", "not a whole number of steps"),
        ("strategy: {stop_loss_atr: {low: 1, high: 2, step: 0}}", "step 0 must be above zero"),
        ("risk: {risk_per_trade: {low: 0, high: 0.1, log: true}}", "log scale needs low above"),
        ("strategy: {stop_loss_atr: {low: 1, high: 2, step: 0.5, log: true}}", "takes no step"),
        ("strategy: {ema_fast: {low: 5}}", "needs both low and high"),
        ("strategy: {ema_fast: {lo: 5, high: 9}}", "unknown key 'lo'"),
        ("strategy: {stop: {low: 1, high: 2}}", "takes choices only"),
        ("strategy: {stop: [atr, trailing]}", "choice 'trailing': Input should be 'atr' or"),
        ("strategy: {stop: []}", "at least one value"),
        ("strategy: {ema_fast: [5, 5]}", "listed twice"),
        ("strategy: {ema_fast: {choices: [5], low: 1}}", "choices stand alone"),
        ("strategy: {ema_fast: 12}", "expected {low: .., high: ..} or {choices: [..]}"),
        ("strategy: {}", "names no parameter"),
        ("- strategy", "expected sections strategy: and risk:"),
        ("strategy: {ema_fast: [", "not valid YAML"),
    ],
)
def test_a_space_that_cannot_be_searched_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(SearchSpaceError, match=r"^space\.yaml: ") as refused:
        parse_space(text, "space.yaml")

    assert message in str(refused.value)


def test_an_agent_without_a_default_space_needs_one_given() -> None:
    with pytest.raises(SearchSpaceError, match=r"no default search space .* give --space"):
        load_space(None, "someone")


def test_a_missing_space_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SearchSpaceError, match="cannot be read"):
        load_space(tmp_path / "none.yaml", "atlas")
