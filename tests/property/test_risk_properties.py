"""Properties of the risk engine over random limits, prices, decisions and fills."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.risk_market import (
    FEE,
    INSTRUMENTS,
    Market,
    Step,
    crash,
    new_market,
    risk_limits,
    run,
    steps,
)
from trading_agents.core.clock import MS_PER_MINUTE
from trading_agents.model.enums import OrderType, Side, TimeInForce
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.risk import Approved, RiskLimits, TradingState, Verdict


class LimitsRespected:
    """Assert that an approved order breaks none of the limits it was checked against."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits
        self.entry_times: list[int] = []

    def __call__(
        self, market: Market, request: OrderRequest, state: AccountState, verdict: Verdict
    ) -> None:
        if not isinstance(verdict, Approved):
            return
        order = verdict.order
        held = state.positions.get(order.symbol, Decimal(0))
        if request.reduce_only:
            assert order.reduce_only
            assert held * order.side.sign < 0, "a reducing order must point against the position"
            assert 0 < order.quantity <= abs(held)
            return
        assert market.engine.state is TradingState.ACTIVE
        self.entry(market, request, state, verdict, held)

    def entry(
        self,
        market: Market,
        request: OrderRequest,
        state: AccountState,
        verdict: Approved,
        held: Decimal,
    ) -> None:
        limits, order, leverage = self.limits, verdict.order, verdict.leverage
        instrument = INSTRUMENTS.get(order.symbol)
        mark = state.marks[order.symbol]
        assert order.order_type is OrderType.LIMIT
        assert order.price is not None
        # A market entry goes out as an IOC limit at its cap: it is expected at the mark and
        # may trade up to the cap, where the venue holds its margin.
        marketable = order.time_in_force is TimeInForce.IOC
        entry = mark if marketable else order.price
        value = max(entry, mark)
        margin_value = max(value, order.price)
        quantity, equity = order.quantity, state.equity
        assert not order.reduce_only
        assert order.symbol in limits.allowed_symbols
        assert held * order.side.sign >= 0, "an entry never points against the position"
        if limits.min_confidence > 0:
            assert request.confidence is not None
            assert request.confidence >= limits.min_confidence
        held_notional = abs(held) * mark
        assert 1 <= leverage <= limits.max_leverage
        assert leverage <= instrument.max_leverage_for(held_notional + quantity * margin_value)
        assert held_notional + quantity * value <= equity * limits.max_position_notional
        exposure = sum((abs(q) * state.marks[s] for s, q in state.positions.items()), Decimal(0))
        assert exposure + quantity * value <= equity * limits.max_total_exposure
        assert quantity * margin_value * (1 + leverage * FEE) <= state.available_balance * leverage
        if held == 0:
            open_positions = sum(1 for q in state.positions.values() if q != 0)
            assert open_positions < limits.max_open_positions
        assert instrument.quantity_fits(quantity, market=False)
        if marketable:
            assert instrument.quantity_fits(quantity, market=True)
            assert abs(order.price - mark) <= mark * limits.max_price_deviation
        assert quantity * min(entry, order.price) >= instrument.min_notional
        assert abs(order.price - mark) <= mark * limits.limit_price_band
        assert instrument.price_fits(order.price)
        self.exits(verdict, entry, mark, equity)
        now = market.clock.now_ms()
        self.entry_times.append(now)
        in_window = [t for t in self.entry_times if t > now - MS_PER_MINUTE]
        assert len(in_window) <= limits.max_orders_per_minute

    def exits(self, verdict: Approved, entry: Decimal, mark: Decimal, equity: Decimal) -> None:
        order = verdict.order
        stops = [o for o in verdict.protective if o.order_type is OrderType.STOP_MARKET]
        if self.limits.require_stop_loss:
            assert len(stops) == 1
        for exit_order in verdict.protective:
            assert exit_order.reduce_only
            assert exit_order.side is order.side.opposite
            assert exit_order.quantity == order.quantity
        for stop in stops:
            trigger = stop.trigger_price
            assert trigger is not None
            if order.side is Side.BUY:
                assert trigger < min(entry, mark)
            else:
                assert trigger > max(entry, mark)
            assert order.quantity * abs(entry - trigger) <= equity * self.limits.risk_per_trade


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limits=risk_limits(),
    equity=st.integers(500, 200_000),
    btc=st.integers(20_000, 150_000),
    eth=st.integers(5_000, 80_000),
    # Half the accounts have most of their equity tied up, so that the margin cap binds.
    locked_bps=st.one_of(st.integers(0, 9_000), st.integers(9_000, 9_990)),
    plan=steps(),
)
def test_no_approved_order_breaks_a_limit(
    limits: RiskLimits, equity: int, btc: int, eth: int, locked_bps: int, plan: list[Step]
) -> None:
    market = new_market(limits, equity, btc, eth, locked_bps)

    run(market, plan, LimitsRespected(limits))


class ExposureNeverGrowsOnceHalted:
    """Assert that once the kill switch trips, only reductions pass and no position grows."""

    def __init__(self) -> None:
        self.halted_with: dict[str, Decimal] | None = None  # |quantity| by symbol

    def __call__(
        self, market: Market, request: OrderRequest, state: AccountState, verdict: Verdict
    ) -> None:
        if market.engine.state is TradingState.HALTED and isinstance(verdict, Approved):
            assert verdict.order.reduce_only

    def after_step(self, market: Market) -> None:
        positions = {s: abs(h.quantity) for s, h in market.holdings.items()}
        if self.halted_with is not None:
            for symbol, quantity in positions.items():
                assert quantity <= self.halted_with.get(symbol, Decimal(0))
        if market.engine.state is TradingState.HALTED:
            self.halted_with = positions


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limits=risk_limits(max_drawdown_bps=(200, 1_500)),
    equity=st.integers(500, 200_000),
    btc=st.integers(20_000, 150_000),
    eth=st.integers(5_000, 80_000),
    before=steps(move_bps=3_000, loss_bps=2_000, min_size=0, max_size=20),
    after=steps(move_bps=3_000, loss_bps=2_000, min_size=1, max_size=20),
)
def test_a_halted_agents_exposure_never_grows(
    limits: RiskLimits, equity: int, btc: int, eth: int, before: list[Step], after: list[Step]
) -> None:
    market = new_market(limits, equity, btc, eth)
    watch = ExposureNeverGrowsOnceHalted()
    run(market, before, watch, after_step=watch.after_step)

    crash(market)
    watch.after_step(market)
    assert market.engine.state is TradingState.HALTED

    run(market, after, watch, after_step=watch.after_step)
