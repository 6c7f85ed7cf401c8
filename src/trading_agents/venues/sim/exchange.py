"""The simulated exchange: matching, fees, slippage, funding and liquidation on candles or ticks.

Market orders fill at the next price the exchange sees. Within a candle the price is assumed
to travel open -> low -> high -> close or open -> high -> low -> close, whichever is adverse
to the position held, so a stop and a take-profit touched in one candle resolve to the stop.
Exits attached to an entry are placed the moment the entry is done filling, at the price of
that moment, so the rest of the same candle's path can already reach them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, NamedTuple

from trading_agents.core.decimals import (
    ZERO,
    ceil_to_tick,
    floor_to_tick,
    plain,
    round_down_to_step,
)
from trading_agents.market.candles import Candle
from trading_agents.model.enums import Liquidity, OrderStatus, Side
from trading_agents.model.instruments import Instrument, InstrumentRegistry
from trading_agents.model.members import (
    ACCEPTED,
    BUY,
    CANCELED,
    CONDITIONAL_TYPES,
    EXPIRED,
    FILLED,
    IOC,
    LIMIT,
    MAKER,
    MARKET,
    OPEN_STATUSES,
    REJECTED,
    TAKER,
    TRIGGERED,
)
from trading_agents.model.orders import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderIntent,
    OrderTriggered,
    trade_event,
)
from trading_agents.model.positions import USDT_QUANTUM
from trading_agents.model.reports import ExecutionReport, FillReport, FundingReport, OrderUpdate
from trading_agents.portfolio.ledger import InsufficientFunds, Ledger, LedgerSnapshot
from trading_agents.venues.errors import (
    BinanceCode,
    OrderNotFound,
    OrderRejected,
    VenueUnavailable,
)
from trading_agents.venues.sim import book, checks
from trading_agents.venues.sim.book import DOWN, UP
from trading_agents.venues.sim.config import FUNDING_INTERVAL_MS, SimVenueConfig

LIQUIDATION_ORDER_PREFIX: Final = "autoclose-"  # Binance names its liquidation orders this way


class ExchangeSnapshot(NamedTuple):
    """The exchange's account, its orders named by id: each order is stored as its own row."""

    ledger: LedgerSnapshot
    open_orders: dict[str, tuple[str, ...]]  # by symbol, in the order they rest
    awaiting_next_price: dict[str, tuple[str, ...]]
    last: dict[str, Decimal]
    liquidation_price: dict[str, Decimal | None]
    volume_left: dict[str, Decimal | None]
    attached: dict[str, tuple[OrderIntent, ...]]
    next_funding_ms: dict[str, int]
    trade_seq: int
    order_seq: int


class SimExchange:
    """A futures exchange in memory: one account, one-way isolated positions."""

    def __init__(
        self, instruments: InstrumentRegistry, config: SimVenueConfig, keep_ended: bool = True
    ) -> None:
        """Trade one account; without `keep_ended`, forget each order once it ends.

        Binance itself forgets ended orders after a while. A backtest asks nothing of them: its
        result is the fills and trades, and a year's orders would hold a fifth of its memory.
        """
        self.instruments = instruments
        self.config = config
        self._keep_ended = keep_ended
        self.ledger = Ledger(instruments, config.default_leverage)
        self._orders: dict[str, Order] = {}
        self._venue_ids: dict[str, str] = {}
        self._open: dict[str, list[Order]] = {}
        self._awaiting_next_price: dict[str, list[Order]] = {}
        self._last: dict[str, Decimal] = {}
        self._liquidation_price: dict[str, Decimal | None] = {}
        self._volume_left: dict[str, Decimal | None] = {}
        self._attached: dict[str, tuple[OrderIntent, ...]] = {}
        self._attached_ids: set[str] = set()  # the client order ids of every exit in _attached
        self._formed: dict[str, Instrument] = {}  # by entry: whose lot and tick its exits passed
        self._next_funding_ms: dict[str, int] = {}
        self._reports: list[ExecutionReport] = []
        self._trade_seq = 0
        self._order_seq = 0

    # -- restart ---------------------------------------------------------------------------

    def snapshot(self) -> ExchangeSnapshot:
        """Return the account's state; the orders themselves are read with `orders()`."""
        if self._reports:
            raise RuntimeError("drain the exchange's reports before taking a snapshot")
        return ExchangeSnapshot(
            self.ledger.snapshot(),
            _ids_by_symbol(self._open),
            _ids_by_symbol(self._awaiting_next_price),
            dict(self._last),
            dict(self._liquidation_price),
            dict(self._volume_left),
            dict(self._attached),
            dict(self._next_funding_ms),
            self._trade_seq,
            self._order_seq,
        )

    def restore(
        self, snapshot: ExchangeSnapshot, orders: Sequence[Order], venue_ids: Mapping[str, str]
    ) -> None:
        """Take back a snapshot and the account's orders (oldest first) with their venue ids.

        The orders are the books' record of them, the same as the exchange's: each is copied,
        since from here on the exchange moves its own. One it never took (an exit it refused:
        no venue id) is left out.
        """
        self.ledger.restore(snapshot.ledger)
        self._orders = {
            order.client_order_id: _copy(order)
            for order in orders
            if venue_ids.get(order.client_order_id)
        }
        self._venue_ids = {cid: venue_ids[cid] for cid in self._orders}
        self._open = self._orders_by_symbol(snapshot.open_orders)
        self._awaiting_next_price = self._orders_by_symbol(snapshot.awaiting_next_price)
        self._last = dict(snapshot.last)
        self._liquidation_price = dict(snapshot.liquidation_price)
        self._volume_left = dict(snapshot.volume_left)
        self._attached = dict(snapshot.attached)
        self._attached_ids = {exit_.client_order_id for e in self._attached.values() for exit_ in e}
        self._formed = {}
        self._next_funding_ms = dict(snapshot.next_funding_ms)
        self._trade_seq = snapshot.trade_seq
        self._order_seq = snapshot.order_seq
        self._reports = []

    def _orders_by_symbol(self, ids: Mapping[str, tuple[str, ...]]) -> dict[str, list[Order]]:
        found: dict[str, list[Order]] = {}
        for symbol, cids in ids.items():
            missing = [cid for cid in cids if cid not in self._orders]
            if missing:
                raise ValueError(f"{symbol}: the snapshot names unknown orders {missing}")
            found[symbol] = [self._orders[cid] for cid in cids]
        return found

    # -- account ---------------------------------------------------------------------------

    def last_price(self, symbol: str) -> Decimal | None:
        """Return the last price seen for `symbol`."""
        return self._last.get(symbol)

    def marks(self) -> dict[str, Decimal]:
        """Return the last price of every symbol seen."""
        return dict(self._last)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage of the symbol's next position."""
        instrument = self.instruments.get(symbol)
        if not 1 <= leverage <= instrument.max_leverage:
            raise OrderRejected(
                int(BinanceCode.LEVERAGE_NOT_VALID),
                f"Leverage {leverage} is not valid for {symbol} (1..{instrument.max_leverage})",
            )
        position = self.ledger.position(symbol)
        if position.is_open:
            raise OrderRejected(
                int(BinanceCode.LEVERAGE_NOT_VALID),
                f"{symbol}: leverage cannot change while a position is open",
            )
        position.change_leverage(leverage)

    def drain_reports(self) -> list[ExecutionReport]:
        """Return and forget the reports produced since the last call."""
        reports, self._reports = self._reports, []
        return reports

    def order(self, client_order_id: str) -> Order:
        """Return an order by client order id, open or finished."""
        try:
            return self._orders[client_order_id]
        except KeyError:
            raise OrderNotFound(client_order_id) from None

    def holds(self, client_order_id: str) -> bool:
        """Tell whether the exchange took an order with this client order id."""
        return client_order_id in self._orders

    def venue_order_id(self, client_order_id: str) -> str:
        """Return the exchange's own id for an order."""
        return self._venue_ids[client_order_id]

    def orders(self) -> list[Order]:
        """Return every order the exchange took, oldest first, open or finished."""
        return list(self._orders.values())

    def withdraw(self, amount: Decimal) -> None:
        """Take money out of the account: only what neither positions nor orders hold."""
        free = self.ledger.available_balance() - self._reserved_margin()
        if amount > free:
            raise InsufficientFunds(
                f"withdrawal of {amount} USDT exceeds the {plain(free)} USDT that positions"
                " and open orders leave free"
            )
        self.ledger.withdraw(amount)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return the orders that can still fill."""
        if symbol is not None:
            return list(self._open.get(symbol, ()))
        return [order for orders in self._open.values() for order in orders]

    def quiet_band(self, symbol: str) -> tuple[float, float] | None:
        """Return the prices strictly between which the symbol's next candles change nothing.

        A candle whose float low is above the first and float high below the second may be
        skipped; None means the next candle must be fed whatever its range. Not covered: the
        caller feeds the first candle at or after each funding boundary, and the candle it acts
        on before it submits or cancels, since orders are checked against the last price fed.
        """
        last = self._last.get(symbol)
        if last is None or self._awaiting_next_price.get(symbol):
            return None
        resting = self._open.get(symbol, [])
        if any(order.intent.order_type is MARKET for order in resting):
            return None
        position = self.ledger.positions.get(symbol)
        quantity = ZERO if position is None else position.quantity
        return book.quiet_band(resting, self._liquidation_price.get(symbol), quantity, last)

    # -- orders ----------------------------------------------------------------------------

    def submit(
        self, intent: OrderIntent, ts_ms: int, attached: Sequence[OrderIntent] = ()
    ) -> Order:
        """Accept an order or raise OrderRejected with Binance's code.

        `attached` reduce-only exits are checked for form now and placed, sized to the
        position, once the order is done filling; if it never trades they are dropped.
        """
        if intent.symbol not in self.instruments:
            raise OrderRejected(
                int(BinanceCode.INVALID_SYMBOL),
                f"Invalid symbol {intent.symbol}",
                intent.client_order_id,
            )
        last = self._last.get(intent.symbol)
        if last is None:
            raise VenueUnavailable(f"no market price for {intent.symbol} yet; cannot take orders")
        self._check(intent, last)
        instrument = self.instruments.get(intent.symbol)
        checks.check_attached(intent, attached, instrument, last)
        for exit_ in attached:
            self._check_unused_id(exit_)
        order = self._open_order(intent, ts_ms, last)
        if attached:
            self._attached[intent.client_order_id] = tuple(attached)
            self._formed[intent.client_order_id] = instrument
            self._attached_ids.update(exit_.client_order_id for exit_ in attached)
        return order

    def cancel(self, symbol: str, client_order_id: str, ts_ms: int) -> Order:
        """Cancel an open order; an unknown or finished one raises OrderNotFound."""
        order = self._orders.get(client_order_id)
        if order is None or order.intent.symbol != symbol or order.status not in OPEN_STATUSES:
            raise OrderNotFound(client_order_id)
        self._retire(order, OrderCanceled(ts_ms, "canceled by the client"), CANCELED)
        self._place_attached(order, ts_ms, self._last[symbol])
        return order

    def _check_unused_id(self, intent: OrderIntent) -> None:
        cid = intent.client_order_id
        known = self._orders.get(cid)
        if (known is not None and known.status in OPEN_STATUSES) or cid in self._attached_ids:
            raise OrderRejected(
                int(BinanceCode.DUPLICATE_CLIENT_ORDER_ID), f"Duplicate clientOrderId {cid}", cid
            )

    def _check(self, intent: OrderIntent, last: Decimal, formed: Instrument | None = None) -> None:
        """Check an order; one that passed the lot and tick filters of `formed` skips those."""
        self._check_unused_id(intent)
        instrument = self.instruments.get(intent.symbol)
        if instrument is not formed:  # an instrument is frozen: the same one, the same filters
            checks.check_form(intent, instrument)
        checks.check_price_limits(intent, instrument, last)
        checks.check_trigger(intent, last)
        position = self.ledger.position(intent.symbol)
        checks.check_reduce_only(intent, position.quantity)
        if intent.reduce_only:
            return
        reference = intent.price or intent.trigger_price or last
        opening = checks.opening_quantity(intent.side, intent.quantity, position.quantity)
        resting = intent.order_type is LIMIT and intent.time_in_force is not IOC
        fee_rate = self.config.maker_fee if resting else self.config.taker_fee
        checks.check_margin(
            intent,
            opening,
            reference,
            position.leverage,
            fee_rate,
            self.ledger.available_balance() - self._reserved_margin(),
        )
        notional_after = (abs(position.quantity) + opening) * reference
        checks.check_leverage_bracket(intent, instrument, notional_after, position.leverage)

    def _open_order(self, intent: OrderIntent, ts_ms: int, last: Decimal) -> Order:
        order = Order(intent, created_ms=ts_ms)
        order.apply(OrderAccepted(ts_ms))
        self._order_seq += 1
        venue_id = str(self._order_seq)
        self._orders[intent.client_order_id] = order
        self._venue_ids[intent.client_order_id] = venue_id
        self._open.setdefault(intent.symbol, []).append(order)
        # An IOC order never rests: the next price fills it within its limit or expires it.
        if (
            intent.order_type is MARKET
            or intent.time_in_force is IOC
            or book.marketable(intent, last)
        ):
            self._awaiting_next_price.setdefault(intent.symbol, []).append(order)
        self._reports.append(
            OrderUpdate(
                intent.client_order_id,
                intent.symbol,
                ACCEPTED,
                ts_ms,
                "",
                venue_id,
                intent,
            )
        )
        return order

    def _place_attached(self, entry: Order, ts_ms: int, price: Decimal) -> None:
        """Place the exits attached to an entry that is done filling, against `price`."""
        exits = self._attached.pop(entry.client_order_id, ())
        formed = self._formed.pop(entry.client_order_id, None)
        self._attached_ids.difference_update(exit_.client_order_id for exit_ in exits)
        if not exits or not entry.filled_quantity:
            return  # an entry that never traded has nothing to protect
        symbol = entry.intent.symbol
        size = abs(self.ledger.position(symbol).quantity)
        for exit_ in exits:
            # With no position left the original size stays, and the reduce-only check refuses it.
            # An exit already of the position's size (the same digits: compare_total is zero)
            # is placed as it is.
            sized = (
                exit_.resized(size) if size > ZERO and size.compare_total(exit_.quantity) else exit_
            )
            try:
                self._check(sized, price, formed if sized is exit_ else None)
            except OrderRejected as rejected:
                self._reports.append(
                    OrderUpdate(
                        exit_.client_order_id,
                        symbol,
                        REJECTED,
                        ts_ms,
                        f"{rejected.code}: {rejected.message}",
                        intent=sized,
                        code=rejected.code,
                    )
                )
                continue
            self._open_order(sized, ts_ms, price)

    def _reserved_margin(self) -> Decimal:
        reserved = ZERO
        for order in self.open_orders():
            intent = order.intent
            if intent.reduce_only:
                continue
            price = intent.price or intent.trigger_price or self._last[intent.symbol]
            leverage = self.ledger.position(intent.symbol).leverage
            reserved += order.remaining * price / leverage
        return reserved

    # -- market data -----------------------------------------------------------------------

    def on_candle(self, candle: Candle) -> None:
        """Run a closed candle through the book: fills, triggers, liquidation and funding."""
        symbol = candle.symbol
        self._settle_funding(symbol, candle.open_ms, candle.open)
        last = self._last.get(symbol, candle.open)
        if not self._open.get(symbol) and not self.ledger.position(symbol).is_open:
            self._last[symbol] = candle.close
            return
        participation = self.config.max_volume_participation
        self._volume_left[symbol] = None if participation is None else candle.volume * participation
        self._fill_awaiting(symbol, candle.open, candle.open_ms)
        # The whole path lies within these bounds: where no level does, no segment hits one.
        resting, liquidation = self._open.get(symbol, ()), self._liquidation_price.get(symbol)
        if book.any_within(resting, liquidation, min(last, candle.low), max(last, candle.high)):
            self._run_segment(symbol, last, candle.open, candle.open_ms, gap=True)
            for start, end in book.path(candle, self.ledger.position(symbol).quantity):
                self._run_segment(symbol, start, end, candle.close_ms, gap=False)
        self._last[symbol] = candle.close

    def waits_for_price(self, symbol: str) -> bool:
        """Tell whether an order on `symbol` waits for the next price to fill."""
        return bool(self._awaiting_next_price.get(symbol))

    def on_price(self, symbol: str, ts_ms: int, price: Decimal) -> None:
        """Run a traded price through the book; the move from the last price is a jump."""
        self._settle_funding(symbol, ts_ms, price)
        last = self._last.get(symbol, price)
        self._volume_left[symbol] = None
        self._fill_awaiting(symbol, price, ts_ms)
        self._run_segment(symbol, last, price, ts_ms, gap=True)
        self._last[symbol] = price

    def on_mark(self, symbol: str, ts_ms: int, mark: Decimal) -> None:
        """Trigger stops, take-profits and liquidation at a mark price; nothing else trades on it.

        A mark is no trade: market orders waiting for the next price and resting limit orders
        wait on, and the last traded price stays where the next candle's path starts. A level
        between the last trade and the mark has been crossed; what it triggers fills at the
        mark, as a market order placed at that moment would.
        """
        last = self._last.get(symbol)
        if last is None or last == mark:
            return
        if not self._open.get(symbol) and not self.ledger.position(symbol).is_open:
            return
        self._volume_left[symbol] = None  # a mark carries no volume to cap fills by
        self._run_segment(symbol, last, mark, ts_ms, gap=True, triggers_only=True)

    def _settle_funding(self, symbol: str, ts_ms: int, mark: Decimal) -> None:
        """Settle the symbol's position for each boundary up to `ts_ms`, at the price there."""
        boundary = self._next_funding_ms.get(symbol)
        if boundary is None:
            self._next_funding_ms[symbol] = (
                ts_ms - ts_ms % FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS
            )
            return
        if boundary > ts_ms:
            return
        position = self.ledger.positions.get(symbol)
        while boundary <= ts_ms:
            rate = self.config.funding.rate_at(symbol, boundary)
            if position is not None and position.is_open and rate is not None:
                amount = self.ledger.apply_funding(symbol, rate, mark)
                self._reports.append(
                    FundingReport(symbol, boundary, rate, mark, position.quantity, amount)
                )
            boundary += FUNDING_INTERVAL_MS
        self._next_funding_ms[symbol] = boundary

    # -- matching --------------------------------------------------------------------------

    def _fill_awaiting(self, symbol: str, price: Decimal, ts_ms: int) -> None:
        waiting = self._awaiting_next_price.pop(symbol, None)
        if not waiting:
            return
        for order in waiting:
            if order.status not in OPEN_STATUSES:
                continue
            intent = order.intent
            if intent.time_in_force is IOC:
                self._fill_or_expire(order, price, ts_ms)
                continue
            if intent.order_type is LIMIT:
                assert intent.price is not None
                crossed = price <= intent.price if intent.side is BUY else price >= intent.price
                if not crossed:
                    continue  # the price moved away: it rests on the book as a maker order
            slipped = self._slipped(intent.side, price, symbol)
            self._execute(order, slipped, TAKER, ts_ms, market=price)
            if order.status in OPEN_STATUSES and intent.order_type is MARKET:
                # A volume cap left part of it: the rest trades at the next price.
                self._awaiting_next_price.setdefault(symbol, []).append(order)

    def _fill_or_expire(self, order: Order, price: Decimal, ts_ms: int) -> None:
        """Trade an IOC order at `price` within its limit; what does not trade expires."""
        intent = order.intent
        limit = intent.price
        assert limit is not None  # an IOC order is a limit order
        buying = intent.side is BUY
        if price <= limit if buying else price >= limit:
            slipped = self._slipped(intent.side, price, intent.symbol)
            # Slippage walks the book, and the book is walked no further than the limit.
            fill = min(slipped, limit) if buying else max(slipped, limit)
            self._execute(order, fill, TAKER, ts_ms, market=price)
            if order.status not in OPEN_STATUSES:
                return
            reason = "IOC: the rest found no volume within the limit"
        else:
            reason = f"IOC: the market at {plain(price)} is beyond the limit {plain(limit)}"
        self._retire(order, OrderExpired(ts_ms, reason), EXPIRED)
        self._place_attached(order, ts_ms, price)  # for what did trade; none when nothing did

    def _run_segment(
        self,
        symbol: str,
        start: Decimal,
        end: Decimal,
        ts_ms: int,
        *,
        gap: bool,
        triggers_only: bool = False,
    ) -> None:
        if start == end:
            return
        direction = UP if end > start else DOWN
        position_price = start
        while True:
            hit = self._first_hit(symbol, position_price, end, direction, triggers_only)
            if hit is None:
                return
            level, order = hit
            if order is None:
                self._liquidate(symbol, level, ts_ms)
            else:
                price = end if gap else level
                self._trigger_and_fill(order, price, ts_ms)
                if order.status in OPEN_STATUSES:
                    return  # held back by the volume cap: nothing else trades in this segment
            position_price = level

    def _first_hit(
        self,
        symbol: str,
        start: Decimal,
        end: Decimal,
        direction: int,
        triggers_only: bool = False,
    ) -> tuple[Decimal, Order | None] | None:
        low, high = (start, end) if direction == UP else (end, start)
        best: tuple[Decimal, Order | None] | None = None
        volume_left = self._volume_left.get(symbol)
        if volume_left is None or volume_left > ZERO:
            for order in self._open.get(symbol, ()):
                order_type = order.intent.order_type
                # Market orders have no level: they trade at the next price, not on a touch.
                # A limit order trades against trades, so a mark price does not fill it.
                if (
                    order_type is MARKET
                    or (triggers_only and order_type not in CONDITIONAL_TYPES)
                    or book.direction_needed(order) != direction
                ):
                    continue
                level = book.level(order)
                if low <= level <= high and (
                    best is None or book.nearer(level, best[0], direction)
                ):
                    best = (level, order)
        liquidation = self._liquidation_price.get(symbol)
        if liquidation is not None and low <= liquidation <= high:
            quantity = self.ledger.position(symbol).quantity
            toward = DOWN if quantity > ZERO else UP
            if toward == direction and (
                best is None or book.nearer(liquidation, best[0], direction)
            ):
                best = (liquidation, None)
        return best

    def _trigger_and_fill(self, order: Order, price: Decimal, ts_ms: int) -> None:
        intent = order.intent
        if intent.order_type in CONDITIONAL_TYPES:
            if order.status is ACCEPTED:
                order.apply(OrderTriggered(ts_ms, price))
                self._reports.append(
                    OrderUpdate(
                        intent.client_order_id,
                        intent.symbol,
                        TRIGGERED,
                        ts_ms,
                        price=price,
                    )
                )
            slipped = self._slipped(intent.side, price, intent.symbol)
            self._execute(order, slipped, TAKER, ts_ms, market=price)
        else:
            self._execute(order, price, MAKER, ts_ms, market=price)

    def _slipped(self, side: Side, price: Decimal, symbol: str) -> Decimal:
        if not self.config.slippage:
            return price
        tick = self.instruments.get(symbol).tick_size
        if side is BUY:
            return ceil_to_tick(price * (1 + self.config.slippage), tick)
        return floor_to_tick(price * (1 - self.config.slippage), tick)

    def _execute(
        self, order: Order, price: Decimal, liquidity: Liquidity, ts_ms: int, *, market: Decimal
    ) -> None:
        """Trade what the order can at `price`; once it is done, place its attached exits."""
        self._trade(order, price, liquidity, ts_ms)
        if order.status not in OPEN_STATUSES:
            self._place_attached(order, ts_ms, market)

    def _trade(self, order: Order, price: Decimal, liquidity: Liquidity, ts_ms: int) -> None:
        intent = order.intent
        position = self.ledger.position(intent.symbol)
        remaining = quantity = order.remaining
        capped_by_position = False
        if intent.reduce_only:
            reducible = checks.reducing_quantity(intent.side, quantity, position.quantity)
            if not reducible:
                self._retire(
                    order,
                    OrderExpired(ts_ms, "reduce-only: no position left to reduce"),
                    EXPIRED,
                )
                return
            capped_by_position = reducible < quantity
            quantity = reducible
        volume_left = self._volume_left.get(intent.symbol)
        if volume_left is not None:
            instrument = self.instruments.get(intent.symbol)
            step = (
                instrument.step_size if intent.order_type is LIMIT else instrument.market_step_size
            )
            quantity = min(quantity, round_down_to_step(volume_left, step))
            if not quantity:
                return
            self._volume_left[intent.symbol] = volume_left - quantity
        fee_rate = self.config.maker_fee if liquidity is MAKER else self.config.taker_fee
        # Binance books commission in USDT to 8 decimals, like every other amount.
        fee = (quantity * price * fee_rate).quantize(USDT_QUANTUM, ROUND_HALF_EVEN)
        opening = checks.opening_quantity(intent.side, quantity, position.quantity)
        if (
            opening > ZERO
            and opening * price / position.leverage + fee > self.ledger.available_balance()
        ):
            self._retire(
                order,
                OrderExpired(
                    ts_ms, f"{BinanceCode.MARGIN_INSUFFICIENT}: margin is insufficient at {price}"
                ),
                EXPIRED,
            )
            return
        realized = self.ledger.apply_fill(intent.symbol, intent.side, quantity, price, fee, ts_ms)
        self._trade_seq += 1
        trade_id = f"sim-{self._trade_seq}"
        done = quantity == remaining
        order.apply(trade_event(done, ts_ms, trade_id, quantity, price, fee, liquidity))
        self._reports.append(
            FillReport(
                intent.client_order_id,
                trade_id,
                intent.symbol,
                intent.side,
                quantity,
                price,
                fee,
                liquidity,
                ts_ms,
                order.status,
                realized,
            )
        )
        if capped_by_position:
            self._retire(
                order,
                OrderExpired(ts_ms, "reduce-only: position smaller than the order"),
                EXPIRED,
            )
        elif order.status not in OPEN_STATUSES:
            self._forget_open(order)
        self._after_position_change(intent.symbol, ts_ms)

    def _liquidate(self, symbol: str, price: Decimal, ts_ms: int) -> None:
        side, quantity, realized, fee = self.ledger.liquidate(symbol, price, ts_ms)
        self._trade_seq += 1
        self._reports.append(
            FillReport(
                f"{LIQUIDATION_ORDER_PREFIX}{symbol}-{ts_ms}",
                f"sim-{self._trade_seq}",
                symbol,
                side,
                quantity,
                price,
                fee,
                TAKER,
                ts_ms,
                FILLED,
                realized,
                is_liquidation=True,
            )
        )
        self._after_position_change(symbol, ts_ms)

    def _after_position_change(self, symbol: str, ts_ms: int) -> None:
        position = self.ledger.position(symbol)
        self._liquidation_price[symbol] = position.liquidation_price()
        if position.is_open:
            return
        # With the position gone its stops and take-profits have nothing left to protect.
        for order in list(self._open.get(symbol, ())):
            if order.intent.reduce_only and order.status in OPEN_STATUSES:
                self._retire(order, OrderExpired(ts_ms, "reduce-only: position closed"), EXPIRED)

    def _retire(
        self, order: Order, event: OrderCanceled | OrderExpired, status: OrderStatus
    ) -> None:
        order.apply(event)
        self._forget_open(order)
        self._reports.append(
            OrderUpdate(
                order.client_order_id, order.intent.symbol, status, event.ts_ms, event.reason
            )
        )

    def _forget_open(self, order: Order) -> None:
        symbol = order.intent.symbol
        # Orders compare by identity, so list.remove finds exactly this one.
        self._open[symbol].remove(order)
        waiting = self._awaiting_next_price.get(symbol)
        if waiting and order in waiting:
            waiting.remove(order)
        if not self._keep_ended:
            cid = order.client_order_id
            del self._orders[cid]
            del self._venue_ids[cid]


def _copy(order: Order) -> Order:
    return Order(
        order.intent,
        order.created_ms,
        order.status,
        order.filled_quantity,
        order.average_price,
        order.fees,
        list(order.events),
    )


def _ids_by_symbol(orders: Mapping[str, list[Order]]) -> dict[str, tuple[str, ...]]:
    return {symbol: tuple(o.client_order_id for o in queue) for symbol, queue in orders.items()}
