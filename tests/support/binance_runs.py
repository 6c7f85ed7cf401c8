"""Drive an agent over real candles at the fake Binance, the market moving as paper assumes.

Paper mode fills a decision's market orders at the next candle's open; at the fake Binance
the market trades at that open when the decision is sent, and moves through each candle's
low and high as the simulated venue assumes, so stops trigger at the same prices.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from tests.support.binance_venue import binance_venue
from tests.support.fake_binance_futures import FakeBinanceFutures
from tests.support.fake_binance_futures.wire import AlgoOrder, Order
from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.ports import DecisionList
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import SimulatedClock
from trading_agents.core.decimals import ZERO
from trading_agents.engine.account import AgentAccount
from trading_agents.engine.assembly import binance_account
from trading_agents.engine.kernel import Kernel
from trading_agents.market.candles import Candle
from trading_agents.market.series import CandleSeries
from trading_agents.market.view import LiveMarket
from trading_agents.venues.binance.venue import BinanceVenue


@dataclass(frozen=True)
class BinanceRun:
    """A finished run at the fake Binance: the account, its decisions, what the fake holds."""

    account: AgentAccount
    decisions: DecisionList
    held: Decimal  # the fake's position in the symbol at the end
    orders: list[Order]  # the fake's regular orders
    algo_orders: list[AlgoOrder]  # the fake's algo orders


def _path(candle: Candle, held: Decimal) -> tuple[Decimal, ...]:
    """Return the prices a candle passes through, in the simulated venue's order."""
    low_first = held > ZERO or (held == ZERO and candle.close >= candle.open)
    first, second = (candle.low, candle.high) if low_first else (candle.high, candle.low)
    return (first, second, candle.close)


async def _caught_up(venue: BinanceVenue, fake: FakeBinanceFutures) -> None:
    """Wait until the venue has heard of every trade the fake made on the account."""
    deadline = asyncio.get_running_loop().time() + 5.0
    while venue.book.trades_heard < fake.trade_count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the user stream did not deliver every trade")
        await asyncio.sleep(0.005)


async def run_at_fake_binance(
    profile: AgentProfile, series: Mapping[str, CandleSeries], symbol: str, equity: Decimal
) -> BinanceRun:
    """Trade `symbol`'s candles at a fresh fake Binance holding `equity` USDT."""
    candles = [series[symbol].candle(i) for i in range(len(series[symbol]))]
    clock = SimulatedClock(candles[0].open_ms)
    decisions = DecisionList(keep=10_000)
    market = LiveMarket(indicator_spec(profile.strategy), clock, (symbol,), profile.timeframe_ms)
    async with FakeBinanceFutures(wallet=equity) as fake:
        fake.set_price(symbol, candles[0].open)
        async with binance_venue(fake) as venue:
            parts = await binance_account(
                profile=profile,
                account_id="backtest",  # order ids derive from it, as on paper
                symbols=(symbol,),
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
                held = account.portfolio.ledger.position(symbol).quantity
                for price in _path(candle, held):
                    fake.set_price(symbol, price)
                if index + 1 < len(candles):  # decisions at this close fill at the next open
                    fake.set_price(symbol, candles[index + 1].open)
                await _caught_up(venue, fake)
                await kernel.step(candle.close_ms, [candle])
                await _caught_up(venue, fake)
                account.settle(kernel.marks)
            return BinanceRun(
                account,
                decisions,
                fake.position(symbol)[0],
                fake.orders(symbol),
                fake.algo_orders(symbol),
            )
