"""No look-ahead: a decision sees only closed candles, and an order fills no earlier than the
next price after it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.support.backtests import agent, backtest, paper, real_series
from trading_agents.agents.state import DecisionRecord
from trading_agents.market.series import CandleSeries
from trading_agents.model.enums import OrderStatus
from trading_agents.model.orders import OrderFilled, OrderPartiallyFilled

START, HOURS = "2025-05-06T00:00:00Z", 24
SPIKE_AT = 700  # the candle whose future is planted


def _with_spike(series: CandleSeries, at: int) -> CandleSeries:
    """Return the series with a 30 % spike planted at candle `at` and everything after it."""
    factor = np.ones(len(series))
    factor[at:] = 1.3
    high = series.high * factor
    high[at] = series.high[at] * 1.6
    rounded = {
        name: np.round(getattr(series, name) * factor, 1) for name in ("open", "low", "close")
    }
    return replace(series, high=np.round(high, 1), **rounded)


def _before(records: list[DecisionRecord], ts_ms: int) -> list[DecisionRecord]:
    return [record for record in records if record.ts_ms < ts_ms]


@pytest.mark.parametrize("mode", ["backtest", "paper"])
async def test_a_planted_future_spike_changes_no_decision_taken_before_it(mode: str) -> None:
    profile = agent("nova")
    honest = real_series(["BTCUSDT"], START, HOURS)
    planted = {"BTCUSDT": _with_spike(honest["BTCUSDT"], SPIKE_AT)}
    spike_closes = int(honest["BTCUSDT"].close_ms[SPIKE_AT])
    run = backtest if mode == "backtest" else paper

    before = (await run(profile, honest)).decisions.records  # type: ignore[attr-defined]
    after = (await run(profile, planted)).decisions.records  # type: ignore[attr-defined]

    assert len(_before(before, spike_closes)) > 20
    assert _before(after, spike_closes) == _before(before, spike_closes)
    # The spike is there to be seen once it has closed: the runs part ways from then on.
    assert after != before


async def test_an_order_fills_no_earlier_than_the_open_after_its_decision() -> None:
    series = real_series(["BTCUSDT", "ETHUSDT"], START, HOURS)
    run = await backtest(agent("nova"), series, keep_orders=True)
    opens = {
        (symbol, int(s.open_ms[i])): s.candle(i).open
        for symbol, s in series.items()
        for i in range(len(s))
    }
    checked = 0

    for record in run.decisions.records:
        for outcome in record.orders:
            if outcome.role not in ("entry", "close") or outcome.error is not None:
                continue
            order = run.venue.exchange.order(outcome.client_order_id)
            fills = [e for e in order.events if isinstance(e, OrderFilled | OrderPartiallyFilled)]
            if not fills:
                # Sized to the last free margin, it can find too little at the next price.
                assert order.status is OrderStatus.EXPIRED, order.events
                continue
            first = fills[0]
            assert first.ts_ms >= record.ts_ms
            # A market order decided at a close trades at the open that follows it, no sooner.
            assert first.ts_ms == record.ts_ms
            assert first.price == opens[(outcome.symbol, record.ts_ms)]
            checked += 1

    assert checked > 20
