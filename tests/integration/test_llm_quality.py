"""The decision-quality scenarios through the LLM brain: the fake server always, the real model
where it is installed (marker `real_llm`; skipped with how to install it otherwise)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.support.backtests import agent
from tests.support.fake_openai import Answer, FakeOpenAI, careful_policy, reckless_policy
from tests.support.llm_scenarios import (
    SCENARIOS,
    Outcome,
    admissible_count,
    market_shape,
    run,
    state,
)
from tests.support.llm_server import MODEL
from trading_agents.agents.brains.llm import LlmBrain, llm_brain
from trading_agents.config.llm import LlmSettings

TOOL_OF = {
    "open_long": "open_position",
    "open_short": "open_position",
    "close": "close_position",
    "move_stops": "move_stops",
    "hold": "hold",
}


def brain(url: str, **settings: object) -> LlmBrain:
    """Return Atlas's LLM brain on a local server at `url`."""
    values: dict[str, Any] = {"OPENAI_BASE_URL": url, "LLM_SERVER": "llamacpp", **settings}
    values.setdefault("LLM_MODEL", MODEL)
    return llm_brain(agent("atlas").model_copy(update={"brain": "llm"}), LlmSettings(**values))


@pytest.fixture
def servers() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def test_there_are_at_least_20_scenarios_on_the_real_market_they_claim() -> None:
    assert len(SCENARIOS) >= 20
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)
    for scenario in SCENARIOS:
        snapshot = state(scenario)["market"][scenario.symbol]
        assert market_shape(snapshot) == scenario.market, scenario.name
        assert scenario.admissible, scenario.name


async def test_the_brain_offers_each_scenario_the_actions_its_state_allows(
    servers: ExitStack,
) -> None:
    fake = servers.enter_context(FakeOpenAI(responder=careful_policy))

    outcomes = await run(brain(fake.url))

    for scenario, outcome, request in zip(SCENARIOS, outcomes, fake.requests, strict=True):
        assert outcome.offered == scenario.offered, scenario.name
        # Every sensible answer can be given: the brain does not hide one.
        assert {TOOL_OF[label] for label in scenario.admissible} <= set(outcome.offered)
        context = json.loads(request["messages"][1]["content"])
        assert context["allowed_actions"] == list(scenario.offered), scenario.name
        assert context["trading_state"] == str(scenario.trading_state)


async def test_a_careful_policy_reading_only_the_first_message_is_admissible_everywhere(
    servers: ExitStack,
) -> None:
    fake = servers.enter_context(FakeOpenAI(responder=careful_policy))

    outcomes = await run(brain(fake.url))

    assert [o.scenario for o in outcomes if not o.admissible] == []
    assert all(o.chosen for o in outcomes)  # every decision was the policy's, none a fallback
    # Tokens are the server's own counts (the fake's usage: 900 in, 60 out a call).
    assert {(o.calls, o.input_tokens, o.output_tokens) for o in outcomes} == {(1, 900, 60)}


async def test_a_reckless_policy_scores_below_the_bar(
    servers: ExitStack,
) -> None:
    fake = servers.enter_context(FakeOpenAI(responder=reckless_policy))

    outcomes = await run(brain(fake.url))

    failed = {o.scenario for o in outcomes if not o.admissible}
    assert {"flat_stale_buy_btc", "flat_strong_sell_btc", "long_btc_near_stop"} <= failed
    assert admissible_count(outcomes) < 18
    # Where the state allows nothing but hold, even a reckless model cannot do harm.
    assert {"daily_loss_flat_strong_buy_btc", "at_limit_flat_strong_buy_btc"}.isdisjoint(failed)


async def test_a_fake_that_answers_in_text_fails_closed_and_is_not_counted_as_chosen(
    servers: ExitStack,
) -> None:
    fake = servers.enter_context(FakeOpenAI(responder=lambda body: Answer(content="buy!")))

    outcomes = await run(brain(fake.url), SCENARIOS[:2])

    assert [o.label for o in outcomes] == ["hold", "hold"]
    assert not any(o.admissible or o.chosen for o in outcomes)  # a strong buy: hold is wrong
    assert all("answered in text" in o.reasoning for o in outcomes)


def report(outcomes: list[Outcome]) -> str:
    """Describe a run's decisions, one line each, for a failure message."""
    return "\n".join(
        f"{o.scenario}: {o.label} ({'ok' if o.admissible else 'NOT admissible'},"
        f" {o.latency_s:.1f} s, {o.input_tokens}+{o.output_tokens} tokens) {o.reasoning[:120]}"
        for o in outcomes
    )


@pytest.mark.real_llm
@pytest.mark.asyncio(loop_scope="session")  # as the end-to-end suite: one HTTP client per URL
async def test_the_real_model_decides_admissibly_in_nine_scenarios_of_ten(
    real_llm_url: str,
) -> None:
    outcomes = await run(brain(real_llm_url, LLM_TIMEOUT=180))

    share = admissible_count(outcomes) / len(outcomes)
    assert share >= 0.9, report(outcomes)  # the bar: 18 of 20
    # Each was the model's own call: a hold the brain fell back on does not count as one.
    assert sum(o.admissible and o.chosen for o in outcomes) / len(outcomes) >= 0.9, report(outcomes)
    assert all(o.input_tokens > 0 and o.output_tokens > 0 for o in outcomes), report(outcomes)
