"""The LLM brain's configuration: the endpoint from the environment, models and servers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from trading_agents.core.errors import ConfigurationError
from trading_agents.core.shipped import shipped

ServerKind = Literal["openai", "openrouter", "vllm", "ollama", "lmstudio", "llamacpp"]
# Servers that bill per token: a model there must have a known price (the table's, or
# LLM_PRICE_INPUT and LLM_PRICE_OUTPUT), never a guess of zero.
HOSTED: frozenset[str] = frozenset({"openai", "openrouter"})


class ModelFacts(BaseModel):
    """What a model costs, and until when it was trained."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    input_per_million: Decimal = Field(ge=0)
    output_per_million: Decimal = Field(ge=0)
    trained_until: date | None  # None: not known (a local model of any name)


class ServerFacts(BaseModel):
    """What a kind of server accepts in a chat completion with tools."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tool_choice: Literal["required", "auto"]
    parallel_tool_calls_flag: bool
    # Offer the read tools too. A small local model held to "required" calls them again and
    # again instead of deciding; the first message already carries what a decision needs.
    read_tools: bool = True
    # Offer open_position's prices, size and leverage. Without them an entry takes the
    # strategy's exits, size and leverage: a small model asked for a short's stop wrote one
    # below the price, and held after the repair turn.
    entry_prices: bool = True


class LlmTables(BaseModel):
    """The shipped tables of models and servers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    models: dict[str, ModelFacts]
    servers: dict[ServerKind, ServerFacts]


@cache
def llm_tables() -> LlmTables:
    """Return the shipped model and server tables."""
    text = shipped("config", "data", "llm.yaml").read_text()
    data = yaml.safe_load(text)
    for facts in data["models"].values():
        for key in ("input_per_million", "output_per_million"):
            facts[key] = Decimal(str(facts[key]))
    return LlmTables.model_validate(data)


class LlmSettings(BaseSettings):
    """Where the LLM brain calls: any OpenAI-compatible endpoint."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    model: str = Field(default="gpt-4o-mini", alias="LLM_MODEL")
    server: ServerKind | None = Field(default=None, alias="LLM_SERVER")
    timeout_s: float = Field(default=20.0, gt=0, alias="LLM_TIMEOUT")
    max_tool_calls: int = Field(default=6, ge=1, le=20, alias="LLM_MAX_TOOL_CALLS")
    # Dollars per million tokens, over the table's; a local model not in it costs 0 unless set.
    price_input: Decimal | None = Field(default=None, ge=0, alias="LLM_PRICE_INPUT")
    price_output: Decimal | None = Field(default=None, ge=0, alias="LLM_PRICE_OUTPUT")
    # The model's training cutoff, for a model not in the table (backtests say whether their
    # period may be in its training data).
    trained_until: date | None = Field(default=None, alias="LLM_TRAINED_UNTIL")

    def server_kind(self) -> ServerKind:
        """Return the server's kind: as set, or read off the base URL."""
        if self.server is not None:
            return self.server
        url = (self.base_url or "https://api.openai.com/v1").lower()
        if "api.openai.com" in url:
            return "openai"
        if "openrouter.ai" in url:
            return "openrouter"
        if ":11434" in url:
            return "ollama"
        if ":1234" in url:
            return "lmstudio"
        if ":8080" in url:
            return "llamacpp"  # llama.cpp's llama-server listens there by default
        return "vllm"  # any other OpenAI-compatible server: ask only what they all accept

    def model_facts(self, model: str | None = None) -> ModelFacts:
        """Return the price and training cutoff of a model.

        The table's, with LLM_PRICE_INPUT / LLM_PRICE_OUTPUT / LLM_TRAINED_UNTIL over it. A
        model the table does not know is fine on a local server (free unless priced, its
        cutoff unknown unless given); on a hosted one it needs both prices.
        """
        name = model or self.model
        facts = llm_tables().models.get(name)
        priced = self.price_input is not None and self.price_output is not None
        if facts is None and self.server_kind() in HOSTED and not priced:
            known = ", ".join(sorted(llm_tables().models))
            raise ConfigurationError(
                f"LLM model {name!r} is not in the price table ({known}): set"
                " LLM_PRICE_INPUT and LLM_PRICE_OUTPUT (dollars per million tokens)"
            )
        base = facts or ModelFacts(
            input_per_million=Decimal(0), output_per_million=Decimal(0), trained_until=None
        )
        return ModelFacts(
            input_per_million=self.price_input
            if self.price_input is not None
            else base.input_per_million,
            output_per_million=self.price_output
            if self.price_output is not None
            else base.output_per_million,
            trained_until=self.trained_until or base.trained_until,
        )
