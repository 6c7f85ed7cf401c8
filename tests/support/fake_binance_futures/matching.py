"""The fake's matching engine and algo service: orders, fills, triggers, funding.

There is no order book: the market is one price per symbol that the test moves. Market orders
fill at it (taker); resting limit orders fill at their own price when a move crosses them
(maker); conditional orders trigger when a move crosses their trigger price and become a
MARKET (or LIMIT) order that fills at the trigger price. A move is continuous, so everything
it crosses happens in the order the price reaches it. Every change is pushed on the user
stream through `emit`, in the order it happens.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from tests.support.fake_binance_futures.account import Account
from tests.support.fake_binance_futures.rules import Params, Rules
from tests.support.fake_binance_futures.wire import (
    ZERO,
    AlgoOrder,
    Income,
    Json,
    Order,
    Trade,
    account_update,
    algo_update,
    order_trade_update,
    refuse,
)

_ALPHABET = string.ascii_letters + string.digits
_SIDES = ("BUY", "SELL")
_ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")
EXPIRED_REDUCE_ONLY = 4  # "er": knocked out because it would no longer reduce the position
EXPIRED_IOC = 2  # "er": IOC/FOK order could not be filled


def random_id(length: int = 22) -> str:
    """Return an id of the shape Binance generates when the client sends none."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _reduces(amount: Decimal, side: str) -> Decimal:
    """Return how much of the position an order on `side` can reduce."""
    if (amount > ZERO and side == "SELL") or (amount < ZERO and side == "BUY"):
        return abs(amount)
    return ZERO


def _triggered(algo: AlgoOrder, price: Decimal) -> bool:
    """Tell whether the market at `price` meets the algo order's trigger condition."""
    stop = algo.type in ("STOP_MARKET", "STOP")
    rising = (algo.side == "BUY") == stop  # buy stops and sell take-profits wait for a rise
    return price >= algo.trigger_price if rising else price <= algo.trigger_price


class Exchange:
    """Keep orders, algo orders, trades and income, and run them against the price."""

    def __init__(
        self,
        rules: dict[str, Rules],
        *,
        wallet: Decimal,
        taker_fee: Decimal,
        maker_fee: Decimal,
        now: Callable[[], int],
        emit: Callable[[Json], None],
    ) -> None:
        self.rules = rules
        self.account = Account(rules, wallet, taker_fee)
        if wallet:
            # Binance shows updateTime 0 for an asset never used, and clients skip such assets.
            self.account.update_time = now()
        self.taker_fee, self.maker_fee = taker_fee, maker_fee
        self.now, self.emit = now, emit
        self.orders: list[Order] = []
        self.algos: list[AlgoOrder] = []
        self.trades: list[Trade] = []
        self.income: list[Income] = []
        self.dual_side = False
        self.pieces = 1  # how many trades a marketable order fills in, as a thin book does
        self.depth: Decimal | None = None  # what the book holds within any limit; None: enough
        self._next_order, self._next_algo = 8_100_000_001, 3_000_000_001
        self._next_trade, self._next_tran = 610_000_001, 9_000_000_001

    def shift_ids(self, by: int) -> None:
        """Start this account's order, algo, trade and transfer ids `by` further on."""
        self._next_order += by
        self._next_algo += by
        self._next_trade += by
        self._next_tran += by

    def prices_from(self, other: Exchange) -> None:
        """Take the market's prices (last and mark are one here) from another account's view."""
        self.account.prices.update(other.account.prices)

    # Lookups -----------------------------------------------------------------------------

    def symbol_rules(self, symbol: str | None) -> Rules:
        """Return a symbol's rules, or refuse with -1121."""
        if symbol is None or symbol not in self.rules:
            raise refuse(-1121, "Invalid symbol.")
        return self.rules[symbol]

    def find_order(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """Return the latest order with this id or client id, or refuse with -2013."""
        for order in reversed(self.orders):
            if order.symbol == symbol and (
                order.order_id == order_id
                if order_id is not None
                else order.client_order_id == client_id
            ):
                return order
        raise refuse(-2013, "Order does not exist.")

    def find_algo(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        """Return the latest algo order with this id or client id, or refuse with -2013."""
        for algo in reversed(self.algos):
            if algo.algo_id == algo_id if algo_id is not None else algo.client_algo_id == client_id:
                return algo
        # The docs name no code for an unknown algo order; -2013 is what GET /order sends.
        raise refuse(-2013, "Order does not exist.")

    def open_orders(self) -> list[Order]:
        """Return the regular orders still working."""
        return [o for o in self.orders if o.is_open]

    # Regular orders --------------------------------------------------------------------

    def accept_order(self, params: Params) -> Order:
        """Check a new order as Binance does, record it and push NEW; refuse it otherwise."""
        rules = self.symbol_rules(params.get("symbol"))
        side = params.choice("side", _SIDES, -1117, "Invalid side.")
        kind = params.choice("type", ("MARKET", "LIMIT"), -1116, "Invalid orderType.")
        quantity = params.decimal("quantity")
        price = params.decimal("price") if kind == "LIMIT" else ZERO
        tif = params.get("timeInForce") or "GTC"
        if tif not in ("GTC", "IOC", "FOK", "GTX"):
            raise refuse(-1115, "Invalid timeInForce.")
        reduce_only = params.flag("reduceOnly")
        client_id = params.get("newClientOrderId") or random_id()
        rules.check_quantity(quantity, market=kind == "MARKET")
        if kind == "LIMIT":
            rules.check_price(price)
        if self.dual_side or params.get("positionSide") not in (None, "BOTH"):
            # The fake trades one-way only; Binance refuses a side that does not fit the mode.
            raise refuse(-4061, "Order's position side does not match user's setting.")
        if any(o.client_order_id == client_id for o in self.open_orders()):
            raise refuse(-4116, "ClientOrderId is duplicated.")
        position = self.account.positions[rules.symbol]
        if reduce_only:
            reducible = _reduces(position.amount, side)
            if reducible == ZERO:
                raise refuse(-2022, "ReduceOnly Order is rejected.")
            quantity = min(quantity, reducible)
        last = self.account.prices.get(rules.symbol)
        if kind == "MARKET" and last is None:
            raise refuse(-2020, "Unable to fill.")  # the fake's book is empty until set_price
        reference = price if kind == "LIMIT" else last
        assert reference is not None
        if not reduce_only:
            rules.check_notional(quantity * reference)
        if (
            kind == "LIMIT"
            and tif == "GTX"
            and last is not None
            and self._marketable(side, price, last)
        ):
            raise refuse(
                -5022,
                "Due to the order could not be executed as maker, the Post Only order will be "
                "rejected. The order will not be recorded in the order history",
            )
        needed = self.account.order_margin(rules.symbol, side, quantity, reference, reduce_only)
        if needed > self.account.available(self.orders):
            raise refuse(-2019, "Margin is insufficient.")
        order = self._new_order(
            rules.symbol, client_id, side, kind, quantity, price, reduce_only, tif
        )
        return order

    def place_by_hand(self, symbol: str, side: str, quantity: Decimal) -> Order:
        """Fill a MARKET order someone placed outside the API (e.g. on the website)."""
        rules = self.symbol_rules(symbol)
        if rules.symbol not in self.account.prices:
            raise refuse(-2020, "Unable to fill.")
        order = self._new_order(
            rules.symbol, "web_" + random_id(20), side, "MARKET", quantity, ZERO, False, "GTC"
        )
        self.execute(order)
        return order

    def _new_order(
        self,
        symbol: str,
        client_id: str,
        side: str,
        kind: str,
        quantity: Decimal,
        price: Decimal,
        reduce_only: bool,
        tif: str,
        *,
        algo: AlgoOrder | None = None,
    ) -> Order:
        now = self.now()
        order = Order(
            order_id=self._next_order,
            client_order_id=client_id,
            symbol=symbol,
            side=side,
            type=kind,
            quantity=quantity,
            price=price,
            reduce_only=reduce_only,
            time_in_force=tif,
            status="NEW",
            time=now,
            update_time=now,
        )
        if algo is not None:
            order.orig_type, order.stop_price = algo.type, algo.trigger_price
            order.close_position, order.algo_id = algo.close_position, algo.algo_id
            order.working_type, order.price_protect = algo.working_type, algo.price_protect
        self._next_order += 1
        self.orders.append(order)
        self.emit(order_trade_update(order, now, "NEW"))
        return order

    @staticmethod
    def _marketable(side: str, price: Decimal, market: Decimal) -> bool:
        return price >= market if side == "BUY" else price <= market

    def execute(self, order: Order, market: Decimal | None = None) -> None:
        """Match a new order against the market: fill it, rest it or expire it."""
        market = market if market is not None else self.account.prices.get(order.symbol)
        if order.type == "MARKET" or (
            market is not None and self._marketable(order.side, order.price, market)
        ):
            assert market is not None
            self._take(order, market)
        if order.is_open and order.time_in_force in ("IOC", "FOK"):
            self._end(order, "EXPIRED", EXPIRED_IOC)

    def _take(self, order: Order, market: Decimal) -> None:
        """Trade a marketable order at `market`: in `pieces` trades, a limit one up to `depth`."""
        instrument = self.symbol_rules(order.symbol).instrument
        is_market = order.type == "MARKET"
        step = instrument.market_step_size if is_market else instrument.step_size
        # A market order walks the whole book; a limit order finds only what is within it.
        available = order.remaining if is_market or self.depth is None else self.depth
        available = min(available, order.remaining)
        if order.time_in_force == "FOK" and available < order.remaining:
            return  # all or nothing: it expires whole
        part = (available / self.pieces // step) * step
        taken = ZERO
        for _ in range(self.pieces - 1):
            if part > ZERO and order.is_open:
                self._fill(order, market, maker=False, quantity=part)
                taken += part
        if order.is_open and available > taken:
            self._fill(order, market, maker=False, quantity=available - taken)

    def cancel_order(self, order: Order) -> None:
        """Cancel a working order, or refuse with -2011 when it is not working."""
        if not order.is_open:
            raise refuse(-2011, "Unknown order sent.")
        self._end(order, "CANCELED")

    def _end(self, order: Order, status: str, expiry_reason: int = 0) -> None:
        now = self.now()
        order.status, order.update_time = status, now
        execution = "CANCELED" if status == "CANCELED" else "EXPIRED"
        self.emit(order_trade_update(order, now, execution, expiry_reason=expiry_reason))
        self._finish_algo(order)

    def _fill(
        self, order: Order, price: Decimal, *, maker: bool, quantity: Decimal | None = None
    ) -> None:
        """Fill what is left of an order (or `quantity` of it) at `price`.

        A reduce-only order is cut to the position.
        """
        account = self.account
        position = account.positions[order.symbol]
        qty = order.remaining if quantity is None else min(quantity, order.remaining)
        if order.reduce_only or order.close_position:
            qty = min(qty, _reduces(position.amount, order.side))
            if qty == ZERO:
                self._end(order, "EXPIRED", EXPIRED_REDUCE_ONLY)
                return
        now = self.now()
        realized = account.apply_fill(order.symbol, order.side, qty, price)
        commission = qty * price * (self.maker_fee if maker else self.taker_fee)
        account.wallet += realized - commission
        account.update_time = position.update_time = now
        trade = Trade(
            self._next_trade, order.order_id, order.symbol, order.side, price, qty, realized,
            commission, maker, now,
        )  # fmt: skip
        self._next_trade += 1
        self.trades.append(trade)
        if realized:
            self._record_income(order.symbol, "REALIZED_PNL", realized, str(trade.trade_id))
        self._record_income(order.symbol, "COMMISSION", -commission, str(trade.trade_id))
        order.executed_qty += qty
        order.cum_quote += qty * price
        order.avg_price = order.cum_quote / order.executed_qty
        order.status = "FILLED" if order.remaining == ZERO else "PARTIALLY_FILLED"
        order.update_time = now
        self.emit(order_trade_update(order, now, "TRADE", trade))
        self.emit(
            account_update("ORDER", now, account.wallet, ZERO, [account.stream_entry(order.symbol)])
        )
        if order.remaining > ZERO and (order.reduce_only or order.close_position):
            self._end(order, "EXPIRED", EXPIRED_REDUCE_ONLY)  # the rest would open a position
        elif order.status == "FILLED":
            self._finish_algo(order)

    def _record_income(self, symbol: str, kind: str, amount: Decimal, trade_id: str = "") -> None:
        self.income.append(Income(self._next_tran, symbol, kind, amount, self.now(), trade_id))
        self._next_tran += 1

    # Algo orders -----------------------------------------------------------------------

    def accept_algo(self, params: Params) -> AlgoOrder:
        """Check a new conditional order as Binance does, record it and push NEW."""
        if params.required("algoType") != "CONDITIONAL":
            raise refuse(-1130, "Data sent for parameter 'algoType' is not valid.")
        rules = self.symbol_rules(params.get("symbol"))
        side = params.choice("side", _SIDES, -1117, "Invalid side.")
        kind = params.choice("type", _ALGO_TYPES, -1116, "Invalid orderType.")
        close_position = params.flag("closePosition")
        reduce_only = params.flag("reduceOnly") or close_position
        market = kind.endswith("_MARKET")
        if close_position and (params.get("quantity") is not None or not market):
            raise refuse(-4136, "Target strategy invalid for orderType " + kind + ".")
        quantity = ZERO if close_position else params.decimal("quantity")
        trigger = params.decimal("triggerPrice")
        price = ZERO if market else params.decimal("price")
        working_type = params.get("workingType") or "CONTRACT_PRICE"
        if working_type not in ("CONTRACT_PRICE", "MARK_PRICE"):
            raise refuse(-4031, f"Invalid parameter working type: {working_type}")
        client_id = params.get("clientAlgoId") or random_id()
        if not close_position:
            rules.check_quantity(quantity, market=market)
        rules.check_price(trigger)
        if not market:
            rules.check_price(price)
        if self.dual_side or params.get("positionSide") not in (None, "BOTH"):
            raise refuse(-4061, "Order's position side does not match user's setting.")
        open_algos = [a for a in self.algos if a.is_open]
        if any(a.client_algo_id == client_id for a in open_algos):
            # No separate code is documented for a clientAlgoId: the order code is assumed.
            raise refuse(-4116, "ClientOrderId is duplicated.")
        if sum(a.symbol == rules.symbol for a in open_algos) >= 10:  # MAX_NUM_ALGO_ORDERS
            raise refuse(-4045, "Reach max stop order limit.")
        if not reduce_only:
            rules.check_notional(quantity * (trigger if market else price))
        now = self.now()
        algo = AlgoOrder(
            algo_id=self._next_algo,
            client_algo_id=client_id,
            symbol=rules.symbol,
            side=side,
            type=kind,
            quantity=quantity,
            trigger_price=trigger,
            price=price,
            reduce_only=reduce_only,
            close_position=close_position,
            working_type=working_type,
            price_protect=params.flag("priceProtect"),
            time_in_force=params.get("timeInForce") or "GTC",
            status="NEW",
            create_time=now,
            update_time=now,
        )
        last = self.account.prices.get(rules.symbol)
        if last is not None and _triggered(algo, last):
            raise refuse(-2021, "Order would immediately trigger.")
        self._next_algo += 1
        self.algos.append(algo)
        self.emit(algo_update(algo, now))
        return algo

    def cancel_algo(self, algo: AlgoOrder) -> None:
        """Cancel a waiting algo order, or refuse with -2011 once it has triggered or ended."""
        if not algo.is_open:
            raise refuse(-2011, "Unknown order sent.")
        self._set_algo(algo, "CANCELED")

    def _set_algo(self, algo: AlgoOrder, status: str) -> None:
        now = self.now()
        algo.status, algo.update_time = status, now
        self.emit(algo_update(algo, now))

    def _trigger(self, algo: AlgoOrder) -> None:
        """Hand a triggered algo order to the matching engine as a MARKET or LIMIT order."""
        algo.trigger_time = self.now()
        self._set_algo(algo, "TRIGGERING")
        account = self.account
        reducible = _reduces(account.positions[algo.symbol].amount, algo.side)
        quantity = reducible if algo.close_position else algo.quantity
        if algo.reduce_only:
            quantity = min(quantity, reducible)
            if quantity == ZERO:
                algo.reject_reason = "Reduce Only reject"  # the wording in Binance's example
                self._set_algo(algo, "REJECTED")
                return
        market = algo.type.endswith("_MARKET")
        reference = algo.trigger_price if market else algo.price
        needed = account.order_margin(algo.symbol, algo.side, quantity, reference, algo.reduce_only)
        if needed > account.available(self.orders):
            algo.reject_reason = "Margin is insufficient."
            self._set_algo(algo, "REJECTED")
            return
        # Binance's docs do not say which clientOrderId the order placed by a trigger gets;
        # clients (e.g. NautilusTrader) find it under the clientAlgoId, so the fake uses that.
        order = self._new_order(
            algo.symbol,
            algo.client_algo_id,
            algo.side,
            "MARKET" if market else "LIMIT",
            quantity,
            ZERO if market else algo.price,
            algo.reduce_only,
            "GTC" if market else algo.time_in_force,
            algo=algo,
        )
        algo.actual_order_id, algo.actual_type = order.order_id, order.type
        self.execute(order, market=algo.trigger_price)
        if algo.status == "TRIGGERING":  # the order rests at the matching engine
            self._set_algo(algo, "TRIGGERED")

    def _finish_algo(self, order: Order) -> None:
        """Close the algo order that placed `order`, now that the order has ended."""
        if not order.algo_id or order.is_open:
            return
        algo = next(a for a in self.algos if a.algo_id == order.algo_id)
        if algo.status == "TRIGGERING":
            # Binance was seen pushing the order's fill before the algo's TRIGGERED
            # (NautilusTrader issue 3664), so TRIGGERED comes late, just before FINISHED.
            self._set_algo(algo, "TRIGGERED")
        algo.actual_price, algo.actual_qty = order.avg_price, order.executed_qty
        self._set_algo(algo, "FINISHED")

    # The market ------------------------------------------------------------------------

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Move the market to `price`, running what the move crosses in the order it is met."""
        rules = self.symbol_rules(symbol)
        account = self.account
        old = account.prices.get(rules.symbol)
        account.prices[rules.symbol] = price
        falling = old is not None and price < old
        while True:
            due = self._due(rules.symbol, price)
            if not due:
                return
            # A falling market meets the highest levels first, a rising one the lowest; at one
            # level the older order goes first.
            if falling:
                level, _, item = max(due, key=lambda d: (d[0], -d[1]))
            else:
                level, _, item = min(due, key=lambda d: (d[0], d[1]))
            if isinstance(item, AlgoOrder):
                self._trigger(item)
            else:
                self._fill(item, level, maker=True)

    def _due(self, symbol: str, price: Decimal) -> list[tuple[Decimal, int, Order | AlgoOrder]]:
        due: list[tuple[Decimal, int, Order | AlgoOrder]] = [
            (o.price, o.order_id, o)
            for o in self.orders
            if o.symbol == symbol
            and o.is_open
            and o.type == "LIMIT"
            and self._marketable(o.side, o.price, price)
        ]
        due += [
            (a.trigger_price, a.algo_id, a)
            for a in self.algos
            if a.symbol == symbol and a.is_open and _triggered(a, price)
        ]
        return due

    def wick_mark(self, symbol: str, mark: Decimal) -> None:
        """Let the mark price touch `mark` and come back; liquidate what it reaches.

        Binance liquidates on the mark price while the exits follow the last price
        (CONTRACT_PRICE), so a wick in the mark alone liquidates an isolated position whose
        stop never triggers. It cancels the symbol's open orders first, then closes the
        position at the liquidation price (on the tick) in an order of its own: client id
        `autoclose-<time>`, type LIQUIDATION, execution CALCULATED. What the margin has left
        is the clearance fee, taken for the insurance fund.
        """
        rules = self.symbol_rules(symbol)
        account = self.account
        position = account.positions[rules.symbol]
        if position.amount == ZERO or position.margin_type != "ISOLATED":
            return
        long = position.amount > ZERO
        tick = rules.instrument.tick_size
        edge = account.liquidation_price(position)
        price = (edge / tick).to_integral_value(ROUND_UP if long else ROUND_DOWN) * tick
        if (mark > price) if long else (mark < price):
            return
        for order in self.orders:
            if order.symbol == rules.symbol and order.is_open:
                self._end(order, "CANCELED")
        for algo in self.algos:
            if algo.symbol == rules.symbol and algo.is_open:
                self._set_algo(algo, "CANCELED")
        now = self.now()
        side, quantity, margin = (
            ("SELL" if long else "BUY"),
            abs(position.amount),
            position.isolated_wallet,
        )
        order = Order(
            order_id=self._next_order, client_order_id=f"autoclose-{now}", symbol=rules.symbol,
            side=side, type="LIQUIDATION", quantity=quantity, price=price, reduce_only=True,
            time_in_force="IOC", status="FILLED", time=now, update_time=now,
        )  # fmt: skip
        self._next_order += 1
        self.orders.append(order)
        realized = max(account.apply_fill(rules.symbol, side, quantity, price), -margin)
        clearance = margin + realized
        account.wallet += realized - clearance
        account.update_time = position.update_time = now
        trade = Trade(
            self._next_trade, order.order_id, rules.symbol, side, price, quantity, realized,
            clearance, False, now,
        )  # fmt: skip
        self._next_trade += 1
        self.trades.append(trade)
        self._record_income(rules.symbol, "REALIZED_PNL", realized, str(trade.trade_id))
        self._record_income(rules.symbol, "INSURANCE_CLEAR", -clearance, str(trade.trade_id))
        order.executed_qty, order.cum_quote, order.avg_price = quantity, quantity * price, price
        self.emit(order_trade_update(order, now, "CALCULATED", trade))
        self.emit(
            account_update("ORDER", now, account.wallet, ZERO, [account.stream_entry(rules.symbol)])
        )

    # Money -----------------------------------------------------------------------------

    def fund(self, amount: Decimal) -> None:
        """Credit the wallet as a transfer in, and push ACCOUNT_UPDATE reason DEPOSIT."""
        account = self.account
        account.wallet += amount
        account.update_time = self.now()
        self._record_income("", "TRANSFER", amount)
        self.emit(account_update("DEPOSIT", self.now(), account.wallet, amount, []))

    def charge_funding(self, symbol: str, rate: Decimal) -> None:
        """Settle funding on the position at the mark price: longs pay a positive rate."""
        rules = self.symbol_rules(symbol)
        account = self.account
        position = account.positions[rules.symbol]
        if position.amount == ZERO:
            return
        fee = -position.amount * account.mark(rules.symbol) * rate
        account.wallet += fee
        account.update_time = self.now()
        self._record_income(rules.symbol, "FUNDING_FEE", fee)
        # Per the docs, a cross position's funding pushes the balance only; isolated adds P.
        entries = [account.stream_entry(rules.symbol)] if position.margin_type == "ISOLATED" else []
        self.emit(account_update("FUNDING_FEE", self.now(), account.wallet, fee, entries))
