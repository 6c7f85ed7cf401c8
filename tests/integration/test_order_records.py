"""The account's order cache, moved only by reports, holds what each venue holds.

On paper the simulated exchange keeps its own orders; at Binance (the fake) the exchange
does. After trading real candles, every order of the account must have the status, the
fills and the venue id the venue itself gives it, and no report may have contradicted the
record.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tests.support.backtests import agent, backtest, paper, real_series
from tests.support.binance_runs import run_at_fake_binance
from trading_agents.model.enums import OrderStatus
from trading_agents.model.orders import Order
from trading_agents.venues.binance.wire import ALGO_STATUSES, ORDER_STATUSES

SYMBOLS = ["BTCUSDT", "ETHUSDT"]


async def test_on_paper_the_cache_holds_every_order_as_the_simulated_exchange_does() -> None:
    profile = agent("nova")
    run = await paper(profile, real_series(SYMBOLS, "2025-05-06T00:00:00Z", 36))
    cache, exchange = run.account.orders, run.venue.exchange

    taken = exchange.orders()
    assert len(taken) >= 10, "too few orders to prove anything"
    assert cache.unexplained == 0
    for order in taken:
        mine = cache.get(order.client_order_id)
        assert mine is not None, order.client_order_id
        assert (mine.intent, mine.status, mine.filled_quantity, mine.fees) == (
            order.intent,
            order.status,
            order.filled_quantity,
            order.fees,
        )
        assert mine.average_price == order.average_price
        assert cache.venue_order_id(order.client_order_id) == exchange.venue_order_id(
            order.client_order_id
        )
    # The only orders the exchange does not hold are exits it refused to place.
    held = {order.client_order_id for order in taken}
    assert all(
        order.status is OrderStatus.REJECTED
        for order in cache.orders()
        if order.client_order_id not in held
    )


async def test_a_backtest_keeps_only_the_open_orders_and_no_report_contradicts_them() -> None:
    profile = agent("nova")
    run = await backtest(profile, real_series(SYMBOLS, "2025-05-06T00:00:00Z", 36))
    cache, exchange = run.account.orders, run.venue.exchange

    def record(orders: Sequence[Order]) -> list[tuple[str, OrderStatus, Decimal]]:
        return [(o.client_order_id, o.status, o.filled_quantity) for o in orders]

    sent = [outcome for r in run.decisions.records for outcome in r.orders if not outcome.error]
    assert len(sent) >= 10, "too few orders to prove anything"
    assert cache.unexplained == 0
    assert record(cache.orders()) == record(exchange.open_orders())
    # Neither keeps an order once it ended: a backtest's result is its fills and trades.
    assert record(exchange.orders()) == record(exchange.open_orders())


async def test_at_binance_the_cache_holds_every_order_as_the_exchange_does() -> None:
    profile = agent("nova")
    series = real_series(["BTCUSDT"], "2025-05-06T00:00:00Z", 4)

    run = await run_at_fake_binance(profile, series, "BTCUSDT", Decimal(10_000))
    cache = run.account.orders

    assert len(run.orders) >= 3, "too few orders to prove anything"
    assert cache.unexplained == 0
    for order in run.orders:
        if order.client_order_id.startswith(("sl-", "tp-")):
            continue  # a triggered exit's own order: its fills are the exit's
        mine = cache.get(order.client_order_id)
        assert mine is not None, order.client_order_id
        assert (mine.status, mine.filled_quantity) == (
            ORDER_STATUSES[order.status],
            order.executed_qty,
        )
        assert cache.venue_order_id(order.client_order_id) == str(order.order_id)
    for algo in run.algo_orders:
        mine = cache.get(algo.client_algo_id)
        assert mine is not None, algo.client_algo_id
        if algo.status == "FINISHED":  # triggered, and the order it became traded
            assert mine.status is OrderStatus.FILLED
        else:
            assert mine.status is ALGO_STATUSES[algo.status], algo.client_algo_id
        assert cache.venue_order_id(algo.client_algo_id) == f"algo:{algo.algo_id}"
