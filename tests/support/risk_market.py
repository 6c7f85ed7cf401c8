"""A small market to play the risk engine against: random limits, decisions, fills, moves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import TypeVar

from hypothesis import strategies as st

from tests.support.instruments import brackets, btcusdt, ethusdt, registry
from trading_agents.core.clock import MS_PER_HOUR, MS_PER_MINUTE, SimulatedClock, to_ms
from trading_agents.model.enums import OrderType, Side
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.orders import OrderIntent
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.risk import Approved, RiskEngine, RiskLimits, Verdict

FEE = Decimal("0.0005")
CENT = Decimal("0.01")
SATOSHI = Decimal("0.00000001")
# ETHUSDT with small tiers, so that leverage brackets bind at the sizes an account here reaches.
TIGHT_TIERS = (
    (20, "5000", "0.01"),
    (10, "25000", "0.02"),
    (5, "100000", "0.05"),
    (1, "1E9", "0.5"),
)
INSTRUMENTS: InstrumentRegistry = registry(btcusdt(), ethusdt(brackets=brackets(TIGHT_TIERS)))
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")  # SOLUSDT has no instrument
T0 = to_ms("2025-06-05T20:00:00Z")
T = TypeVar("T")


def bps(value: int) -> Decimal:
    """Return a number of basis points as a fraction."""
    return Decimal(value) / 10_000


symbol_sets = st.frozensets(st.sampled_from(SYMBOLS), min_size=1)


@st.composite
def risk_limits(draw: st.DrawFn, *, max_drawdown_bps: tuple[int, int] = (200, 5_000)) -> RiskLimits:
    """Draw valid limits across their whole range, the drawdown within `max_drawdown_bps`."""
    leverage = draw(st.integers(1, 20))
    # Up to twice the equity, capped by what the leverage can reach, so every cap gets to bind.
    fractions = st.integers(500, 10_000 * min(leverage, 2))
    return RiskLimits(
        max_leverage=leverage,
        risk_per_trade=bps(draw(st.integers(5, 500))),
        max_position_notional=bps(draw(fractions)),
        max_total_exposure=bps(draw(fractions)),
        max_open_positions=draw(st.integers(1, 3)),
        allowed_symbols=draw(mostly(st.just(frozenset(SYMBOLS)), symbol_sets)),
        min_confidence=bps(draw(mostly(st.integers(0, 7_000), st.just(0)))),
        daily_loss_limit=bps(draw(st.integers(50, 2_000))),
        max_drawdown=bps(draw(st.integers(*max_drawdown_bps))),
        max_orders_per_minute=draw(st.integers(1, 8)),
        circuit_breaker_failures=draw(st.integers(1, 5)),
        require_stop_loss=draw(st.booleans()),
        limit_price_band=bps(draw(st.integers(10, 500))),
    )


@dataclass(frozen=True)
class Decide:
    """Ask for an order; prices are offsets from the mark in basis points."""

    symbol: str
    side: Side
    limit_bps: int | None
    size: Decimal | None
    stop_bps: int | None  # above zero: on the losing side of the entry
    take_profit_bps: int | None  # above zero: on the winning side
    leverage_share: int  # percent of the limit's leverage
    leverage_error: int  # added to it: zero, or enough to break the limit one way or the other
    confidence: Decimal | None
    reduce_only: bool
    fill: bool


@dataclass(frozen=True)
class Move:
    symbol: str
    change_bps: int


@dataclass(frozen=True)
class Wait:
    ms: int


@dataclass(frozen=True)
class Realize:
    amount_bps: int  # of equity, a loss below zero


@dataclass(frozen=True)
class CashFlow:
    amount_bps: int


@dataclass(frozen=True)
class Execution:
    failed: bool


Step = Decide | Move | Wait | Realize | CashFlow | Execution


def mostly(usual: st.SearchStrategy[T], unusual: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """Draw from `usual` about four times in five, so that most decisions pass the checks."""

    # one_of would merge repeated branches, so the weight comes from a drawn number.
    return st.integers(0, 4).flatmap(lambda n: unusual if n == 4 else usual)


sizes = st.one_of(
    st.none(),
    st.integers(1, 3_000).map(lambda n: Decimal(n) / 1_000),
    st.integers(1, 30_000).map(lambda n: Decimal(n) / 10_000),
)
decisions = st.builds(
    Decide,
    symbol=mostly(st.sampled_from(SYMBOLS[:2]), st.just(SYMBOLS[2])),
    side=st.sampled_from(Side),
    limit_bps=st.one_of(st.none(), st.integers(-400, 400)),
    size=sizes,
    stop_bps=mostly(st.integers(-50, 1_000), st.none()),
    take_profit_bps=st.one_of(st.none(), st.integers(-50, 2_000)),
    leverage_share=st.integers(0, 100),
    leverage_error=mostly(st.just(0), st.sampled_from([1, 200, -1_000])),
    confidence=mostly(
        st.integers(50, 100).map(lambda n: Decimal(n) / 100),
        st.one_of(st.none(), st.integers(0, 100).map(lambda n: Decimal(n) / 100)),
    ),
    reduce_only=mostly(st.just(False), st.just(True)),
    fill=mostly(st.just(True), st.booleans()),
)


def steps(
    move_bps: int = 1_500, loss_bps: int = 1_000, min_size: int = 5, max_size: int = 40
) -> st.SearchStrategy[list[Step]]:
    """Draw a plan: mostly decisions, between them price moves, time, PnL, cash and failures."""
    step: st.SearchStrategy[Step] = mostly(
        decisions,
        st.one_of(
            st.builds(Move, st.sampled_from(SYMBOLS[:2]), st.integers(-move_bps, move_bps)),
            st.builds(Wait, st.sampled_from([0, 1, 999, 5_000, MS_PER_MINUTE, 3 * MS_PER_HOUR])),
            st.builds(Realize, st.integers(-loss_bps, 300)),
            st.builds(CashFlow, st.integers(-3_000, 5_000)),
            st.builds(Execution, st.booleans()),
        ),
    )
    return st.lists(step, min_size=min_size, max_size=max_size)


@dataclass
class Holding:
    """A position of the market's account: signed quantity, entry price, leverage."""

    quantity: Decimal  # signed
    entry: Decimal
    leverage: int


@dataclass
class Market:
    """A small account and market the engine is run against: fills at the order's price."""

    engine: RiskEngine
    clock: SimulatedClock
    cash: Decimal
    marks: dict[str, Decimal]
    locked: Decimal = Decimal(0)  # fraction of equity held by orders elsewhere
    holdings: dict[str, Holding] = field(default_factory=dict)
    exits: list[OrderIntent] = field(default_factory=list)

    @property
    def equity(self) -> Decimal:
        """Return the cash plus the unrealized PnL at the marks."""
        return self.cash + sum(
            (h.quantity * (self.marks[s] - h.entry) for s, h in self.holdings.items()), Decimal(0)
        )

    def account(self) -> AccountState:
        """Return what the engine is told of the account now."""
        margin = sum(
            (abs(h.quantity) * h.entry / h.leverage for h in self.holdings.values()), Decimal(0)
        )
        equity = self.equity
        return AccountState(
            equity=equity,
            available_balance=(equity * (1 - self.locked) - margin).quantize(
                SATOSHI, rounding=ROUND_DOWN
            ),
            positions={s: h.quantity for s, h in self.holdings.items()},
            marks=dict(self.marks),
        )

    def request(self, decide: Decide) -> OrderRequest:
        """Turn a decision into the request a brain would send."""
        mark = self.marks.get(decide.symbol, Decimal(100))
        sign = decide.side.sign
        limit = None if decide.limit_bps is None else _cents(mark * (1 + bps(decide.limit_bps)))
        entry = limit or mark
        stop = None if decide.stop_bps is None else entry * (1 - sign * bps(decide.stop_bps))
        target = None
        if decide.take_profit_bps is not None:
            target = entry * (1 + sign * bps(decide.take_profit_bps))
        return OrderRequest(
            client_order_id=f"prop-{self.clock.now_ms()}-{decide.symbol}",
            symbol=decide.symbol,
            side=decide.side,
            order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
            quantity=decide.size,
            price=limit,
            stop_loss=None if stop is None else _cents(stop),
            take_profit=None if target is None else _cents(target),
            leverage=self.leverage(decide),
            reduce_only=decide.reduce_only,
            confidence=decide.confidence,
        )

    def leverage(self, decide: Decide) -> int:
        """Return the decision's share of the limit's leverage, plus its error."""
        limit = self.engine.limits.max_leverage
        return max(1, (limit * decide.leverage_share + 99) // 100) + decide.leverage_error

    def fill(self, order: OrderIntent, price: Decimal, leverage: int) -> None:
        """Trade the whole order at `price`, paying the taker fee and realizing any PnL."""
        held = self.holdings.get(order.symbol)
        signed = order.quantity * order.side.sign
        self.cash -= (order.quantity * price * FEE).quantize(SATOSHI)
        if held is None:
            self.holdings[order.symbol] = Holding(signed, price, leverage)
        elif (held.quantity > 0) == (signed > 0):
            total = held.quantity + signed
            entry = _cents((held.quantity * held.entry + signed * price) / total)
            self.holdings[order.symbol] = Holding(total, entry, leverage)
        else:
            closed = min(abs(signed), abs(held.quantity))
            realized = closed * (price - held.entry) * (1 if held.quantity > 0 else -1)
            self.cash += realized
            left = held.quantity + signed
            if left == 0:
                del self.holdings[order.symbol]
            else:
                held.quantity = left
            self.engine.record_realized(realized, self.equity)

    def move(self, symbol: str, change_bps: int) -> None:
        """Move a mark, fire the exits it crosses and report the new equity."""
        self.marks[symbol] = _cents(self.marks[symbol] * (1 + bps(change_bps)))
        mark = self.marks[symbol]
        for exit_order in list(self.exits):
            held = self.holdings.get(exit_order.symbol)
            trigger = exit_order.trigger_price
            assert trigger is not None
            if exit_order.symbol != symbol or held is None:
                continue
            selling = exit_order.side is Side.SELL
            if (held.quantity > 0) != selling:
                continue
            below = exit_order.order_type is OrderType.STOP_MARKET
            if (mark <= trigger) if below == selling else (mark >= trigger):
                self.exits.remove(exit_order)
                quantity = min(exit_order.quantity, abs(held.quantity))
                self.fill(_resized(exit_order, quantity), mark, held.leverage)
        self.engine.update_equity(self.equity)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _resized(order: OrderIntent, quantity: Decimal) -> OrderIntent:
    return OrderIntent(
        order.client_order_id,
        order.symbol,
        order.side,
        order.order_type,
        quantity,
        trigger_price=order.trigger_price,
        reduce_only=True,
    )


Observer = Callable[[Market, OrderRequest, AccountState, Verdict], None]


def run(
    market: Market,
    plan: list[Step],
    observe: Observer,
    after_step: Callable[[Market], None] | None = None,
) -> None:
    """Play the steps against the market, calling `observe` after every check."""
    for step in plan:
        play(market, step, observe)
        if after_step is not None:
            after_step(market)


def play(market: Market, step: Step, observe: Observer) -> None:
    """Play one step: a decision checked (and filled if approved), a move, time or money."""
    if isinstance(step, Decide):
        request = market.request(step)
        state = market.account()
        verdict = market.engine.check(request, state)
        observe(market, request, state, verdict)
        if isinstance(verdict, Approved) and step.fill:
            price = verdict.order.price or state.marks[request.symbol]
            market.fill(verdict.order, price, verdict.leverage)
            market.exits.extend(verdict.protective)
    elif isinstance(step, Move):
        market.move(step.symbol, step.change_bps)
    elif isinstance(step, Wait):
        market.clock.advance_by(step.ms)
    elif isinstance(step, Realize):
        amount = (market.equity * bps(step.amount_bps)).quantize(SATOSHI)
        market.cash += amount
        market.engine.record_realized(amount, market.equity)
    elif isinstance(step, CashFlow):
        amount = (market.equity * bps(step.amount_bps)).quantize(SATOSHI)
        market.engine.record_cash_flow(amount)
        market.cash += amount
        market.engine.update_equity(market.equity)
    elif step.failed:
        market.engine.record_execution_failure()
    else:
        market.engine.record_execution_success()


def new_market(limits: RiskLimits, equity: int, btc: int, eth: int, locked_bps: int = 0) -> Market:
    """Return a market with an engine, BTC at `btc` and ETH at a tenth of `eth`."""
    clock = SimulatedClock(T0)
    engine = RiskEngine(limits, INSTRUMENTS, clock, taker_fee_rate=FEE)
    marks = {"BTCUSDT": Decimal(btc), "ETHUSDT": Decimal(eth) / 10}
    return Market(engine, clock, Decimal(equity), marks, bps(locked_bps))


def crash(market: Market) -> None:
    """Lose a little more than the maximum drawdown of the equity at once."""
    market.engine.update_equity(market.equity)
    loss = -(market.equity * (market.engine.limits.max_drawdown + CENT)).quantize(SATOSHI)
    market.cash += loss
    market.engine.record_realized(loss, market.equity)
