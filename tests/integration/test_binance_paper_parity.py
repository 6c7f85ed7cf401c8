"""One agent, two venues: paper trading and Binance (the fake) decide and hold the same.

The same real candles drive both. Paper mode fills a decision's market orders at the next
candle's open; at the fake Binance the market trades at that open when the decision is
sent, and moves through each candle's low and high as the simulated venue assumes, so
stops trigger at the same prices. The decisions, the risk verdicts, the round trips and the
final positions must then be equal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from tests.support.backtests import agent, paper, real_series
from tests.support.binance_venue import binance_venue
from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionList
from trading_agents.core.clock import SimulatedClock
from trading_agents.core.decimals import ZERO
from trading_agents.engine.assembly import binance_account
from trading_agents.engine.kernel import Kernel
from trading_agents.market.candles import Candle
from trading_agents.market.view import LiveMarket
from trading_agents.portfolio.trades import RoundTrip
from trading_agents.venues.binance.venue import BinanceVenue

START = "2025-05-06T00:00:00Z"
HOURS = 4
SYMBOL = "BTCUSDT"
EQUITY = Decimal(10_000)


def _path(candle: Candle, held: Decimal) -> tuple[Decimal, ...]:
    """Return the prices a candle passes through, in the simulated venue's order."""
    low_first = held > ZERO or (held == ZERO and candle.close >= candle.open)
    first, second = (candle.low, candle.high) if low_first else (candle.high, candle.low)
    return (first, second, candle.close)


def _untimed(trips: Sequence[RoundTrip]) -> list[RoundTrip]:
    return [replace(trip, trade_id="", opened_ms=0, closed_ms=0) for trip in trips]


async def _caught_up(venue: BinanceVenue, fake: FakeBinanceFutures) -> None:
    """Wait until the venue has heard of every trade the fake made on the account."""
    deadline = asyncio.get_running_loop().time() + 5.0
    while venue.book.trades_heard < fake.trade_count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the user stream did not deliver every trade")
        await asyncio.sleep(0.005)


async def test_an_agent_decides_and_holds_the_same_on_paper_and_at_binance() -> None:
    profile = agent("nova")
    series = real_series([SYMBOL], START, HOURS)
    candles = [series[SYMBOL].candle(i) for i in range(len(series[SYMBOL]))]
    on_paper = await paper(profile, series, equity=str(EQUITY))

    clock = SimulatedClock(candles[0].open_ms)
    decisions = DecisionList(keep=10_000)
    market = LiveMarket(indicator_spec(profile.strategy), clock, (SYMBOL,), profile.timeframe_ms)
    async with FakeBinanceFutures(wallet=EQUITY) as fake:
        fake.set_price(SYMBOL, candles[0].open)
        async with binance_venue(fake) as venue:
            parts = await binance_account(
                profile=profile,
                account_id="backtest",  # order ids derive from it, as on paper
                symbols=(SYMBOL,),
                clock=clock,
                venue=venue,
                market=market,
                sink=decisions,
                runtime="langgraph",
                take_candle=market.on_candle,
            )
            account = parts.account
            kernel = Kernel(clock, [account])
            for index, candle in enumerate(candles):
                held = account.portfolio.ledger.position(SYMBOL).quantity
                for price in _path(candle, held):
                    fake.set_price(SYMBOL, price)
                if index + 1 < len(candles):  # decisions at this close fill at the next open
                    fake.set_price(SYMBOL, candles[index + 1].open)
                await _caught_up(venue, fake)
                await kernel.step(candle.close_ms, [candle])
                await _caught_up(venue, fake)
                account.settle(kernel.marks)
            at_binance = fake.position(SYMBOL)[0]

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
