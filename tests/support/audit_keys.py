"""The audit key a service started from the repository uses: its ./var/audit.key."""

from __future__ import annotations

from trading_agents.journal.keys import audit_key


def service_audit_key() -> bytes:
    """Return the key the service uses when neither AUDIT_KEY nor AUDIT_KEY_FILE is set."""
    return audit_key(None, None, create=True)
