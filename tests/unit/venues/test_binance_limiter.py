"""The limiter waits before a request that would pass our share of Binance's limits."""

from __future__ import annotations

from trading_agents.core.clock import SimulatedClock
from trading_agents.venues.binance.limiter import IpWeight, RateLimits, WeightLimiter

MINUTE_START = "2025-06-01T00:00:00Z"


def limiter(at_ms: int = 0) -> tuple[WeightLimiter, SimulatedClock]:
    """Return a limiter with Binance's limits, 80 % ours, and its clock `at_ms` into a minute."""
    clock = SimulatedClock(MINUTE_START)
    clock.advance_to(clock.now_ms() + at_ms)
    return WeightLimiter(clock, RateLimits()), clock


def test_a_request_within_the_weight_share_goes_at_once() -> None:
    weights, _ = limiter(at_ms=20_000)
    weights.observe({"X-MBX-USED-WEIGHT-1M": "1000"})

    assert weights.delay_ms(weight=5, places_order=False) == 0


def test_a_request_past_the_weight_share_waits_for_the_next_minute() -> None:
    weights, _ = limiter(at_ms=20_000)
    weights.observe({"X-MBX-USED-WEIGHT-1M": "1900"})  # 80 % of 2,400 is 1,920

    assert weights.delay_ms(weight=30, places_order=False) == 40_000


def test_an_order_past_the_ten_second_share_waits_for_the_window_to_turn() -> None:
    weights, _ = limiter(at_ms=3_000)
    weights.observe({"x-mbx-order-count-10s": "240", "x-mbx-order-count-1m": "240"})

    assert weights.delay_ms(weight=0, places_order=True) == 7_000
    assert weights.delay_ms(weight=0, places_order=False) == 0  # reads are not orders


def test_a_count_from_an_earlier_window_is_forgotten() -> None:
    weights, clock = limiter(at_ms=50_000)
    weights.observe({"X-MBX-USED-WEIGHT-1M": "2399"})
    clock.advance_to(clock.now_ms() + 15_000)  # the next minute

    assert weights.delay_ms(weight=10, places_order=False) == 0


def test_unreadable_headers_change_nothing() -> None:
    weights, _ = limiter()
    weights.observe({"X-MBX-USED-WEIGHT-1M": "lots"})

    assert weights.used_weight == 0


def test_key_sets_on_one_ip_share_its_weight_but_count_their_orders_apart() -> None:
    clock = SimulatedClock(MINUTE_START)
    clock.advance_to(clock.now_ms() + 20_000)
    ip = IpWeight()
    first, second = WeightLimiter(clock, ip=ip), WeightLimiter(clock, ip=ip)
    first.observe({"X-MBX-USED-WEIGHT-1M": "1900", "x-mbx-order-count-10s": "240"})

    assert second.delay_ms(weight=30, places_order=False) == 40_000  # the IP's minute is used
    assert second.delay_ms(weight=0, places_order=True) == 0  # its own account's orders are not
    assert first.delay_ms(weight=0, places_order=True) > 0


async def test_a_request_on_its_way_counts_for_the_other_key_sets_before_its_answer() -> None:
    clock = SimulatedClock(MINUTE_START)
    clock.advance_to(clock.now_ms() + 20_000)
    ip = IpWeight()
    first, second = WeightLimiter(clock, ip=ip), WeightLimiter(clock, ip=ip)
    first.observe({"X-MBX-USED-WEIGHT-1M": "1800"})

    await first.wait(weight=100)  # no answer yet: the exchange's tally has not said

    assert second.delay_ms(weight=30, places_order=False) == 40_000
