"""One agent, two venues: paper trading and Binance (the fake) decide and hold the same.

The same real candles drive both. Paper mode fills a decision's market orders at the next
candle's open; at the fake Binance the market trades at that open when the decision is
sent, and moves through each candle's low and high as the simulated venue assumes, so
stops trigger at the same prices. The decisions, the risk verdicts, the round trips and the
final positions must then be equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from tests.support.backtests import agent, paper, real_series
from tests.support.binance_runs import run_at_fake_binance
from trading_agents.portfolio.trades import RoundTrip

START = "2025-05-06T00:00:00Z"
HOURS = 4
SYMBOL = "BTCUSDT"
EQUITY = Decimal(10_000)


def _untimed(trips: Sequence[RoundTrip]) -> list[RoundTrip]:
    return [replace(trip, trade_id="", opened_ms=0, closed_ms=0) for trip in trips]


async def test_an_agent_decides_and_holds_the_same_on_paper_and_at_binance() -> None:
    profile = agent("nova")
    series = real_series([SYMBOL], START, HOURS)
    on_paper = await paper(profile, series, equity=str(EQUITY))

    at_fake = await run_at_fake_binance(profile, series, SYMBOL, EQUITY)
    account, decisions, at_binance = at_fake.account, at_fake.decisions, at_fake.held

    paper_records = on_paper.decisions.records  # type: ignore[attr-defined]
    binance_records = decisions.records
    assert len(paper_records) >= 3
    assert len(on_paper.account.portfolio.trades) >= 3
    assert [(r.sequence, r.symbol, r.decision, r.checks) for r in binance_records] == [
        (r.sequence, r.symbol, r.decision, r.checks) for r in paper_records
    ]
    # Binance stamps fills with its own clock, the paper venue with the candle's.
    assert _untimed(account.portfolio.trades) == _untimed(on_paper.account.portfolio.trades)
    paper_held = on_paper.account.portfolio.ledger.position(SYMBOL).quantity
    assert account.portfolio.ledger.position(SYMBOL).quantity == paper_held == at_binance
