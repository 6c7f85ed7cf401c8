"""Parity: the same candles through paper mode and through a backtest give the same trades.

Paper mode replays every candle through the kernel one by one, with live indicators and
LangGraph's runtime; the backtest computes indicators in advance, skips the candles where
nothing can happen and walks the graph with the direct runner.
"""

from __future__ import annotations

import pytest

from tests.support.backtests import agent, backtest, paper, real_series
from tests.support.market_data import funding_rates
from trading_agents.venues.sim.config import FundingSchedule

FUNDING = FundingSchedule(
    history={symbol: funding_rates(symbol) for symbol in ("BTCUSDT", "ETHUSDT")}
)


@pytest.mark.parametrize(
    ("name", "strategy", "start", "hours"),
    [
        ("nova", None, "2025-05-06T00:00:00Z", 36),
        ("atlas", None, "2025-05-05T00:00:00Z", 24 * 6),
        ("atlas", "reference", "2025-05-10T00:00:00Z", 24),
    ],
    ids=["nova 1m", "atlas 15m", "reference"],
)
async def test_paper_replay_and_backtest_make_identical_trades_on_real_data(
    name: str, strategy: str | None, start: str, hours: int
) -> None:
    profile = agent(name, strategy)
    symbols = ["BTCUSDT", "ETHUSDT"] if strategy is None else ["BTCUSDT"]
    series = real_series(symbols, start, hours)
    equity = str(profile.initial_equity)

    backtested = await backtest(profile, series, equity=equity, funding=FUNDING)
    papered = await paper(profile, series, equity=equity, funding=FUNDING)

    trades = list(backtested.account.portfolio.trades)
    assert len(trades) >= 3, "too few trades to prove anything: choose a livelier window"
    assert trades == list(papered.account.portfolio.trades)
    assert list(backtested.account.portfolio.equity_curve) == list(
        papered.account.portfolio.equity_curve
    )
    assert backtested.decisions.records == papered.decisions.records  # type: ignore[attr-defined]
    assert backtested.steps < backtested.candles // len(symbols)  # candles were skipped
    assert papered.candles == backtested.candles
