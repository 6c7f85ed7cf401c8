"""Measure simulated fills per second on one core: the fill path, and the whole order cycle.

Each of the FILLS market orders opens or closes a BTC position and trades on the next price.
`sim_fills` times only the exchange's processing of that price (matching, fee, ledger, order
state machine, execution report); `sim_order_cycles` also times the order's submission checks.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

from trading_agents.config.instruments import default_instruments
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import FillReport
from trading_agents.venues.sim.config import SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange

FILLS = 100_000


def run(fills: int = FILLS) -> list[dict[str, object]]:
    """Return the fill-path and order-cycle rates measured over `fills` orders."""
    exchange = SimExchange(default_instruments(), SimVenueConfig())
    exchange.ledger.deposit(Decimal("10000000"))
    start_ms = 1_749_124_800_000
    prices = [Decimal("100000.0") + Decimal(i % 200) / 10 for i in range(1000)]
    exchange.on_price("BTCUSDT", start_ms, prices[0])
    quantity = Decimal("0.010")
    intents = [
        OrderIntent(
            f"b-{i}", "BTCUSDT", Side.BUY if i % 2 == 0 else Side.SELL, OrderType.MARKET, quantity
        )
        for i in range(fills)
    ]
    made = 0
    in_fills = 0.0
    clock = time.perf_counter
    started = clock()
    for i, intent in enumerate(intents):
        ts = start_ms + (i + 1) * 1000
        exchange.submit(intent, ts)
        before = clock()
        exchange.on_price("BTCUSDT", ts, prices[i % 1000])
        in_fills += clock() - before
        made += sum(1 for r in exchange.drain_reports() if isinstance(r, FillReport))
    total = clock() - started
    if made != fills:
        raise RuntimeError(f"expected {fills} fills, saw {made}")
    return [
        {"benchmark": "sim_fills", "figure": round(made / in_fills), "unit": "fills/s"},
        {"benchmark": "sim_order_cycles", "figure": round(made / total), "unit": "submit+fill/s"},
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
