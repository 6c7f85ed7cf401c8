"""Measure risk checks per second on one core, over a mix of entries, exits and denials.

The engine has Atlas-like limits and the shipped instruments. The clock moves 15 s at each
reading, one a check, so that the order-rate throttle slides without refusing every entry.
Three checks in four are entries (market and limit, sized by the stop or asked for a size,
half with a take profit, a few denied late for their confidence), one in four a reduce-only
exit.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import to_ms
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.risk import Approved, RiskEngine, RiskLimits

CHECKS = 200_000
STEP_MS = 15_000


class TickingClock:
    """A clock that moves on by a fixed step each time it is read."""

    __slots__ = ("_now_ms", "_step_ms")

    def __init__(self, start_ms: int, step_ms: int) -> None:
        self._now_ms = start_ms
        self._step_ms = step_ms

    def now_ms(self) -> int:
        """Return the time after one more step."""
        self._now_ms += self._step_ms
        return self._now_ms


def atlas_limits() -> RiskLimits:
    """Return conservative limits like Atlas's."""
    return RiskLimits(
        max_leverage=3,
        risk_per_trade=Decimal("0.005"),
        max_position_notional=Decimal("1.0"),
        max_total_exposure=Decimal("2.0"),
        max_open_positions=3,
        allowed_symbols=frozenset({"BTCUSDT", "ETHUSDT", "SOLUSDT"}),
        min_confidence=Decimal("0.6"),
        daily_loss_limit=Decimal("0.02"),
        max_drawdown=Decimal("0.10"),
        max_orders_per_minute=6,
        circuit_breaker_failures=3,
    )


def requests(count: int) -> list[OrderRequest]:
    """Return a varied cycle of requests around BTC at 100,000 and ETH at 2,500."""
    made: list[OrderRequest] = []
    for i in range(count):
        btc = i % 2 == 0
        symbol, mark = ("BTCUSDT", Decimal("100000")) if btc else ("ETHUSDT", Decimal("2500"))
        side = Side.BUY if btc else Side.SELL
        sign = side.sign
        if i % 4 == 3:
            exit_side = Side.SELL if btc else Side.BUY
            size = None if i % 8 == 3 else Decimal("0.005")
            made.append(OrderRequest(f"x-{i}", symbol, exit_side, quantity=size, reduce_only=True))
            continue
        distance = mark * Decimal(10 + i % 30) / 1000
        limit = i % 3 == 0
        price = (mark - sign * mark * Decimal(i % 7) / 1000) if limit else None
        made.append(
            OrderRequest(
                client_order_id=f"e-{i}",
                symbol=symbol,
                side=side,
                order_type=OrderType.LIMIT if limit else OrderType.MARKET,
                quantity=Decimal("0.5") if i % 5 == 0 else None,
                price=price,
                stop_loss=mark - sign * distance,
                take_profit=(mark + 2 * sign * distance) if i % 2 else None,
                leverage=1 + i % 3,
                confidence=Decimal("0.5") if i % 23 == 0 else Decimal("0.8"),
            )
        )
    return made


def run(checks: int = CHECKS) -> dict[str, object]:
    """Time `checks` risk checks and return the rate."""
    clock = TickingClock(to_ms("2025-06-05T00:00:00Z"), STEP_MS)
    engine = RiskEngine(atlas_limits(), default_instruments(), clock)
    account = AccountState(
        equity=Decimal("25000"),
        available_balance=Decimal("18000"),
        positions={"BTCUSDT": Decimal("0.040"), "ETHUSDT": Decimal("-1.200")},
        marks={"BTCUSDT": Decimal("100000"), "ETHUSDT": Decimal("2500"), "SOLUSDT": Decimal("150")},
    )
    cycle = requests(997)
    approved = 0
    check = engine.check
    started = time.perf_counter()
    for i in range(checks):
        if isinstance(check(cycle[i % 997], account), Approved):
            approved += 1
    seconds = time.perf_counter() - started
    per_second = round(checks / seconds)
    return {
        "benchmark": "risk_checks",
        "checks": checks,
        "approved": approved,
        "seconds": round(seconds, 3),
        "per_second": per_second,
        "figure": per_second,
        "unit": "checks/s",
    }


if __name__ == "__main__":
    print(json.dumps(run()))
