"""A paper session on live data first warms its indicators up on past candles, trading none."""

from __future__ import annotations

from decimal import Decimal

from tests.support.backtests import agent, real_series
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, SimulatedClock, to_ms
from trading_agents.engine.paper import PaperSession
from trading_agents.market.feeds.replay import ReplayFeed
from trading_agents.venues.sim.config import SimVenueConfig

START = "2025-05-06T00:00:00Z"


async def test_candles_before_the_start_warm_the_indicators_and_trade_nothing() -> None:
    series = real_series(["BTCUSDT"], START, hours=6)
    trade_from = to_ms(START) + 3 * MS_PER_HOUR
    session = PaperSession(
        profile=agent("nova"),
        account_id="paper-1",
        symbols=["BTCUSDT"],
        clock=SimulatedClock(to_ms(START)),
        instruments=default_instruments(),
        venue_config=SimVenueConfig(),
        initial_equity=Decimal(10_000),
        trade_from_ms=trade_from,
    )

    await session.run(ReplayFeed(series))

    records = session.decisions.records  # type: ignore[attr-defined]
    assert (session.warmed, session.candles) == (3 * 60 - 1, 3 * 60 + 1)
    assert records
    assert min(record.ts_ms for record in records) >= trade_from
    # Warm from the first candle it trades on: no decision waits for the strategy's warm-up.
    assert not any("warming up" in record.decision.reasoning for record in records)
    assert session.market.snapshot("BTCUSDT").candles_seen == 6 * 60  # type: ignore[union-attr]
