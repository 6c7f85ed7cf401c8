"""The profile an optimisation writes: the agent with its chosen parameters, as a new agent.

It goes where the service and the commands load agents from: the folder
TRADING_AGENTS_PROFILES_DIR names, or, when none is set, the run folder's `profiles/`
(set TRADING_AGENTS_PROFILES_DIR to it to use the agent). A file a person wrote is never
replaced; one an earlier optimisation wrote is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from trading_agents.config.profiles import (
    PROFILES_DIR_VARIABLE,
    AgentProfile,
    parse_profile,
    shipped_profiles,
)
from trading_agents.core.errors import ConfigurationError
from trading_agents.core.ids import AGENT_NAME_PATTERN

WRITTEN_MARK = "# Written by trading-agents optimize"


class _ProfileDumper(yaml.SafeDumper):
    """YAML with exact decimals written as plain numbers, which the profile loader reads back."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    if value == value.to_integral_value():
        return dumper.represent_scalar("tag:yaml.org,2002:int", format(value, "f").split(".")[0])
    text = format(value.normalize(), "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A mandate reads as the paragraph it is, as in the shipped profiles.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ProfileDumper.add_representer(Decimal, _decimal)
_ProfileDumper.add_representer(str, _text)


def profile_destination(name: str, out: Path) -> Path:
    """Return where profile `name` is to be written, or raise if it may not be written there."""
    if not re.fullmatch(AGENT_NAME_PATTERN, name):
        raise ConfigurationError(
            f"--write-profile {name!r}: an agent's name is lower case letters, digits, - and _,"
            " starting with a letter, at most 32 characters"
        )
    if name in shipped_profiles():
        raise ConfigurationError(
            f"--write-profile {name}: {name} is a house agent; choose a name of its own"
        )
    configured = os.environ.get(PROFILES_DIR_VARIABLE)
    folder = Path(configured).expanduser() if configured else out / "profiles"
    if configured and not folder.is_dir():
        raise ConfigurationError(f"{PROFILES_DIR_VARIABLE} names {folder}, which is not a folder")
    path = folder / f"{name}.yaml"
    if path.exists() and not _written_by_optimize(path):
        raise ConfigurationError(
            f"--write-profile {name}: {path} exists and was not written by optimize; choose"
            " another name"
        )
    return path


def _written_by_optimize(path: Path) -> bool:
    try:
        return path.read_text(encoding="utf-8").startswith(WRITTEN_MARK)
    except OSError:
        return False


def profile_text(profile: AgentProfile, notes: Sequence[str]) -> str:
    """Return the profile as a YAML file the profile loader reads back to the same profile."""
    data: dict[str, Any] = profile.model_dump(mode="python")
    data["symbols"] = list(profile.symbols)
    body = yaml.dump(data, Dumper=_ProfileDumper, sort_keys=False, allow_unicode=True)
    text = "\n".join([WRITTEN_MARK, *(f"# {line}" for line in notes), body])
    if parse_profile(text, profile.name) != profile:
        raise ValueError(f"the profile {profile.name} does not read back as written")
    return text


def write_profile(path: Path, text: str) -> None:
    """Write the profile file whole: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
