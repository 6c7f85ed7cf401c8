"""Agent profiles: one YAML file per agent holding its mandate, limits and strategy."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import parse_interval
from trading_agents.core.errors import ConfigurationError
from trading_agents.core.ids import AGENT_NAME_PATTERN
from trading_agents.core.shipped import shipped

PROFILES_DIR_VARIABLE = "TRADING_AGENTS_PROFILES_DIR"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RiskSettings(_Strict):
    """The risk limits of a profile, as plain data; fractions are of equity."""

    max_leverage: int = Field(ge=1, le=125)
    risk_per_trade: Decimal = Field(gt=0, le=1)
    max_open_positions: int = Field(ge=1)
    daily_loss_limit: Decimal = Field(gt=0, le=1)
    max_drawdown: Decimal = Field(gt=0, le=1)
    min_confidence: Decimal = Field(ge=0, le=1)
    max_position_notional: Decimal = Field(gt=0)
    max_total_exposure: Decimal = Field(gt=0)
    max_orders_per_minute: int = Field(default=10, ge=1)
    circuit_breaker_failures: int = Field(default=3, ge=1)
    require_stop_loss: bool = True
    # A signal priced further than this from the market is denied, and a market entry goes
    # out as an IOC limit order this far beyond the market: the worst price it can take.
    max_price_deviation: Decimal = Field(default=Decimal("0.01"), gt=0, le=Decimal("0.02"))


class StrategySettings(_Strict):
    """The rule brain's parameters: indicators, entry filters, stops and sizing."""

    ema_fast: int = Field(default=12, ge=1)
    ema_slow: int = Field(default=26, ge=2)
    rsi_period: int = Field(default=14, ge=2)
    rsi_overbought: Decimal = Field(default=Decimal(70), ge=0, le=100)
    rsi_oversold: Decimal = Field(default=Decimal(30), ge=0, le=100)
    atr_period: int = Field(default=14, ge=1)
    warmup_candles: int = Field(default=100, ge=0)  # no decision before this many candles
    stop: Literal["atr", "percent"] = "atr"
    stop_loss_atr: Decimal = Field(default=Decimal(2), gt=0)
    take_profit_atr: Decimal = Field(default=Decimal(3), gt=0)
    stop_loss_pct: Decimal = Field(default=Decimal("0.02"), gt=0, lt=1)
    take_profit_pct: Decimal = Field(default=Decimal("0.01"), gt=0)
    sizing: Literal["risk", "stake"] = "risk"  # risk: from the stop and risk per trade
    stake: Decimal = Field(default=Decimal(1000), gt=0)  # USDT notional per trade, for "stake"
    leverage: int = Field(default=1, ge=1, le=125)
    # Confidence of a rule entry: the base, plus each confirmation that holds.
    confidence_base: Decimal = Field(default=Decimal("0.55"), ge=0, le=1)
    confidence_momentum: Decimal = Field(default=Decimal("0.1"), ge=0, le=1)
    confidence_volatility: Decimal = Field(default=Decimal("0.1"), ge=0, le=1)
    confidence_signal: Decimal = Field(default=Decimal("0.2"), ge=0, le=1)
    max_atr_pct: Decimal = Field(default=Decimal("0.02"), gt=0)  # calmer than this confirms
    signal_max_age: str = "15m"

    @model_validator(mode="after")
    def _check(self) -> StrategySettings:
        if self.ema_fast >= self.ema_slow:
            raise ValueError(f"ema_fast ({self.ema_fast}) must be below ema_slow ({self.ema_slow})")
        if self.rsi_oversold >= self.rsi_overbought:
            raise ValueError("rsi_oversold must be below rsi_overbought")
        parse_interval(self.signal_max_age)
        return self


class AgentProfile(_Strict):
    """One agent: who it is, what it may trade, how often it decides, and within which limits."""

    name: str = Field(pattern=AGENT_NAME_PATTERN)
    display_name: str
    style: str
    mandate: str = Field(min_length=1)
    brain: Literal["rules", "llm"] = "rules"
    model: str | None = None
    # Where the agent trades; None follows the service's VENUE setting.
    venue: Literal["paper", "binance"] | None = None
    # How investment accounts hold their money with this agent. "single" (the default): each
    # its own books; at Binance the service's account (BINANCE_API_KEY), one investment
    # account at a time. "segregated": each its own books; at Binance each its own
    # (sub-)account, with the keys registered at PUT /accounts/{id}/venue-credentials.
    # "pooled": one book for every investment account, which owns units of it (at Binance
    # on the service's account, the platform moving the money by transfers).
    accounts: Literal["single", "segregated", "pooled"] = "single"
    # A pooled account's withdrawal beyond the book's free cash: "queue" waits until the
    # book's positions free it; "reduce" closes that part of every position at once.
    pool_withdrawals: Literal["queue", "reduce"] = "queue"
    # With the LLM brain: dollars a UTC day may cost; spent, the agent holds until the next.
    llm_daily_budget_usd: Decimal | None = Field(default=None, ge=0)
    symbols: tuple[str, ...] = Field(min_length=1)
    timeframe: str = "1m"
    decision_interval: str = "1m"
    heartbeat: str | None = None
    initial_equity: Decimal = Field(default=Decimal(10_000), gt=0)
    risk: RiskSettings
    strategy: StrategySettings = StrategySettings()

    @field_validator("timeframe", "decision_interval", "heartbeat")
    @classmethod
    def _known_interval(cls, value: str | None) -> str | None:
        if value is not None:
            parse_interval(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> AgentProfile:
        if parse_interval(self.decision_interval) % parse_interval(self.timeframe):
            raise ValueError(
                f"decision_interval {self.decision_interval} must be a multiple of the"
                f" timeframe {self.timeframe}"
            )
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError("symbols must not repeat")
        return self

    @property
    def timeframe_ms(self) -> int:
        """Return the candle interval the agent reads, in milliseconds."""
        return parse_interval(self.timeframe)

    @property
    def decision_interval_ms(self) -> int:
        """Return how often the brain's trigger is evaluated, in milliseconds."""
        return parse_interval(self.decision_interval)

    @property
    def heartbeat_ms(self) -> int | None:
        """Return the interval of decisions taken whatever the trigger, if any."""
        return None if self.heartbeat is None else parse_interval(self.heartbeat)

    def with_strategy(self, preset: StrategyPreset) -> AgentProfile:
        """Return this agent trading a named strategy preset instead of its own strategy."""
        changes: dict[str, Any] = {"strategy": preset.strategy}
        for field in ("timeframe", "decision_interval", "heartbeat", "initial_equity"):
            if field in preset.model_fields_set:
                changes[field] = getattr(preset, field)
        return AgentProfile.model_validate({**self.model_dump(), **changes})


class StrategyPreset(_Strict):
    """A named strategy an agent can be told to trade, such as the benchmark's reference."""

    name: str
    description: str
    timeframe: str = "1m"
    decision_interval: str = "1m"
    heartbeat: str | None = None
    initial_equity: Decimal = Field(default=Decimal(10_000), gt=0)
    strategy: StrategySettings


try:  # libyaml's parser, which PyYAML's wheels hold: every command reads profiles as it starts
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _DecimalLoader(_SafeLoader):
    """YAML with floats read as exact decimals: 0.005 stays 0.005."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    return Decimal(loader.construct_scalar(node))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _read_yaml(text: str, where: str) -> Mapping[str, Any]:
    try:
        data = yaml.load(text, Loader=_DecimalLoader)
    except yaml.YAMLError as error:
        raise ConfigurationError(f"{where}: not valid YAML ({error})") from error
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{where}: expected a mapping of settings at the top")
    return data


def _explain(error: ValidationError, where: str) -> ConfigurationError:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '(top)'}: {item['msg']}"
        for item in error.errors()
    )
    return ConfigurationError(f"{where}: {problems}")


def parse_profile(text: str, where: str) -> AgentProfile:
    """Parse one profile file's text, or raise ConfigurationError saying what is wrong."""
    try:
        return AgentProfile.model_validate(_read_yaml(text, where))
    except ValidationError as error:
        raise _explain(error, where) from error


def _profile_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigurationError(f"profile folder {directory} does not exist")
    return sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))


def load_profiles(extra_dirs: Iterable[Path] = ()) -> dict[str, AgentProfile]:
    """Load the shipped profiles, then those of `extra_dirs`, which may add or replace agents."""
    profiles = dict(shipped_profiles())
    for directory in extra_dirs:
        for path in _profile_files(directory):
            profile = parse_profile(path.read_text(encoding="utf-8"), str(path))
            if profile.name != path.stem:
                raise ConfigurationError(f"{path}: name {profile.name!r} must match the file name")
            profiles[profile.name] = profile
    return profiles


def configured_profiles() -> dict[str, AgentProfile]:
    """Load the shipped profiles and those of the folder TRADING_AGENTS_PROFILES_DIR names."""
    extra = os.environ.get(PROFILES_DIR_VARIABLE)
    return load_profiles([Path(extra).expanduser()] if extra else [])


@cache
def shipped_profiles() -> Mapping[str, AgentProfile]:
    """Return the house agents that ship with the package: Atlas, Orion and Nova."""
    folder = shipped("config", "data", "agents")
    profiles: dict[str, AgentProfile] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".yaml"):
            profile = parse_profile(entry.read_text(encoding="utf-8"), f"agents/{entry.name}")
            profiles[profile.name] = profile
    return profiles


@cache
def strategy_preset(name: str) -> StrategyPreset:
    """Return a shipped strategy preset by name, or raise ConfigurationError naming the known."""
    folder = shipped("config", "data", "strategies")
    known = sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir())
    if name not in known:
        raise ConfigurationError(f"unknown strategy {name!r}; known: {', '.join(known)}")
    where = f"strategies/{name}.yaml"
    try:
        text = folder.joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        return StrategyPreset.model_validate(_read_yaml(text, where))
    except ValidationError as error:
        raise _explain(error, where) from error


def agent_for_run(
    name: str, strategy: str | None, symbols: Sequence[str]
) -> tuple[AgentProfile, tuple[str, ...]]:
    """Find an agent, give it a strategy preset if named, and check the symbols it is to trade.

    No symbols means all of the agent's own. Raise ConfigurationError naming what is known.
    """
    profiles = configured_profiles()
    profile = profiles.get(name)
    if profile is None:
        raise ConfigurationError(
            f"unknown agent {name!r}; known agents: {', '.join(sorted(profiles))}"
        )
    if strategy is not None:
        profile = profile.with_strategy(strategy_preset(strategy))
    instruments = default_instruments()
    for symbol in symbols:
        if symbol not in instruments:
            known = ", ".join(sorted(i.symbol for i in instruments))
            raise ConfigurationError(f"unknown symbol {symbol!r}; known symbols: {known}")
        if symbol not in profile.symbols:
            raise ConfigurationError(
                f"{profile.name} does not trade {symbol}; its symbols: {', '.join(profile.symbols)}"
            )
    return profile, tuple(symbols) or profile.symbols
