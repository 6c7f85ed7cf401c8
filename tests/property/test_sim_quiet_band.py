"""Skipping the candles that stay inside the quiet band leaves the simulated exchange unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.support.candles import candle
from trading_agents.config.instruments import default_instruments
from trading_agents.core.clock import MS_PER_HOUR, to_ms
from trading_agents.market.candles import Candle
from trading_agents.model.enums import OrderStatus, OrderType, Side
from trading_agents.model.orders import OrderIntent
from trading_agents.model.positions import PositionSnapshot
from trading_agents.model.reports import ExecutionReport, FillReport, FundingReport, OrderUpdate
from trading_agents.portfolio.ledger import LedgerTotals
from trading_agents.venues.errors import OrderNotFound, OrderRejected
from trading_agents.venues.sim.config import FUNDING_INTERVAL_MS, FundingSchedule, SimVenueConfig
from trading_agents.venues.sim.exchange import SimExchange

SYMBOL = "BTCUSDT"
START = to_ms("2025-06-01T06:00:00Z")  # hourly candles cross 08:00, 16:00 and 00:00
TENTH = Decimal("0.1")

# Prices move in steps of 10 USDT around 100,000; order levels sit 0.1 % to 3 % away.
candle_shape = st.tuples(
    st.integers(-15, 15),  # open, from the previous close
    st.integers(-15, 15),  # close, from the open
    st.integers(0, 12),  # high above the body
    st.integers(0, 12),  # low below the body
    st.integers(1, 200),  # volume in hundredths of a BTC
)


@dataclass(frozen=True)
class Bracket:
    side: Side
    kind: OrderType
    steps: int  # quantity in steps of 0.001 BTC
    offset: int  # limit price from the last price, tenths of a percent
    stop: int  # stop distance, tenths of a percent
    profit: int  # take-profit distance
    leverage: int


@dataclass(frozen=True)
class Resting:
    side: Side
    kind: OrderType
    steps: int
    distance: int  # tenths of a percent, on the side the order type waits on
    reduce_only: bool


@dataclass(frozen=True)
class Cancel:
    index: int


sides = st.sampled_from([Side.BUY, Side.SELL])
action = st.one_of(
    st.builds(
        Bracket,
        sides,
        st.sampled_from([OrderType.MARKET, OrderType.LIMIT]),
        st.integers(1, 30),
        st.integers(-10, 10),
        st.integers(1, 30),
        st.integers(1, 30),
        st.sampled_from([1, 5, 20, 50, 100]),
    ),
    st.builds(
        Resting,
        sides,
        st.sampled_from([OrderType.LIMIT, OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET]),
        st.integers(1, 30),
        st.integers(1, 30),
        st.booleans(),
    ),
    st.builds(Cancel, st.integers(0, 5)),
)
Action = Bracket | Resting | Cancel


def away(price: Decimal, tenths: int) -> Decimal:
    return (price * (1 + Decimal(tenths) / 1000)).quantize(TENTH)


def walk(shapes: list[tuple[int, int, int, int, int]]) -> list[Candle]:
    candles, close = [], 100_000
    for hour, (to_open, to_close, up, down, volume) in enumerate(shapes):
        open_ = close + 10 * to_open
        close = open_ + 10 * to_close
        high, low = max(open_, close) + 10 * up, min(open_, close) - 10 * down
        candles.append(
            candle(
                START + hour * MS_PER_HOUR,
                str(open_),
                str(high),
                str(low),
                str(close),
                volume=str(Decimal(volume) / 100),
                interval_ms=MS_PER_HOUR,
            )
        )
    return candles


class Trader:
    """Act on one exchange the same way whichever candles it was fed."""

    def __init__(self, config: SimVenueConfig) -> None:
        self.exchange = SimExchange(default_instruments(), config)
        self.exchange.ledger.deposit(Decimal("5000"))
        self.ids: list[str] = []

    def act(self, step: Action, at: int) -> None:
        try:
            if isinstance(step, Bracket):
                self._bracket(step, at)
            elif isinstance(step, Resting):
                self._resting(step, at)
            else:
                open_orders = self.exchange.open_orders(SYMBOL)
                if open_orders:
                    order = open_orders[step.index % len(open_orders)]
                    self.exchange.cancel(SYMBOL, order.client_order_id, at)
        except OrderRejected:
            pass

    def _last(self) -> Decimal:
        last = self.exchange.last_price(SYMBOL)
        assert last is not None
        return last

    def _bracket(self, step: Bracket, at: int) -> None:
        exchange, last, cid = self.exchange, self._last(), f"o{len(self.ids)}"
        if not exchange.ledger.position(SYMBOL).is_open:
            exchange.set_leverage(SYMBOL, step.leverage)
        exit_side, sign = step.side.opposite, step.side.sign
        stop = away(last, -sign * step.stop)
        profit = away(last, sign * step.profit)
        exits = [
            OrderIntent(
                f"{cid}-sl",
                SYMBOL,
                exit_side,
                OrderType.STOP_MARKET,
                Decimal("0.001"),
                trigger_price=stop,
                reduce_only=True,
            ),
            OrderIntent(
                f"{cid}-tp",
                SYMBOL,
                exit_side,
                OrderType.TAKE_PROFIT_MARKET,
                Decimal("0.001"),
                trigger_price=profit,
                reduce_only=True,
            ),
        ]
        self.ids += [cid, f"{cid}-sl", f"{cid}-tp"]
        price = away(last, step.offset) if step.kind is OrderType.LIMIT else None
        quantity = Decimal(step.steps) / 1000
        exchange.submit(OrderIntent(cid, SYMBOL, step.side, step.kind, quantity, price), at, exits)

    def _resting(self, step: Resting, at: int) -> None:
        cid = f"o{len(self.ids)}"
        self.ids.append(cid)
        rises = (step.side is Side.BUY) == (step.kind is OrderType.STOP_MARKET)
        level = away(self._last(), step.distance if rises else -step.distance)
        price, trigger = (level, None) if step.kind is OrderType.LIMIT else (None, level)
        quantity = Decimal(step.steps) / 1000
        self.exchange.submit(
            OrderIntent(
                cid, SYMBOL, step.side, step.kind, quantity, price, trigger, step.reduce_only
            ),
            at,
        )

    def outcome(self) -> Outcome:
        exchange = self.exchange
        orders: list[tuple[str, object]] = []
        for cid in self.ids:
            try:
                order = exchange.order(cid)
            except OrderNotFound:
                orders.append((cid, None))
                continue
            orders.append((cid, (order.intent, order.status, order.filled_quantity, order.events)))
        return Outcome(
            exchange.drain_reports(),
            exchange.ledger.totals(),
            [position.snapshot() for position in exchange.ledger.open_positions()],
            [order.client_order_id for order in exchange.open_orders()],
            orders,
        )


@dataclass(frozen=True)
class Outcome:
    reports: list[ExecutionReport]
    totals: LedgerTotals
    positions: list[PositionSnapshot]
    open_orders: list[str]
    orders: list[tuple[str, object]]


def touches(band: tuple[float, float] | None, bar: Candle) -> bool:
    return band is None or not (band[0] < float(bar.low) and float(bar.high) < band[1])


@settings(deadline=None, max_examples=300)
@given(
    shapes=st.lists(candle_shape, min_size=25, max_size=60),
    actions=st.dictionaries(st.integers(0, 24), action, min_size=3, max_size=10),
    volume_cap=st.sampled_from([None, Decimal("0.5")]),
    slippage=st.sampled_from([Decimal(0), Decimal("0.0003")]),
    funding_rate=st.decimals(Decimal("-0.001"), Decimal("0.001"), places=5),
)
def test_feeding_only_the_candles_that_touch_the_band_changes_nothing(
    shapes: list[tuple[int, int, int, int, int]],
    actions: dict[int, Action],
    volume_cap: Decimal | None,
    slippage: Decimal,
    funding_rate: Decimal,
) -> None:
    config = SimVenueConfig(
        slippage=slippage,
        funding=FundingSchedule(constant=funding_rate),
        max_volume_participation=volume_cap,
    )
    candles = walk(shapes)
    every, some = Trader(config), Trader(config)
    band: tuple[float, float] | None = None
    last_fed = candles[0]
    skipped = 0

    for index, bar in enumerate(candles):
        step = actions.get(index)
        every.exchange.on_candle(bar)
        # A caller feeds the candle it acts on, the first one, and each one opening a funding
        # period, whatever the band says.
        new_period = bar.open_ms // FUNDING_INTERVAL_MS != last_fed.open_ms // FUNDING_INTERVAL_MS
        if index == 0 or step is not None or new_period or touches(band, bar):
            some.exchange.on_candle(bar)
            last_fed = bar
        else:
            skipped += 1
        if step is not None:
            every.act(step, bar.close_ms)
            some.act(step, bar.close_ms)
        band = some.exchange.quiet_band(SYMBOL)

    event(f"skipped {min(skipped, 20) // 5 * 5}+ candles")
    expected = every.outcome()
    event(f"{min(sum(isinstance(r, FillReport) for r in expected.reports), 4)}+ fills")
    if any(isinstance(r, FillReport) and r.is_liquidation for r in expected.reports):
        event("a liquidation")
    if any(
        isinstance(r, OrderUpdate) and r.status is OrderStatus.REJECTED for r in expected.reports
    ):
        event("an exit rejected at the fill")
    if any(isinstance(r, FundingReport) for r in expected.reports):
        event("funding settled")
    assert some.outcome() == expected
