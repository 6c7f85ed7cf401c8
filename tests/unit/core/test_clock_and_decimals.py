"""The simulated clock only moves forward; decimals round to the step and tick exactly."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

import pytest

from trading_agents.core.clock import (
    LiveClock,
    SimulatedClock,
    iso_utc,
    to_datetime,
    to_ms,
    utc_day_start,
)
from trading_agents.core.decimals import (
    ceil_to_tick,
    floor_to_tick,
    round_down_to_step,
    to_decimal,
)
from trading_agents.core.ids import client_order_id


def test_simulated_clock_moves_forward_only() -> None:
    clock = SimulatedClock("2025-06-05T12:00:00Z")

    clock.advance_by(60_000)

    assert to_datetime(clock.now_ms()).isoformat() == "2025-06-05T12:01:00+00:00"
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to("2025-06-05T11:00:00Z")


@pytest.mark.parametrize(
    "ms",
    [
        0,
        999,
        1_746_372_780_000,  # a candle's open
        1_746_372_780_999,  # a millisecond before the next second: still that second
        1_704_067_199_999,  # the last millisecond of 2023
        -1,  # before 1970: the datetime path
        -62_135_596_800_000,  # 0001-01-01
        253_402_300_799_999,  # the last millisecond a datetime holds
    ],
)
def test_iso_utc_is_the_second_the_datetime_shows(ms: int) -> None:
    assert iso_utc(ms) == to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_iso_utc_writes_seconds_with_a_z() -> None:
    assert iso_utc(1_746_372_780_123) == "2025-05-04T15:33:00Z"


def test_live_clock_reads_milliseconds() -> None:
    assert LiveClock().now_ms() > to_ms("2025-01-01T00:00:00Z")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        to_ms(datetime(2025, 1, 1))  # noqa: DTZ001


def test_utc_day_start() -> None:
    assert utc_day_start(to_ms("2025-06-05T23:59:59Z")) == to_ms("2025-06-05T00:00:00Z")


def test_rounding_to_step_and_tick_is_exact() -> None:
    assert round_down_to_step(Decimal("0.12345"), Decimal("0.001")) == Decimal("0.123")
    assert floor_to_tick(Decimal("100.07"), Decimal("0.1")) == Decimal("100.0")
    assert ceil_to_tick(Decimal("100.01"), Decimal("0.1")) == Decimal("100.1")


def test_floats_are_refused_as_money() -> None:
    with pytest.raises(TypeError, match="inexact"):
        to_decimal(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a decimal"):
        to_decimal("abc")


def test_client_order_ids_are_deterministic_and_fit_binance() -> None:
    first = client_order_id("atlas", "acct-1", "BTCUSDT", 1749124800000, "entry")

    assert first == client_order_id("atlas", "acct-1", "BTCUSDT", 1749124800000, "entry")
    assert first != client_order_id("atlas", "acct-1", "BTCUSDT", 1749124800000, "exit")
    assert len(first) <= 36


def test_a_client_order_id_stays_what_earlier_versions_derived() -> None:
    # An order sent before an upgrade is found again after it by the id derived anew.
    facts = ("atlas", "acct-1", 42, "BTCUSDT", "entry")
    assert client_order_id("ta", *facts) == "ta-9ef0032d62d557e7af27fe19072fee48d"
    assert client_order_id("x" * 40, "y") == "x" * 36


@pytest.mark.parametrize("length", [0, 1, 55, 56, 64, 200])
def test_client_order_ids_hash_as_openssl_does_at_any_length(length: int) -> None:
    # The ids use CPython's own SHA-256 where it has one: the digest must be OpenSSL's.
    text = "ta|" + "7" * length
    expected = ("ta-" + hashlib.sha256(text.encode()).hexdigest())[:36]
    assert client_order_id("ta", "ta", "7" * length) == expected
