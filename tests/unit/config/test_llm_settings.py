"""Which model costs what: the table's prices, configured ones, and local models of any name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from trading_agents.config.llm import LlmSettings
from trading_agents.core.errors import ConfigurationError


def settings(**env: str) -> LlmSettings:
    return LlmSettings.model_validate(env)


def test_a_local_model_of_any_name_is_free_and_its_cutoff_unknown() -> None:
    local = settings(OPENAI_BASE_URL="http://127.0.0.1:8080/v1", LLM_MODEL="qwen")

    facts = local.model_facts()

    assert local.server_kind() == "llamacpp"
    assert (facts.input_per_million, facts.output_per_million) == (0, 0)
    assert facts.trained_until is None


def test_configured_prices_and_cutoff_price_a_local_model() -> None:
    local = settings(
        OPENAI_BASE_URL="http://gpu-box:8000/v1",
        LLM_MODEL="my-finetune",
        LLM_PRICE_INPUT="0.05",
        LLM_PRICE_OUTPUT="0.2",
        LLM_TRAINED_UNTIL="2024-06-30",
    )

    facts = local.model_facts()

    assert (facts.input_per_million, facts.output_per_million) == (
        Decimal("0.05"),
        Decimal("0.2"),
    )
    assert facts.trained_until == date(2024, 6, 30)


def test_a_hosted_model_the_table_does_not_price_needs_prices() -> None:
    hosted = settings(LLM_MODEL="gpt-9-preview")  # api.openai.com: billed per token

    with pytest.raises(ConfigurationError, match="LLM_PRICE_INPUT and LLM_PRICE_OUTPUT"):
        hosted.model_facts()

    priced = settings(LLM_MODEL="gpt-9-preview", LLM_PRICE_INPUT="3", LLM_PRICE_OUTPUT="12")
    assert priced.model_facts().output_per_million == Decimal(12)


def test_a_table_model_keeps_its_cutoff_and_takes_configured_prices() -> None:
    table = settings(LLM_MODEL="gpt-4o-mini").model_facts()
    repriced = settings(LLM_MODEL="gpt-4o-mini", LLM_PRICE_INPUT="1", LLM_PRICE_OUTPUT="2")

    assert repriced.model_facts().trained_until == table.trained_until is not None
    assert repriced.model_facts().input_per_million == Decimal(1)
