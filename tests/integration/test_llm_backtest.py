"""A backtest with the LLM brain: recorded against the fake server, replayed without it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_openai import FakeOpenAI, flip_policy
from tests.support.market_data import candle_file
from trading_agents.backtest.command import BacktestRequest, execute, prepare
from trading_agents.config import llm
from trading_agents.config.llm import ModelFacts
from trading_agents.core.errors import RunAborted

WINDOW = "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(responder=flip_policy) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("LLM_SERVER", "openai")
        monkeypatch.setenv("LLM_MODEL", "gpt-4o-mini")
        yield running


async def _backtest(out: Path, **options: Any) -> dict[str, Any]:
    request = BacktestRequest(
        agent="atlas",
        symbols=("BTCUSDT",),
        data=candle_file(WINDOW),
        out=out,
        start="2025-05-10",
        end="2025-05-13",
        brain="llm",
        **options,
    )
    result = await execute(prepare(request), request, None, 0.0)
    assert json.loads((out / "result.json").read_text())["trades_sha256"] == result["trades_sha256"]
    return result


async def test_a_recorded_llm_backtest_replays_with_identical_trades_and_no_calls(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    cache = tmp_path / "llm-cache"
    recorded = await _backtest(tmp_path / "first", llm_cache=cache)
    calls = len(fake.requests)

    replayed = await _backtest(tmp_path / "again", llm_cache=cache, llm_replay=True)

    assert recorded["metrics"]["total_trades"] >= 2
    assert replayed["trades_sha256"] == recorded["trades_sha256"]
    assert replayed["metrics"] == recorded["metrics"]
    assert len(fake.requests) == calls  # not one call more
    llm = recorded["llm"]
    assert llm["calls"] == calls == len(list(cache.iterdir()))
    assert llm["input_tokens"] == 900 * calls
    assert float(llm["cost_usd"]) > 0
    assert llm["period_in_training_data"] is False  # May 2025 is after gpt-4o-mini's cutoff
    report = (tmp_path / "first" / "report.html").read_text()
    assert "Training data" in report


async def test_replaying_without_the_answer_ends_the_run_with_why(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    with pytest.raises(RunAborted, match="no recorded answer"):
        await _backtest(tmp_path / "out", llm_cache=empty, llm_replay=True)
    assert fake.requests == []


async def test_a_period_inside_the_models_training_data_is_flagged(
    fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = llm.llm_tables()
    later = ModelFacts(
        input_per_million=Decimal(1), output_per_million=Decimal(2), trained_until=date(2026, 1, 1)
    )
    widened = tables.model_copy(update={"models": {**tables.models, "later-model": later}})
    monkeypatch.setattr(llm, "llm_tables", lambda: widened)
    monkeypatch.setenv("LLM_MODEL", "later-model")

    result = await _backtest(tmp_path / "out")

    assert result["llm"]["period_in_training_data"] is True
    assert "may have seen what happened" in result["llm"]["note"]
    assert "not out of sample" in (tmp_path / "out" / "report.html").read_text()
