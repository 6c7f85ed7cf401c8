"""Real candles up to a moment where an agent holds a position with its stop resting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tests.support.backtests import agent, backtest, real_series
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.clock import MS_PER_MINUTE
from trading_agents.market.candles import Candle
from trading_agents.model.enums import OrderType, Side
from trading_agents.portfolio.trades import RoundTrip
from trading_agents.venues.port import OrderSnapshot, Venue

START = "2025-05-06T00:00:00Z"
SYMBOL = "BTCUSDT"


@dataclass(frozen=True, slots=True)
class HeldPosition:
    """Candles through the one the agent's entry filled on; the backtest's trip that follows."""

    profile: AgentProfile
    candles: list[Candle]  # BTCUSDT 1m, oldest first; the last one opens at the entry's fill
    trip: RoundTrip  # the backtest's: the position is still open at the last candle's close

    @property
    def last_close_ms(self) -> int:
        """Return the close of the last candle, when the position is held with its stop."""
        return self.candles[-1].close_ms


async def held_position(hours: float = 6) -> HeldPosition:
    """Return Nova's first BTCUSDT position that outlives the candle it was entered on."""
    series = real_series([SYMBOL], START, hours)
    profile = agent("nova")
    run = await backtest(profile, series)
    trip = next(
        t for t in run.account.portfolio.trades if t.closed_ms > t.opened_ms + MS_PER_MINUTE
    )
    btc = series[SYMBOL]
    candles = [btc.candle(i) for i in range(len(btc))]
    return HeldPosition(profile, [c for c in candles if c.open_ms <= trip.opened_ms], trip)


async def resting_stop(venue: Venue, symbol: str = SYMBOL) -> OrderSnapshot:
    """Return the stop loss resting at the venue for `symbol`."""
    (stop,) = [o for o in await venue.open_orders(symbol) if o.order_type is OrderType.STOP_MARKET]
    return stop


def beyond(stop: OrderSnapshot, ticks: int = 5) -> Decimal:
    """Return a price `ticks` ticks of 0.1 past the stop's trigger, on the side that triggers it."""
    assert stop.trigger_price is not None
    step = Decimal("0.1") * ticks
    return stop.trigger_price - step if stop.side is Side.SELL else stop.trigger_price + step


class CandleList:
    """A feed of given candles, in the order given: a replay of a list."""

    description = "a list of candles"
    cadence_s = None

    def __init__(self, candles: list[Candle]) -> None:
        self._candles = candles

    @property
    def dropped(self) -> Mapping[str, str]:
        return {}

    async def candles(self) -> AsyncIterator[Candle]:
        for candle in self._candles:
            yield candle
