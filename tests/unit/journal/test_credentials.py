"""An account's venue keys are sealed at rest, bound to their account, and never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from trading_agents.core.errors import ConfigurationError
from trading_agents.journal.credentials import Sealer, VenueKeys, credentials_key

KEY = b"0123456789abcdef0123456789abcdef"
KEYS = VenueKeys("apiKeyOfSubAccount1", "secretOfSubAccount1")


def test_sealed_keys_open_with_the_same_key_and_give_nothing_away() -> None:
    sealed = Sealer(KEY).seal("acc-1", "binance", KEYS)

    assert Sealer(KEY).open("acc-1", "binance", sealed) == KEYS
    assert KEYS.api_key not in sealed
    assert KEYS.api_secret not in sealed
    assert Sealer(KEY).seal("acc-1", "binance", KEYS) != sealed  # a fresh nonce each time


def test_another_key_cannot_open_them() -> None:
    sealed = Sealer(KEY).seal("acc-1", "binance", KEYS)

    with pytest.raises(ConfigurationError, match="not the key they were sealed with"):
        Sealer(b"another-key-another-key-another-key").open("acc-1", "binance", sealed)


def test_a_sealed_row_copied_onto_another_account_does_not_open() -> None:
    sealed = Sealer(KEY).seal("acc-1", "binance", KEYS)

    with pytest.raises(ConfigurationError):
        Sealer(KEY).open("acc-2", "binance", sealed)


def test_an_altered_row_does_not_open() -> None:
    sealed = Sealer(KEY).seal("acc-1", "binance", KEYS)
    flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]

    with pytest.raises(ConfigurationError):
        Sealer(KEY).open("acc-1", "binance", flipped)


def test_keys_show_only_their_fingerprint_when_printed() -> None:
    shown = f"{KEYS!r} {[KEYS]}"

    assert KEYS.api_key not in shown
    assert KEYS.api_secret not in shown
    assert "fingerprint=" in shown


def test_the_sealing_key_comes_from_the_setting_or_its_file(tmp_path: Path) -> None:
    file = tmp_path / "credentials.key"
    file.write_text("f" * 40 + "\n")

    assert credentials_key(" " + "k" * 32 + " ", None) == b"k" * 32
    assert credentials_key(None, file) == b"f" * 40
    assert credentials_key(None, None) is None
    with pytest.raises(ConfigurationError, match="too short"):
        credentials_key("short", None)
    with pytest.raises(ConfigurationError, match="cannot be read"):
        credentials_key(None, tmp_path / "missing.key")
