"""Properties of the clock's conversions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trading_agents.core.clock import iso_utc, to_datetime

# From 0001-01-01 to the last millisecond of 9999, every moment a datetime can hold.
MOMENTS_MS = st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999)


@given(MOMENTS_MS)
def test_iso_utc_shows_the_second_of_the_datetime(ms: int) -> None:
    assert iso_utc(ms) == to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%SZ")
