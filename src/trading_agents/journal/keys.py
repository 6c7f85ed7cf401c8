"""The audit key: from the environment, a secret file, or made once under ./var/ and kept."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from trading_agents.core.errors import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_KEY_FILE = Path("var/audit.key")  # relative to where the service starts, as the journal
MIN_KEY_CHARACTERS = 16


def audit_key(key: str | None, key_file: Path | None, create: bool) -> bytes:
    """Return the audit key: `key` (AUDIT_KEY), else `key_file` (AUDIT_KEY_FILE), else the default.

    With `create`, a missing default file is made with a random key, readable by its owner
    only, and the log says so: keep it, `audit verify` needs it.
    """
    if key is not None:
        return _checked(key.strip(), "AUDIT_KEY")
    path = key_file or DEFAULT_KEY_FILE
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigurationError(f"the audit key file {path} cannot be read: {error}") from None
        return _checked(text, str(path))
    if key_file is not None or not create:
        raise ConfigurationError(
            f"no audit key: {path} does not exist; set AUDIT_KEY or AUDIT_KEY_FILE to the key"
            " the journal was written with"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(made + "\n")
    log.warning(
        "audit: generated a new audit key in %s (owner-only); keep it with the database:"
        " `trading-agents audit verify` needs it. Set AUDIT_KEY or AUDIT_KEY_FILE to use"
        " your own",
        path.resolve(),
    )
    return made.encode()


def _checked(key: str, where: str) -> bytes:
    if len(key) < MIN_KEY_CHARACTERS:
        raise ConfigurationError(
            f"the audit key in {where} is too short: at least {MIN_KEY_CHARACTERS} characters"
        )
    return key.encode()
