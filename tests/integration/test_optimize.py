"""`trading-agents optimize` on real candles: the same seed gives the same result, a stopped
run resumes to it, bad input exits non-zero with a message and writes nothing.

The trials run in this process (--workers 0): where they run does not change the result
(tests/e2e/test_optimize_on_ray_cluster.py runs them on a Ray cluster).
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState
from typer.testing import CliRunner

from tests.support.market_data import market_dir
from trading_agents.cli import app
from trading_agents.config.profiles import PROFILES_DIR_VARIABLE, load_profiles

# Three days of Nova on BTCUSDT: two rolling folds of 36 hours' training and 18 hours' test.
WINDOW = ["--from", "2025-05-06", "--to", "2025-05-09"]
PER_RUN = {"execution", "command"}  # where and how fast it ran, and the run folder's name


def _optimize(out: Path, *extra: str | Path) -> tuple[int, str]:
    arguments = [
        "optimize", "--quiet", "--agent", "nova", "--symbols", "BTCUSDT",
        "--data", market_dir() / "futures_um" / "1m", "--funding", market_dir() / "funding",
        *WINDOW, "--folds", "2", "--seed", "7", "--workers", "0", "--out", out, *extra,
    ]  # fmt: skip
    result = CliRunner().invoke(app, [str(argument) for argument in arguments])
    return result.exit_code, result.output


def _result(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "result.json").read_text())
    return document


def _same_run(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key not in PER_RUN}


def _stored_trials(out: Path) -> list[int]:
    storage = f"sqlite:///{out / 'study.db'}"
    return [
        len(optuna.load_study(study_name=summary.study_name, storage=storage).get_trials(
            states=(TrialState.COMPLETE, TrialState.FAIL)))
        for summary in optuna.get_all_study_summaries(storage)
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_user_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROFILES_DIR_VARIABLE, raising=False)


@pytest.fixture(scope="module")
def straight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run four trials a fold in one go; return the run folder."""
    out = tmp_path_factory.mktemp("straight") / "run"
    code, output = _optimize(out, "--trials", "4")
    assert code == 0, output
    return out


def test_a_run_writes_every_trial_each_fold_s_choice_and_its_test_joined_into_one_curve(
    straight: Path,
) -> None:
    result = _result(straight)

    first, second = result["folds"]
    assert (first["train"], first["test"]) == (
        {"from": "2025-05-06T00:00:00Z", "to": "2025-05-07T12:00:00Z"},
        {"from": "2025-05-07T12:00:00Z", "to": "2025-05-08T06:00:00Z"},
    )
    assert second["train"]["from"] == "2025-05-06T18:00:00Z"  # rolling: 36 hours again
    for fold in (first, second):
        assert [trial["number"] for trial in fold["trials"]] == [0, 1, 2, 3]
        best = max(fold["trials"], key=lambda trial: trial["value"])
        assert fold["best_trial"] == best["number"]
        assert fold["params"] == best["params"]
        assert fold["in_sample"]["sharpe"] == best["value"]
        assert set(best["params"]) >= {"strategy.ema_fast", "risk.risk_per_trade"}
        assert {"net_profit", "max_drawdown", "sharpe"} <= set(best["metrics"])
        assert fold["out_of_sample"]["metrics"]["total_trades"] >= 0
        assert fold["overfitting"]["trials"] == 4
        assert fold["overfitting"]["observations"] == 36
        shares = fold["importance"]
        assert set(shares) == set(best["params"])
        assert sum(shares.values()) == pytest.approx(1.0)
    # Each test starts with the equity the one before ended with, to the last digit.
    assert first["out_of_sample"]["initial_equity"] == "10000"
    assert second["out_of_sample"]["initial_equity"] == first["out_of_sample"]["final_equity"]
    joined = result["out_of_sample"]
    assert joined["final_equity"] == second["out_of_sample"]["final_equity"]
    assert joined["equity_curve"][0] == {
        "ts_ms": 1_746_619_200_000, "time": "2025-05-07T12:00:00Z",
        "equity": "10000", "drawdown": "0E-8",
    }  # fmt: skip
    assert joined["equity_curve"][-1]["time"] == "2025-05-09T00:00:00Z"
    assert len(joined["trades"]) == sum(len(f["out_of_sample"]["trades"]) for f in (first, second))
    assert Decimal(joined["metrics"]["net_profit"]) == sum(
        Decimal(trade["net_pnl"]) for trade in joined["trades"]
    )
    assert "--seed 7" in result["command"]
    assert result["chosen"] == {"fold": 2, "params": second["params"]}


def test_the_overfitting_figures_are_probabilities_printed_in_the_summary(
    straight: Path, tmp_path: Path
) -> None:
    result = _result(straight)
    shutil.copytree(straight, tmp_path / "again")

    code, output = _optimize(tmp_path / "again", "--trials", "4")

    assert code == 0, output
    for fold in result["folds"]:
        pbo = fold["overfitting"]["pbo"]
        assert 0 <= pbo["probability"] <= 1
        assert pbo["splits"] == 8  # 36 hours: 8 blocks of four hours, the last 4 left out
        assert pbo["combinations"] == 70
        dsr = fold["overfitting"]["dsr"]
        assert dsr is None or 0 <= dsr["probability"] <= 1
    assert "PBO" in output
    assert "DSR" in output
    assert "in-sample sharpe" in output
    assert "out-of-sample" in output
    assert "0 run now, 8 in all" in output  # finished: nothing searched again


def test_the_same_command_with_the_same_seed_gives_the_same_result(
    straight: Path, tmp_path: Path
) -> None:
    code, output = _optimize(tmp_path / "run", "--trials", "4")

    assert code == 0, output
    assert _same_run(_result(tmp_path / "run")) == _same_run(_result(straight))


def test_a_run_stopped_after_two_trials_resumes_to_the_result_of_one_that_never_stopped(
    straight: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    code, output = _optimize(out, "--trials", "2")
    assert code == 0, output
    assert _stored_trials(out) == [2, 2]

    code, output = _optimize(out, "--trials", "4")

    assert code == 0, output
    assert _stored_trials(out) == [4, 4]
    assert _result(out)["execution"]["trials_run"] == 4  # two more a fold, none again
    assert _same_run(_result(out)) == _same_run(_result(straight))


def test_another_seed_proposes_other_parameters(straight: Path, tmp_path: Path) -> None:
    code, output = _optimize(tmp_path / "run", "--trials", "2", "--seed", "8")

    assert code == 0, output
    ours = [trial["params"] for trial in _result(tmp_path / "run")["folds"][0]["trials"]]
    theirs = [trial["params"] for trial in _result(straight)["folds"][0]["trials"][:2]]
    assert ours != theirs


def test_the_chosen_parameters_become_a_profile_the_backtest_runs(
    straight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    shutil.copytree(straight, out)

    code, output = _optimize(out, "--trials", "4", "--write-profile", "nova-tuned")

    assert code == 0, output
    path = out / "profiles" / "nova-tuned.yaml"
    assert _result(out)["written_profile"] == str(path)
    profile = load_profiles([out / "profiles"])["nova-tuned"]
    chosen = _result(out)["chosen"]["params"]
    assert str(profile.strategy.ema_fast) == str(chosen["strategy.ema_fast"])
    assert str(profile.risk.risk_per_trade) == chosen["risk.risk_per_trade"]
    assert profile.mandate == load_profiles()["nova"].mandate
    monkeypatch.setenv(PROFILES_DIR_VARIABLE, str(out / "profiles"))
    backtest = CliRunner().invoke(app, [
        "backtest", "--quiet", "--agent", "nova-tuned", "--symbols", "BTCUSDT",
        "--data", str(market_dir() / "futures_um" / "1m"), "--from", "2025-05-08",
        "--to", "2025-05-09", "--out", str(tmp_path / "backtest"),
    ])  # fmt: skip
    assert backtest.exit_code == 0, backtest.output


def test_a_profile_goes_to_the_user_profiles_folder_when_one_is_set(
    straight: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, profiles = tmp_path / "run", tmp_path / "profiles"
    shutil.copytree(straight, out)
    profiles.mkdir()
    monkeypatch.setenv(PROFILES_DIR_VARIABLE, str(profiles))

    code, output = _optimize(out, "--trials", "4", "--write-profile", "nova-tuned")

    assert code == 0, output
    assert (profiles / "nova-tuned.yaml").read_text().startswith("# Written by")
    assert not (out / "profiles").exists()


BAD_SPACE = "strategy:\n  ema_fast: {low: 5, high: 20}\n  ema_fastest: {low: 1, high: 3}\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--agent", "zeus"], "unknown agent 'zeus'"),
        (["--space", "{bad}"], "unknown parameter strategy.ema_fastest"),
        (["--space", "{range}"], "low 20 is not below high 5"),
        (["--space", "{missing}"], "cannot be read"),
        (["--folds", "0"], "--folds must be at least 1, not 0"),
        (["--trials", "0"], "--trials must be at least 1"),
        (["--objective", "alpha"], "--objective must be one of sharpe, sortino, calmar, profit"),
        (["--fold-mode", "sliding"], "--fold-mode must be one of rolling, anchored"),
        (["--max-drawdown", "1.5"], "--max-drawdown is a fraction above 0 up to 1"),
        (["--train", "3"], "2 folds do not fit 3 days of data"),
        (["--agent", "atlas", "--test", "0.5"], "no more than atlas's warm-up of 60"),
        (["--ray-address", "127.0.0.1:1"], "--workers 0 runs in this process"),
        (["--workers", "1", "--ray-address", "127.0.0.1:1"], "no Ray cluster answers there"),
        (["--storage", "nonsense"], "--storage nonsense: Could not parse"),
        (["--write-profile", "atlas"], "atlas is a house agent"),
        (["--write-profile", "Bad Name"], "an agent's name is lower case"),
        (["--symbols", "DOGEBTC"], "unknown symbol 'DOGEBTC'"),
    ],
)
def test_bad_input_exits_non_zero_saying_what_is_wrong_and_writes_nothing(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    spaces = {
        "{bad}": BAD_SPACE,
        "{range}": "strategy:\n  ema_fast: {low: 20, high: 5}\n",
    }
    for name, text in spaces.items():
        (tmp_path / f"{name[1:-1]}.yaml").write_text(text)
    arguments = [
        str(tmp_path / f"{word[1:-1]}.yaml") if word.startswith("{") else word for word in extra
    ]
    out = tmp_path / "run"

    code, output = _optimize(out, "--trials", "2", *arguments)

    assert code != 0
    assert message in output
    assert not out.exists()


def test_the_report_is_one_page_that_shows_the_run_without_reaching_the_network(
    straight: Path,
) -> None:
    page = (straight / "report.html").read_text()
    result = _result(straight)

    for heading in (
        "Out-of-sample equity",
        "Folds",
        "In sample against out of sample",
        "Parameter importance",
        "Trials (in sample)",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "default-src 'none'" in page  # the browser refuses any fetch, not just the author
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    assert page.count('<polyline class="line"') == 1  # the joined out-of-sample curve
    splits = sum(len(fold["overfitting"]["pbo"]["degradation"]) for fold in result["folds"])
    assert page.count('<circle class="dot"') == splits
    trials = sum(len(fold["trials"]) for fold in result["folds"])
    folds = len(result["folds"])
    # A row a trial and a head a fold's trials table; the folds table's head and a row a fold.
    assert page.count("<tr") == trials + folds + 1 + folds
