"""Each rule a signal must pass, the webhook's signature, de-duplication, the engine's circuit."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from trading_agents.core.circuit import CoolingCircuit
from trading_agents.signals.dedupe import RecentSignals
from trading_agents.signals.validation import SignalRejected, signal_from
from trading_agents.signals.webhook import WebhookRejected, sign, verify

NOW_MS = 1_790_000_000_000
GOOD = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105_000.5}


def _check(payload: dict[str, Any], max_age_ms: int = 300_000) -> Any:
    return signal_from(
        payload,
        symbols=("BTCUSDT", "ETHUSDT"),
        agent="atlas",
        now_ms=NOW_MS,
        max_age_ms=max_age_ms,
        decided_at_ms=42,
        source="test",
    )


def test_a_good_signal_becomes_an_exact_signal() -> None:
    made = _check({**GOOD, "signal_id": "s-1", "timestamp": NOW_MS / 1000 - 5})

    assert (made.symbol, made.action, made.confidence, made.price) == (
        "BTCUSDT", "buy", Decimal("0.85"), Decimal("105000.5")
    )  # fmt: skip
    assert (made.signal_id, made.ts_ms, made.source) == ("s-1", 42, "test")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"symbol": "SOLUSDT"}, "atlas does not trade SOLUSDT"),
        ({"symbol": "btc usdt"}, "symbol must be a symbol"),
        ({"action": "short"}, "action must be buy, sell or hold"),
        ({"confidence": 1.2}, "confidence must be within 0..1"),
        ({"confidence": -0.1}, "confidence must be within 0..1"),
        ({"confidence": "NaN"}, "confidence must be a finite number"),
        ({"confidence": True}, "confidence must be a number"),
        ({"price": 0}, "price must be above zero"),
        ({"price": "cheap"}, "price must be a number"),
        ({"timestamp": NOW_MS / 1000 - 600}, "600 s old; signals older than 300 s"),
        ({"timestamp": NOW_MS - 301_000}, "301 s old"),
        ({"timestamp": "2026-01-01T00:00:00"}, "has no time zone"),
        ({"timestamp": NOW_MS / 1000 + 3600}, "3600 s in the future"),
        ({"signal_id": ""}, "signal_id must be a string of 1 to 64"),
    ],
)
def test_each_rule_refuses_with_its_reason(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(SignalRejected, match=reason):
        _check({**GOOD, **change})


def test_a_missing_field_is_refused_by_name() -> None:
    for field in ("symbol", "action", "confidence", "price"):
        with pytest.raises(SignalRejected, match=field):
            _check({k: v for k, v in GOOD.items() if k != field})


def test_a_timestamp_may_be_seconds_milliseconds_or_iso() -> None:
    for stamp in (NOW_MS / 1000 - 10, NOW_MS - 10_000, "2026-09-21T13:33:10Z"):
        assert _check({**GOOD, "timestamp": stamp}, max_age_ms=10**12).symbol == "BTCUSDT"


SECRET = b"s3cret"
BODY = json.dumps({"agent_name": "atlas", "signal": GOOD}).encode()


def test_the_signed_body_passes_and_any_change_fails() -> None:
    verify(SECRET, BODY, sign(SECRET, BODY), None, NOW_MS, 300_000)

    with pytest.raises(WebhookRejected, match="does not match"):
        verify(SECRET, BODY.replace(b"0.85", b"0.95"), sign(SECRET, BODY), None, NOW_MS, 300_000)
    with pytest.raises(WebhookRejected, match="does not match"):
        verify(SECRET, BODY, sign(b"other", BODY), None, NOW_MS, 300_000)
    with pytest.raises(WebhookRejected, match="missing"):
        verify(SECRET, BODY, None, None, NOW_MS, 300_000)


def test_a_signed_timestamp_limits_replays_to_the_window() -> None:
    now_s = NOW_MS // 1000
    fresh = str(now_s - 10)
    verify(SECRET, BODY, sign(SECRET, BODY, fresh), fresh, NOW_MS, 300_000)

    stale = str(now_s - 301)
    with pytest.raises(WebhookRejected, match="outside the 300 s window"):
        verify(SECRET, BODY, sign(SECRET, BODY, stale), stale, NOW_MS, 300_000)
    # A fresh timestamp put on an old signature: the signature covers the timestamp.
    with pytest.raises(WebhookRejected, match="does not match"):
        verify(SECRET, BODY, sign(SECRET, BODY, stale), fresh, NOW_MS, 300_000)


def test_a_key_is_taken_once_until_it_expires_or_is_forgotten() -> None:
    recent = RecentSignals(capacity=3, ttl_ms=1_000)

    assert recent.first_time("a", 0)
    assert not recent.first_time("a", 500)
    assert recent.first_time("a", 1_600)  # expired
    recent.forget("a")
    assert recent.first_time("a", 1_700)
    for key in ("b", "c", "d"):
        recent.first_time(key, 1_800)
    assert recent.first_time("a", 1_900)  # pushed out by capacity


def test_the_circuit_opens_after_failures_and_lets_one_try_after_cooling_off() -> None:
    now = [0.0]
    circuit = CoolingCircuit(3, 30.0, lambda: now[0])
    for _ in range(3):
        assert not circuit.is_open
        circuit.failed()
    assert circuit.is_open
    now[0] = 31.0
    assert not circuit.is_open  # a call may try
    circuit.failed()
    assert circuit.is_open  # and one more failure opens it again
    circuit.succeeded()
    assert not circuit.is_open
