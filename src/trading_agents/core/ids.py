"""Deterministic identifiers: the same inputs always give the same id."""

from __future__ import annotations

import hashlib

# Binance accepts client order ids of at most 36 characters from [.A-Z:/a-z0-9_-].
CLIENT_ORDER_ID_MAX_LENGTH = 36


def client_order_id(prefix: str, *parts: object) -> str:
    """Derive a client order id from a prefix and the facts that identify the intent."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    ident = f"{prefix}-{digest}"[:CLIENT_ORDER_ID_MAX_LENGTH]
    return ident
