"""The risk engine: every order passes it; it answers Approved or Denied and does no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from trading_agents.core.clock import Clock
from trading_agents.core.decimals import ONE, ZERO
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.members import BUY, LIMIT, MARKET
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.risk.limits import RiskLimits
from trading_agents.risk.orders import entry_orders, reducing_order
from trading_agents.risk.prices import entry_prices
from trading_agents.risk.rules import InstrumentRules
from trading_agents.risk.sizing import EntryFacts, Sized, size_entry
from trading_agents.risk.state import (
    CircuitBreaker,
    DailyLossTracker,
    DrawdownTracker,
    OrderThrottle,
    RiskSnapshot,
    TradingState,
)
from trading_agents.risk.verdicts import Approved, DenialCode, Denied, Verdict

_ENTRY_TYPES: Final = frozenset({MARKET, LIMIT})


class RiskEngine:
    """Check one agent's orders against its limits and keep its trading state."""

    def __init__(
        self,
        limits: RiskLimits,
        instruments: InstrumentRegistry,
        clock: Clock,
        taker_fee_rate: Decimal = Decimal("0.0005"),
        drawdown: DrawdownTracker | None = None,
    ) -> None:
        """Check against `limits`; `drawdown` is the account's own, kept by its books.

        Given one, the books shift it by their cash flows; without one the engine keeps its
        own and shifts it in `record_cash_flow`.
        """
        self.limits = limits
        self._clock = clock
        self._fee_rate = taker_fee_rate
        self._rules: dict[str, InstrumentRules] = {}
        self.use_instruments(instruments)
        self._breaker = CircuitBreaker(limits.circuit_breaker_failures)
        self._throttle = OrderThrottle(limits.max_orders_per_minute)
        self._daily = DailyLossTracker(limits.daily_loss_limit)
        self._shifts_drawdown = drawdown is None
        self._drawdown = drawdown or DrawdownTracker(limits.max_drawdown)
        self._drawdown.max_drawdown = limits.max_drawdown
        self._reducing_reason: str | None = None
        # A market entry's IOC cap, as multipliers of the mark; a limit price like any other,
        # it stays inside the band.
        deviation = min(limits.max_price_deviation, limits.limit_price_band)
        self._caps = (ONE + deviation, ONE - deviation)

    def use_instruments(self, instruments: InstrumentRegistry) -> None:
        """Size and check orders with these instruments' filters from now on (a refresh)."""
        self._rules = {
            instrument.symbol: InstrumentRules.of(instrument) for instrument in instruments
        }

    @property
    def state(self) -> TradingState:
        """Return whether the agent may open positions, only reduce them, or is halted."""
        if self._drawdown.tripped:
            return TradingState.HALTED
        if self._restriction(self._clock.now_ms()) is not None:
            return TradingState.REDUCING
        return TradingState.ACTIVE

    def confirm(self, request: OrderRequest, account: AccountState) -> Verdict:
        """Check an approved request again on the account as it is now, before it is sent.

        The entry was counted toward the order-rate throttle when it was first approved, so
        the throttle neither counts nor refuses it a second time.
        """
        return self.check(request, account, counted=True)

    @property
    def drawdown(self) -> Decimal:
        """Return the account's current drawdown, the fraction 0..1 the kill switch watches."""
        return self._drawdown.drawdown()

    @property
    def day_start_equity(self) -> Decimal | None:
        """Return the equity the UTC day started at (shifted by its cash flows), once seen."""
        return self._daily.start_equity

    @property
    def deepest_drawdown(self) -> Decimal:
        """Return the deepest drawdown the account has had."""
        return self._drawdown.deepest

    def check(
        self, request: OrderRequest, account: AccountState, *, counted: bool = False
    ) -> Verdict:
        """Approve the request, resized to fit every limit, or deny it with a code and a reason.

        `counted`: the request was approved before and counted toward the order-rate
        throttle then (see `confirm`).
        """
        now_ms = self._clock.now_ms()
        try:
            # The account's equity is the freshest reading there is: it can trip the kill switch.
            self._daily.observe_equity(account.equity, now_ms)
            self._drawdown.update(account.equity)
            if request.reduce_only:
                # Reducing risk is never refused, whatever price the signal quoted.
                return self._check_reducing(request, account)
            # The trading state speaks first: a halted agent says so whatever the price.
            denial = self._restriction(now_ms)
            if denial is None and request.reference_price is not None:
                denial = self._off_market(request, account)
            if denial is None:
                denial = self._check_entry_rules(request, account)
            if denial is not None:
                return denial
            return self._size_and_approve(request, account, now_ms, counted)
        except ArithmeticError as error:
            # A NaN, an infinity or an absurd magnitude: fail closed rather than raise.
            return Denied(
                DenialCode.INVALID_REQUEST,
                f"the numbers of the request cannot be checked: {error!r}",
            )

    def record_realized(self, amount: Decimal, equity: Decimal) -> None:
        """Count realized PnL toward the day's loss; `equity` is the equity after it."""
        self._daily.record_realized(amount, equity, self._clock.now_ms())
        self._drawdown.update(equity)

    def update_equity(self, equity: Decimal) -> None:
        """Take a new equity reading for the daily loss and the drawdown."""
        self._daily.observe_equity(equity, self._clock.now_ms())
        self._drawdown.update(equity)

    def record_cash_flow(self, amount: Decimal) -> None:
        """Shift the reference equities by a deposit or withdrawal; report it before its equity."""
        self._daily.shift(amount)
        if self._shifts_drawdown:
            self._drawdown.shift(amount)

    def record_execution_failure(self) -> None:
        """Count a failed execution toward the circuit breaker."""
        self._breaker.record_failure()

    def record_execution_success(self) -> None:
        """Restart the count of consecutive execution failures."""
        self._breaker.record_success()

    def set_reducing(self, reason: str) -> None:
        """Allow only reducing orders until `clear_reducing`, for the reason given."""
        self._reducing_reason = reason

    def clear_reducing(self) -> None:
        """Lift a restriction set by `set_reducing`."""
        self._reducing_reason = None

    @property
    def kill_switch_tripped(self) -> bool:
        """Tell whether the drawdown kill switch has halted the agent."""
        return self._drawdown.tripped

    @property
    def circuit_breaker_open(self) -> bool:
        """Tell whether consecutive execution failures opened the circuit breaker."""
        return self._breaker.is_open

    def reset_kill_switch(self) -> None:
        """Turn the drawdown kill switch off and measure drawdown from the current equity."""
        self._drawdown.reset()

    def reset_circuit_breaker(self) -> None:
        """Close the circuit breaker."""
        self._breaker.reset()

    def snapshot(self) -> RiskSnapshot:
        """Return what the engine remembers, for a restart to take back."""
        return RiskSnapshot(
            self._breaker.state(),
            self._throttle.state(),
            self._daily.state(),
            self._drawdown.state(),
            self._reducing_reason,
            self._drawdown.deepest,
        )

    def restore(self, snapshot: RiskSnapshot) -> None:
        """Take back what `snapshot` returned before a restart."""
        self._breaker.restore(*snapshot.breaker)
        self._throttle.restore(snapshot.order_times)
        self._daily.restore(*snapshot.daily)
        self._drawdown.restore(*snapshot.drawdown, snapshot.deepest_drawdown)
        self._reducing_reason = snapshot.reducing_reason

    def _restriction(self, now_ms: int) -> Denied | None:
        """Return why new entries are blocked now, if they are."""
        if self._drawdown.tripped:
            return Denied(
                DenialCode.DRAWDOWN_KILL_SWITCH,
                f"trading halted: equity fell {self.limits.max_drawdown:%} or more below its peak;"
                " only reducing orders pass until the kill switch is reset",
            )
        if self._breaker.is_open:
            return Denied(
                DenialCode.CIRCUIT_BREAKER_OPEN,
                f"{self._breaker.threshold} consecutive execution failures opened the circuit"
                " breaker; only reducing orders pass until it is reset",
            )
        if self._daily.limit_hit(now_ms):
            return Denied(
                DenialCode.DAILY_LOSS_LIMIT,
                f"today's realized loss of {-self._daily.realized} USDT reached the daily limit of"
                f" {self.limits.daily_loss_limit:%} of {self._daily.start_equity} USDT;"
                " new entries resume on the next UTC day",
            )
        if self._reducing_reason is not None:
            return Denied(
                DenialCode.TRADING_REDUCING,
                f"only reducing orders pass: {self._reducing_reason}",
            )
        return None

    def _off_market(self, request: OrderRequest, account: AccountState) -> Denied | None:
        """Deny acting on a price further from the mark than the agent's limit."""
        reference = request.reference_price
        if reference is None:
            return None
        mark = account.marks.get(request.symbol)
        if mark is None or mark <= ZERO:
            return None  # nothing to compare with: the entry's own checks deny a missing mark
        limit = self.limits.max_price_deviation
        if abs(reference - mark) <= mark * limit:
            return None
        return Denied(
            DenialCode.SIGNAL_PRICE_OFF_MARKET,
            f"the signal's price {reference} is {abs(reference - mark) / mark:.2%} from the"
            f" market's {mark} {request.symbol}; this agent acts within {limit:%}",
        )

    def _check_reducing(self, request: OrderRequest, account: AccountState) -> Verdict:
        rules = self._rules.get(request.symbol)
        if rules is None:
            return Denied(DenialCode.UNKNOWN_SYMBOL, f"no instrument is known as {request.symbol}")
        held = account.positions.get(request.symbol, ZERO)
        if not held or (held > ZERO) == (request.side is BUY):
            direction = "no" if not held else ("a long" if held > ZERO else "a short")
            return Denied(
                DenialCode.NOTHING_TO_REDUCE,
                f"a reduce-only {request.side} finds {direction} {request.symbol} position",
            )
        leverage = min(max(request.leverage, 1), self.limits.max_leverage)
        return reducing_order(request, rules, abs(held), leverage)

    def _check_entry_rules(self, request: OrderRequest, account: AccountState) -> Denied | None:
        """Return the first rule the entry breaks before sizing, if any."""
        symbol, limits = request.symbol, self.limits
        held = account.positions.get(symbol, ZERO)
        if held and (held > ZERO) != (request.side is BUY):
            direction = "long" if held > ZERO else "short"
            return Denied(
                DenialCode.POSITION_CONFLICT,
                f"a {request.side} entry meets a {direction} {symbol} position of {abs(held)};"
                " close it first",
            )
        rules = self._rules.get(symbol)
        if rules is None:
            return Denied(DenialCode.UNKNOWN_SYMBOL, f"no instrument is known as {symbol}")
        if symbol not in limits.allowed_symbols:
            return Denied(
                DenialCode.SYMBOL_NOT_ALLOWED, f"{symbol} is not among this agent's symbols"
            )
        denial = _malformed(request) or self._confidence_denial(request.confidence)
        if denial is not None:
            return denial
        if request.leverage > limits.max_leverage:
            return Denied(
                DenialCode.LEVERAGE_ABOVE_LIMIT,
                f"leverage {request.leverage}x above the limit of {limits.max_leverage}x",
            )
        if request.leverage > rules.max_leverage:
            return Denied(
                DenialCode.LEVERAGE_ABOVE_INSTRUMENT_MAX,
                f"leverage {request.leverage}x above the {symbol} maximum of {rules.max_leverage}x",
            )
        if request.stop_loss is None and limits.require_stop_loss:
            return Denied(DenialCode.STOP_LOSS_REQUIRED, "every entry needs a stop loss")
        mark = account.marks.get(symbol)
        if mark is None or mark <= ZERO:
            return Denied(DenialCode.NO_MARK_PRICE, f"no mark price for {symbol}")
        return None

    def _confidence_denial(self, confidence: Decimal | None) -> Denied | None:
        minimum = self.limits.min_confidence
        if confidence is None:
            if not minimum:
                return None
            return Denied(
                DenialCode.CONFIDENCE_MISSING, f"the signal has no confidence; {minimum} needed"
            )
        if confidence < minimum:
            return Denied(
                DenialCode.CONFIDENCE_BELOW_MINIMUM,
                f"confidence {confidence} below the minimum of {minimum}",
            )
        return None

    def _size_and_approve(
        self, request: OrderRequest, account: AccountState, now_ms: int, counted: bool
    ) -> Verdict:
        symbol, limits = request.symbol, self.limits
        rules = self._rules[symbol]
        mark = account.marks[symbol]
        prices = entry_prices(request, rules, mark, limits.limit_price_band, self._caps)
        if isinstance(prices, Denied):
            return prices
        exposure, open_positions = ZERO, 0
        for held_symbol, quantity in account.positions.items():
            if not quantity:
                continue
            held_mark = account.marks.get(held_symbol)
            if held_mark is None:
                return Denied(
                    DenialCode.NO_MARK_PRICE,
                    f"no mark price for the open {held_symbol} position, so exposure is unknown",
                )
            exposure += abs(quantity) * held_mark
            open_positions += 1
        held = abs(account.positions.get(symbol, ZERO))
        if not held and open_positions >= limits.max_open_positions:
            return Denied(
                DenialCode.MAX_OPEN_POSITIONS,
                f"{open_positions} positions open, the most allowed; {symbol} would be another",
            )
        if not counted and not self._throttle.allows(now_ms):
            return Denied(
                DenialCode.ORDER_RATE_LIMIT,
                f"{limits.max_orders_per_minute} entries already approved in the last minute",
            )
        entry, stop = prices.entry, prices.stop
        facts = EntryFacts(
            account.equity,
            account.available_balance,
            request.leverage,
            entry,
            mark if mark > entry else entry,
            prices.worst,
            None if stop is None else abs(entry - stop),
            held * mark,
            exposure,
        )
        lot = rules.limit_lot if request.order_type is LIMIT else rules.taker_lot
        sized = size_entry(request.quantity, facts, rules, lot, limits, self._fee_rate)
        if not isinstance(sized, Sized):
            return sized
        if not counted:
            self._throttle.record(now_ms)
        order, protective = entry_orders(request, sized.quantity, prices)
        adjustments = sized.adjustments
        if prices.adjustments:
            adjustments = prices.adjustments + adjustments
        return Approved(order, request.leverage, protective, adjustments)


def _malformed(request: OrderRequest) -> Denied | None:
    """Return why an entry request cannot be an order at all, if it cannot."""
    if request.order_type not in _ENTRY_TYPES:
        return Denied(
            DenialCode.UNSUPPORTED_ORDER_TYPE,
            f"an entry must be a market or limit order, not {request.order_type}",
        )
    problem = None
    if request.order_type is LIMIT and (request.price is None or request.price <= ZERO):
        problem = f"a limit entry needs a price above zero, got {request.price}"
    elif request.quantity is not None and request.quantity <= ZERO:
        problem = f"quantity must be above zero, got {request.quantity}"
    elif request.leverage < 1:
        problem = f"leverage must be at least 1x, got {request.leverage}x"
    elif request.confidence is not None and not ZERO <= request.confidence <= 1:
        problem = f"confidence must be within [0, 1], got {request.confidence}"
    elif request.stop_loss is not None and request.stop_loss <= ZERO:
        problem = f"stop loss must be above zero, got {request.stop_loss}"
    elif request.take_profit is not None and request.take_profit <= ZERO:
        problem = f"take profit must be above zero, got {request.take_profit}"
    return None if problem is None else Denied(DenialCode.INVALID_REQUEST, problem)
