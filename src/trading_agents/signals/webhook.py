"""The ML engine's webhook: an HMAC-SHA256 signature over the raw body, checked in constant time.

Without `X-ML-Timestamp` the signature is HMAC(secret, body). With it, the timestamp (epoch
seconds) is signed with the body, HMAC(secret, timestamp + "." + body), and a request outside
the replay window is refused whatever its signature.
"""

from __future__ import annotations

import hashlib
import hmac

from trading_agents.core.errors import TradingError


class WebhookRejected(TradingError):
    """A webhook request that is not provably the ML engine's; nothing of it is used."""


def sign(secret: bytes, body: bytes, timestamp: str | None = None) -> str:
    """Return the hex signature the engine sends for `body` (and `timestamp`, if any)."""
    message = body if timestamp is None else timestamp.encode() + b"." + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify(
    secret: bytes,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
    window_ms: int,
) -> None:
    """Raise WebhookRejected unless the signature is the body's (and the timestamp recent)."""
    if not signature:
        raise WebhookRejected("the X-ML-Signature header is missing")
    if timestamp is not None:
        try:
            sent_ms = int(timestamp) * 1000
        except ValueError:
            raise WebhookRejected("X-ML-Timestamp must be epoch seconds") from None
        if abs(now_ms - sent_ms) > window_ms:
            raise WebhookRejected(
                f"X-ML-Timestamp is {abs(now_ms - sent_ms) / 1000:.0f} s away from now, outside"
                f" the {window_ms / 1000:.0f} s window: a replayed or delayed request"
            )
    expected = sign(secret, body, timestamp)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookRejected("the signature does not match the body")
