"""An account stored mid-run and restored goes on exactly as if it had never stopped."""

from __future__ import annotations

from decimal import Decimal

from tests.support.backtests import agent, real_series
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, SimulatedClock, to_ms
from trading_agents.engine.paper import PaperSession
from trading_agents.engine.restart import AccountHistory, restore_account, snapshot_account
from trading_agents.journal.codec import Codec
from trading_agents.market.feeds.replay import ReplayFeed
from trading_agents.market.series import CandleSeries
from trading_agents.service.stored_types import STORED_TYPES
from trading_agents.venues.sim.config import SimVenueConfig

START = "2025-05-06T00:00:00Z"
SYMBOLS = ["BTCUSDT", "ETHUSDT"]


def _session(start_ms: int) -> PaperSession:
    return PaperSession(
        profile=agent("nova"),
        account_id="acc-1",
        symbols=SYMBOLS,
        clock=SimulatedClock(start_ms),
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(10_000),
        runtime="direct",
    )


def _part(series: dict[str, CandleSeries], start_ms: int, end_ms: int) -> dict[str, CandleSeries]:
    return {symbol: one.between(start_ms, end_ms) for symbol, one in series.items()}


async def test_a_restored_account_trades_on_exactly_as_the_uninterrupted_one() -> None:
    start = to_ms(START)
    split = start + 30 * MS_PER_HOUR  # mid-run, on an hourly mark
    series = real_series(SYMBOLS, START, hours=60)
    whole = _session(start)
    await whole.run(ReplayFeed(series, SYMBOLS))

    first = _session(start)
    await first.run(ReplayFeed(series, SYMBOLS), until_ms=split)
    codec = Codec(STORED_TYPES, default_instruments())
    exchange = first.venue.exchange
    # Through JSON text, as the journal stores it.
    stored_snapshot = codec.dumps(snapshot_account(first.account, first.venue))
    stored_orders = [codec.dumps(order) for order in exchange.orders()]
    stored_trips = [codec.dumps(trip) for trip in first.account.portfolio.trades]
    venue_ids = {
        o.client_order_id: exchange.venue_order_id(o.client_order_id) for o in exchange.orders()
    }
    marks = list(first.account.portfolio.equity_curve)
    assert first.account.positions(), "pick a split with a position open, to restore it"
    assert exchange.open_orders(), "and with its stops resting"

    resumed = _session(split)
    for candle in ReplayFeed(_part(series, start, split), SYMBOLS).before(split):
        resumed.market.on_candle(candle)  # indicators warm up on the past, as the desk does
    history = AccountHistory(
        [codec.loads(text) for text in stored_orders],
        venue_ids,
        [codec.loads(text) for text in stored_trips],
        marks,
    )
    restore_account(resumed.account, resumed.venue, codec.loads(stored_snapshot), history)
    resumed.kernel.last_close_ms = split
    resumed.kernel.marks.update(first.kernel.marks)
    await resumed.run(ReplayFeed(_part(series, split, start + 60 * MS_PER_HOUR), SYMBOLS))

    assert len(whole.account.portfolio.trades) > len(first.account.portfolio.trades) > 0
    assert resumed.account.portfolio.trades == whole.account.portfolio.trades
    assert resumed.account.portfolio.ledger.totals() == whole.account.portfolio.ledger.totals()
    assert resumed.venue.exchange.ledger.totals() == whole.venue.exchange.ledger.totals()
    assert list(resumed.account.portfolio.equity_curve) == list(
        whole.account.portfolio.equity_curve
    )
    assert resumed.account.portfolio.metrics() == whole.account.portfolio.metrics()
    after_split = [r for r in whole.decisions.records if r.ts_ms > split]
    assert resumed.decisions.records == after_split
    assert [
        (o.client_order_id, o.status, o.filled_quantity) for o in resumed.venue.exchange.orders()
    ] == [(o.client_order_id, o.status, o.filled_quantity) for o in whole.venue.exchange.orders()]
    assert resumed.account.risk.snapshot() == whole.account.risk.snapshot()
