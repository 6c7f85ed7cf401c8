"""The search space: which of a profile's parameters an optimisation varies, and over what.

A space is YAML in the profile's own layout, a section per settings group:

    strategy:
      ema_fast: {low: 5, high: 20}                    # whole numbers, every one
      stop_loss_atr: {low: 1, high: 4, step: 0.25}    # exact steps
      stop: {choices: [atr, percent]}                 # or the short form [atr, percent]
    risk:
      risk_per_trade: {low: 0.001, high: 0.01, log: true}

A parameter's kind follows the profile's field: a whole-number field takes a whole-number
range, a decimal field a decimal range, any field a list of choices. Every bound and choice
must pass the field's own limits; the profile's checks across fields (ema_fast below
ema_slow) are made on each trial's parameters, and a trial that breaks them fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import optuna
import yaml
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from pydantic import BaseModel, ValidationError, create_model

from trading_agents.config.profiles import AgentProfile, RiskSettings, StrategySettings
from trading_agents.core.errors import ConfigurationError
from trading_agents.core.shipped import shipped

SECTIONS: Mapping[str, type[BaseModel]] = {"strategy": StrategySettings, "risk": RiskSettings}
# A value of a continuous range is kept to this many significant digits: finer differences
# change nothing a strategy does, and would clutter the profile written from it.
SIGNIFICANT_DIGITS = 6
_RANGE_KEYS = frozenset({"low", "high", "step", "log"})
Option = str | int | float | bool  # what YAML gives and Optuna's categorical takes


class SearchSpaceError(ConfigurationError):
    """A search space that cannot be searched; the message says where and what is wrong."""


class ParameterError(ConfigurationError):
    """A trial's parameters that the profile refuses; the message says which check failed."""


@dataclass(frozen=True, slots=True)
class IntRange:
    """Whole numbers from low to high, every step-th one, optionally on a log scale."""

    name: str
    low: int
    high: int
    step: int = 1
    log: bool = False

    def distribution(self) -> BaseDistribution:
        """Return the range as Optuna's distribution."""
        return IntDistribution(self.low, self.high, log=self.log, step=self.step)

    def suggest(self, trial: optuna.Trial) -> int:
        """Ask the trial for a value of the range."""
        return trial.suggest_int(self.name, self.low, self.high, step=self.step, log=self.log)

    def value(self, raw: Any) -> int:
        """Return the profile's value for a value Optuna proposed."""
        return int(raw)

    def describe(self) -> dict[str, Any]:
        """Return the range as result.json lists it."""
        return {"name": self.name, "kind": "int", "low": self.low, "high": self.high,
                "step": self.step, "log": self.log}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DecimalRange:
    """Decimals from low to high, on a grid of `step` or continuous, optionally on a log scale."""

    name: str
    low: Decimal
    high: Decimal
    step: Decimal | None = None
    log: bool = False

    def distribution(self) -> BaseDistribution:
        """Return the range as Optuna's distribution."""
        step = None if self.step is None else float(self.step)
        return FloatDistribution(float(self.low), float(self.high), log=self.log, step=step)

    def suggest(self, trial: optuna.Trial) -> float:
        """Ask the trial for a value of the range."""
        step = None if self.step is None else float(self.step)
        return trial.suggest_float(
            self.name, float(self.low), float(self.high), step=step, log=self.log
        )

    def value(self, raw: Any) -> Decimal:
        """Return the profile's exact decimal for a float Optuna proposed."""
        proposed = Decimal(repr(float(raw)))
        if self.step is not None:
            # Optuna computes low + k * step in floats; k is what it meant.
            steps = ((proposed - self.low) / self.step).to_integral_value()
            exact = self.low + steps * self.step
        elif proposed == 0:
            exact = proposed
        else:
            digits = Decimal(1).scaleb(proposed.adjusted() - SIGNIFICANT_DIGITS + 1)
            exact = proposed.quantize(digits)
        return _tidy(min(max(exact, self.low), self.high))

    def describe(self) -> dict[str, Any]:
        """Return the range as result.json lists it, bounds as exact decimal strings."""
        return {"name": self.name, "kind": "decimal", "low": str(self.low),
                "high": str(self.high), "step": None if self.step is None else str(self.step),
                "log": self.log}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Choices:
    """One of a list of values."""

    name: str
    options: tuple[Option, ...]  # as the space file wrote them: what Optuna chooses among
    values: tuple[Any, ...]  # the profile's value for each option

    def distribution(self) -> BaseDistribution:
        """Return the choices as Optuna's distribution."""
        return CategoricalDistribution(self.options)

    def suggest(self, trial: optuna.Trial) -> Any:
        """Ask the trial to choose one of the options."""
        return trial.suggest_categorical(self.name, self.options)

    def value(self, raw: Any) -> Any:
        """Return the profile's value for the option Optuna chose."""
        return self.values[self.options.index(raw)]

    def describe(self) -> dict[str, Any]:
        """Return the choices as result.json lists them."""
        return {"name": self.name, "kind": "choice", "choices": [_plain(v) for v in self.values]}


Parameter = IntRange | DecimalRange | Choices


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """The parameters an optimisation varies, in the order the space file lists them."""

    parameters: tuple[Parameter, ...]
    source: str  # the file, or which agent's default space

    def distributions(self) -> dict[str, BaseDistribution]:
        """Return each parameter's distribution, by name."""
        return {p.name: p.distribution() for p in self.parameters}

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Ask the trial for a value of every parameter; return them as Optuna stores them."""
        return {p.name: p.suggest(trial) for p in self.parameters}

    def values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Return the profile's values for parameters as Optuna stores them."""
        return {p.name: p.value(raw[p.name]) for p in self.parameters}

    def describe(self) -> list[dict[str, Any]]:
        """Return the parameters as result.json lists them."""
        return [p.describe() for p in self.parameters]


def _tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros (2.50 is 2.5) but keep whole numbers plain (10, not 1E+1)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return parameter values for JSON: decimals as exact strings, the rest as they are."""
    return {name: _plain(value) for name, value in values.items()}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def apply_parameters(profile: AgentProfile, values: Mapping[str, Any]) -> AgentProfile:
    """Return the profile with the parameters set, checked by the profile's own validation."""
    data = profile.model_dump()
    for name, value in values.items():
        section, field = name.split(".", 1)
        data[section][field] = value
    try:
        return AgentProfile.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'profile'}: {item['msg']}"
            for item in error.errors()
        )
        raise ParameterError(problems) from error


def load_space(path: Path | None, agent: str) -> SearchSpace:
    """Read the space file at `path`, or the agent's default space when there is none."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise SearchSpaceError(f"--space {path}: cannot be read ({error.strerror})") from None
        return parse_space(text, str(path))
    default = shipped("config", "data", "spaces", f"{agent}.yaml")
    if not default.is_file():
        raise SearchSpaceError(
            f"{agent} has no default search space (the house agents have): give --space FILE"
        )
    return parse_space(default.read_text(encoding="utf-8"), f"the default space of {agent}")


def parse_space(text: str, where: str) -> SearchSpace:
    """Parse a space file's text, or raise SearchSpaceError saying what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SearchSpaceError(f"{where}: not valid YAML ({error})") from None
    if not isinstance(data, Mapping):
        raise SearchSpaceError(f"{where}: expected sections strategy: and risk: at the top")
    parameters: list[Parameter] = []
    for section, entries in data.items():
        model = SECTIONS.get(str(section))
        if model is None:
            raise SearchSpaceError(
                f"{where}: unknown section {section!r}; a space holds {' and '.join(SECTIONS)}"
            )
        if not isinstance(entries, Mapping):
            raise SearchSpaceError(f"{where}: {section} must map parameters to their ranges")
        for field, spec in entries.items():
            name = f"{section}.{field}"
            if field not in model.model_fields:
                known = ", ".join(model.model_fields)
                raise SearchSpaceError(
                    f"{where}: unknown parameter {name}; the {section} parameters are {known}"
                )
            parameters.append(_parameter(model, str(field), name, spec, f"{where}: {name}"))
    if not parameters:
        raise SearchSpaceError(f"{where}: the space names no parameter to search")
    return SearchSpace(tuple(parameters), where)


def _parameter(model: type[BaseModel], field: str, name: str, spec: Any, where: str) -> Parameter:
    info = model.model_fields[field]
    # The field alone, with its own type and limits, but none of the checks across fields.
    field_type: Any = info.annotation
    alone = create_model(f"{model.__name__}_{field}", value=(field_type, info))
    kind = "int" if info.annotation is int else "decimal" if info.annotation is Decimal else None
    if isinstance(spec, list):
        spec = {"choices": spec}
    if not isinstance(spec, Mapping):
        raise SearchSpaceError(
            f"{where}: expected {{low: .., high: ..}} or {{choices: [..]}}, not {spec!r}"
        )
    if "choices" in spec:
        return _choices(alone, kind, name, spec, where)
    unknown = sorted(set(map(str, spec)) - _RANGE_KEYS)
    if unknown:
        raise SearchSpaceError(
            f"{where}: unknown key {unknown[0]!r}; a range has low, high and optionally step"
            " and log, a list has choices"
        )
    if kind is None:
        raise SearchSpaceError(
            f"{where}: takes choices only ({{choices: [..]}}), not a range: it is not a number"
        )
    if "low" not in spec or "high" not in spec:
        raise SearchSpaceError(f"{where}: a range needs both low and high")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise SearchSpaceError(f"{where}: log must be true or false, not {log!r}")
    parameter: Parameter
    if kind == "int":
        step = _whole(spec.get("step", 1), "step", where)
        low, high = _whole(spec["low"], "low", where), _whole(spec["high"], "high", where)
        _check_range(low, high, step, log, where)
        parameter = IntRange(name, low, high, step, log)
    else:
        step_text = spec.get("step")
        exact_step = None if step_text is None else _decimal(step_text, "step", where)
        exact_low, exact_high = (
            _decimal(spec["low"], "low", where),
            _decimal(spec["high"], "high", where),
        )
        _check_range(exact_low, exact_high, exact_step, log, where)
        parameter = DecimalRange(name, exact_low, exact_high, exact_step, log)
    for label, bound in (("low", parameter.low), ("high", parameter.high)):
        _field_value(alone, bound, f"{where}: {label} {bound}")
    return parameter


def _choices(
    alone: type[BaseModel], kind: str | None, name: str, spec: Mapping[str, Any], where: str
) -> Choices:
    if len(spec) != 1:
        raise SearchSpaceError(f"{where}: choices stand alone, without low, high, step or log")
    options = spec["choices"]
    if not isinstance(options, list) or not options:
        raise SearchSpaceError(f"{where}: choices must be a list of at least one value")
    values = []
    for option in options:
        if not isinstance(option, str | int | float):
            raise SearchSpaceError(f"{where}: choice {option!r} is not a number, word or boolean")
        value = _decimal(option, "choice", where) if kind == "decimal" else option
        values.append(_field_value(alone, value, f"{where}: choice {option!r}"))
    if len(set(map(repr, values))) != len(values):
        raise SearchSpaceError(f"{where}: a choice is listed twice")
    return Choices(name, tuple(options), tuple(values))


def _check_range(
    low: int | Decimal, high: int | Decimal, step: int | Decimal | None, log: bool, where: str
) -> None:
    if low >= high:
        raise SearchSpaceError(f"{where}: low {low} is not below high {high}")
    if step is not None and step <= 0:
        raise SearchSpaceError(f"{where}: step {step} must be above zero")
    if step is not None and (high - low) % step:
        raise SearchSpaceError(f"{where}: {low} to {high} is not a whole number of steps of {step}")
    if log and low <= 0:
        raise SearchSpaceError(f"{where}: a log scale needs low above zero, not {low}")
    # Optuna steps a log-scale range of whole numbers by one, and a decimal one not at all.
    if log and step is not None and not (isinstance(step, int) and step == 1):
        raise SearchSpaceError(f"{where}: a log scale takes no step")


def _field_value(alone: type[BaseModel], value: Any, where: str) -> Any:
    """Return the value as the field holds it, or raise naming the field's limit it breaks."""
    try:
        return alone.model_validate({"value": value}).model_dump()["value"]
    except ValidationError as error:
        raise SearchSpaceError(f"{where}: {error.errors()[0]['msg']}") from None


def _whole(value: Any, label: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SearchSpaceError(f"{where}: {label} must be a whole number, not {value!r}")
    return value


def _decimal(value: Any, label: str, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SearchSpaceError(f"{where}: {label} must be a number, not {value!r}")
    try:
        # repr: a YAML float such as 0.001 becomes the decimal it was written as.
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise SearchSpaceError(f"{where}: {label} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise SearchSpaceError(f"{where}: {label} must be a finite number, not {value!r}")
    return number
