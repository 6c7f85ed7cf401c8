"""Test-wide settings: the Hypothesis profile, the shared data directory, the local LLM."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.market_data import SHARED_DIR

# "ci" searches ten times wider than "dev"; both keep random generation (a failure is
# reproduced from the printed blob), and neither has a deadline because CI machines stall.
settings.register_profile("ci", max_examples=2000, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=200, deadline=None)


def _profile_name() -> str:
    """Return HYPOTHESIS_PROFILE if set, else "ci" when CI is "true" or "1", else "dev"."""
    explicit = os.environ.get("HYPOTHESIS_PROFILE")
    if explicit:
        return explicit
    return "ci" if os.environ.get("CI", "").strip().lower() in {"true", "1"} else "dev"


settings.load_profile(_profile_name())


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Return the shared directory beside the repository (data, benchmarks, design)."""
    if not SHARED_DIR.is_dir():
        pytest.fail(
            f"shared directory {SHARED_DIR} does not exist: put ../shared beside the "
            f"repository or set TRADING_AGENTS_SHARED_DIR",
            pytrace=False,
        )
    return SHARED_DIR


@pytest.fixture(scope="session")
def real_llm_url() -> Iterator[str]:
    """Start the local llama-server with the real model once a run; skip when not installed."""
    from tests.support.llm_server import NotInstalled, local_llm_server

    try:
        with local_llm_server() as url:
            yield url
    except NotInstalled as missing:
        pytest.skip(str(missing))
