"""The fake's REST endpoints: each reads Binance's parameters and answers Binance's JSON.

A handler takes the request's parameters and returns the JSON body, or raises the refusal
Binance would send. The server in front of them does the signing, weights and faults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from tests.support.fake_binance_futures.matching import Exchange
from tests.support.fake_binance_futures.rules import Params
from tests.support.fake_binance_futures.wire import (
    ZERO,
    BinanceError,
    Json,
    algo_json,
    income_json,
    money,
    num,
    order_json,
    refuse,
    trade_json,
)

Security = Literal["NONE", "USER_STREAM", "SIGNED"]
Handler = Callable[[Params], Any]
SUCCESS: Json = {"code": 200, "msg": "success"}


def _either(params: Params, id_name: str, client_name: str) -> tuple[int | None, str | None]:
    order_id, client_id = params.maybe_integer(id_name), params.get(client_name)
    if order_id is None and client_id is None:
        raise refuse(
            -1102, f"Param '{id_name}' or '{client_name}' must be sent, but both were empty/null!"
        )
    return order_id, client_id


def _limit(params: Params, default: int, maximum: int) -> int:
    limit = params.maybe_integer("limit")
    if limit is None:
        return default
    if not 1 <= limit <= maximum:
        raise refuse(-1130, "Data sent for parameter 'limit' is not valid.")
    return limit


class Endpoints:
    """Serve the USDⓈ-M REST endpoints from an Exchange."""

    def __init__(
        self, exchange: Exchange, info: Json, brackets: list[Json], now: Callable[[], int]
    ) -> None:
        self.exchange = exchange
        self.info = info
        self.brackets = {entry["symbol"]: entry for entry in brackets}
        self.now = now

    def table(self) -> dict[tuple[str, str], tuple[Handler, Security]]:
        """Return every endpoint by method and path, with its security type."""
        signed: dict[tuple[str, str], Handler] = {
            ("GET", "/fapi/v1/leverageBracket"): self.leverage_bracket,
            ("GET", "/fapi/v1/positionSide/dual"): self.get_dual,
            ("POST", "/fapi/v1/positionSide/dual"): self.set_dual,
            ("POST", "/fapi/v1/marginType"): self.margin_type,
            ("POST", "/fapi/v1/leverage"): self.leverage,
            ("POST", "/fapi/v1/order"): self.new_order,
            ("GET", "/fapi/v1/order"): self.get_order,
            ("DELETE", "/fapi/v1/order"): self.cancel_order,
            ("GET", "/fapi/v1/openOrders"): self.open_orders,
            ("GET", "/fapi/v1/userTrades"): self.user_trades,
            ("POST", "/fapi/v1/algoOrder"): self.new_algo,
            ("GET", "/fapi/v1/algoOrder"): self.get_algo,
            ("DELETE", "/fapi/v1/algoOrder"): self.cancel_algo,
            ("GET", "/fapi/v1/openAlgoOrders"): self.open_algos,
            ("GET", "/fapi/v2/positionRisk"): self.position_risk_v2,
            ("GET", "/fapi/v3/positionRisk"): self.position_risk_v3,
            ("GET", "/fapi/v2/balance"): self.balance,
            ("GET", "/fapi/v3/balance"): self.balance,
            ("GET", "/fapi/v2/account"): self.account_v2,
            ("GET", "/fapi/v3/account"): self.account_v3,
            ("GET", "/fapi/v1/income"): self.income,
        }
        public: dict[tuple[str, str], Handler] = {
            ("GET", "/fapi/v1/ping"): lambda _: {},
            ("GET", "/fapi/v1/time"): lambda _: {"serverTime": self.now()},
            ("GET", "/fapi/v1/exchangeInfo"): lambda _: {**self.info, "serverTime": self.now()},
            ("GET", "/fapi/v1/ticker/price"): self.ticker_price,
        }
        table: dict[tuple[str, str], tuple[Handler, Security]] = {
            key: (handler, "SIGNED") for key, handler in signed.items()
        }
        table |= {key: (handler, "NONE") for key, handler in public.items()}
        return table

    def ticker_price(self, params: Params) -> Json:
        """GET /fapi/v1/ticker/price for one symbol: the last price the test set."""
        symbol = self._symbol(params, required=True)
        assert symbol is not None
        price = self.exchange.account.prices.get(symbol)
        return {"symbol": symbol, "price": money(price or ZERO), "time": self.now()}

    def _symbol(self, params: Params, *, required: bool) -> str | None:
        symbol = params.required("symbol") if required else params.get("symbol")
        return None if symbol is None else self.exchange.symbol_rules(symbol).symbol

    # Account settings --------------------------------------------------------------------

    def leverage_bracket(self, params: Params) -> Json | list[Json]:
        """GET /fapi/v1/leverageBracket: one object for a symbol, else the list."""
        symbol = self._symbol(params, required=False)
        return self.brackets[symbol] if symbol else list(self.brackets.values())

    def get_dual(self, params: Params) -> Json:
        """GET /fapi/v1/positionSide/dual."""
        return {"dualSidePosition": self.exchange.dual_side}

    def set_dual(self, params: Params) -> Json:
        """POST /fapi/v1/positionSide/dual."""
        params.required("dualSidePosition")
        wanted = params.flag("dualSidePosition")
        exchange = self.exchange
        if wanted == exchange.dual_side:
            raise refuse(-4059, "No need to change position side.")
        if exchange.open_orders() or any(a.is_open for a in exchange.algos):
            raise refuse(-4067, "Position side cannot be changed if there exists open orders.")
        if any(p.amount for p in exchange.account.positions.values()):
            raise refuse(-4068, "Position side cannot be changed if there exists position.")
        exchange.dual_side = wanted
        return SUCCESS

    def margin_type(self, params: Params) -> Json:
        """POST /fapi/v1/marginType."""
        symbol = self._symbol(params, required=True)
        assert symbol is not None
        wanted = params.choice(
            "marginType", ("ISOLATED", "CROSSED"), -1130,
            "Data sent for parameter 'marginType' is not valid.",
        )  # fmt: skip
        position = self.exchange.account.positions[symbol]
        if wanted == position.margin_type:
            raise refuse(-4046, "No need to change margin type.")
        if any(o.symbol == symbol for o in self.exchange.open_orders()):
            raise refuse(-4047, "Margin type cannot be changed if there exists open orders.")
        if position.amount:
            raise refuse(-4048, "Margin type cannot be changed if there exists position.")
        position.margin_type = wanted
        return SUCCESS

    def leverage(self, params: Params) -> Json:
        """POST /fapi/v1/leverage: the new leverage and the notional it allows."""
        symbol = self._symbol(params, required=True)
        assert symbol is not None
        leverage = params.integer("leverage")
        brackets = self.exchange.rules[symbol].instrument.brackets
        if not 1 <= leverage <= brackets[0].initial_leverage:
            raise refuse(-4028, f"Leverage {leverage} is not valid")
        self.exchange.account.positions[symbol].leverage = leverage
        max_notional = max(b.notional_cap for b in brackets if b.initial_leverage >= leverage)
        now = self.now()
        self.exchange.emit(
            {"e": "ACCOUNT_CONFIG_UPDATE", "E": now, "T": now, "ac": {"s": symbol, "l": leverage}}
        )
        return {"leverage": leverage, "maxNotionalValue": num(max_notional), "symbol": symbol}

    # Orders ------------------------------------------------------------------------------

    @staticmethod
    def _response_type(params: Params) -> str:
        kind = params.get("newOrderRespType") or "ACK"
        if kind not in ("ACK", "RESULT"):
            raise refuse(-1136, "Invalid newOrderRespType.")
        return kind

    def new_order(self, params: Params) -> Json:
        """POST /fapi/v1/order: ACK answers the order as accepted, RESULT as matched."""
        kind = self._response_type(params)
        order = self.exchange.accept_order(params)
        accepted = order_json(order)
        self.exchange.execute(order)
        return accepted if kind == "ACK" else order_json(order)

    def get_order(self, params: Params) -> Json:
        """GET /fapi/v1/order."""
        symbol = self._symbol(params, required=True)
        assert symbol is not None
        order_id, client_id = _either(params, "orderId", "origClientOrderId")
        return order_json(self.exchange.find_order(symbol, order_id, client_id))

    def cancel_order(self, params: Params) -> Json:
        """DELETE /fapi/v1/order: the order as canceled; -2011 when it is not working."""
        symbol = self._symbol(params, required=True)
        assert symbol is not None
        order_id, client_id = _either(params, "orderId", "origClientOrderId")
        try:
            order = self.exchange.find_order(symbol, order_id, client_id)
        except BinanceError:
            raise refuse(-2011, "Unknown order sent.") from None
        self.exchange.cancel_order(order)
        return order_json(order)

    def open_orders(self, params: Params) -> list[Json]:
        """GET /fapi/v1/openOrders."""
        symbol = self._symbol(params, required=False)
        return [order_json(o) for o in self.exchange.open_orders() if symbol in (None, o.symbol)]

    def user_trades(self, params: Params) -> list[Json]:
        """GET /fapi/v1/userTrades: the symbol's fills, filtered as Binance filters them."""
        symbol = self._symbol(params, required=True)
        order_id, from_id = params.maybe_integer("orderId"), params.maybe_integer("fromId")
        start, end = params.maybe_integer("startTime"), params.maybe_integer("endTime")
        limit = _limit(params, 500, 1000)
        trades = [
            t
            for t in self.exchange.trades
            if t.symbol == symbol
            and (order_id is None or t.order_id == order_id)
            and (from_id is None or t.trade_id >= from_id)
            and (start is None or t.time >= start)
            and (end is None or t.time <= end)
        ]
        return [trade_json(t) for t in trades[:limit]]

    # Algo orders -------------------------------------------------------------------------

    def new_algo(self, params: Params) -> Json:
        """POST /fapi/v1/algoOrder: the algo order as accepted."""
        self._response_type(params)
        return algo_json(self.exchange.accept_algo(params))

    def get_algo(self, params: Params) -> Json:
        """GET /fapi/v1/algoOrder."""
        algo_id, client_id = _either(params, "algoId", "clientAlgoId")
        return algo_json(self.exchange.find_algo(algo_id, client_id))

    def cancel_algo(self, params: Params) -> Json:
        """DELETE /fapi/v1/algoOrder: -2011 when the algo order is not waiting."""
        algo_id, client_id = _either(params, "algoId", "clientAlgoId")
        try:
            algo = self.exchange.find_algo(algo_id, client_id)
        except BinanceError:
            raise refuse(-2011, "Unknown order sent.") from None
        self.exchange.cancel_algo(algo)
        return {
            "algoId": algo.algo_id,
            "clientAlgoId": algo.client_algo_id,
            "code": "200",
            "msg": "success",
        }

    def open_algos(self, params: Params) -> list[Json]:
        """GET /fapi/v1/openAlgoOrders."""
        symbol = self._symbol(params, required=False)
        return [
            algo_json(a) for a in self.exchange.algos if a.is_open and symbol in (None, a.symbol)
        ]

    # Account -----------------------------------------------------------------------------

    def position_risk_v2(self, params: Params) -> list[Json]:
        """GET /fapi/v2/positionRisk: every symbol (or the one asked for)."""
        symbol = self._symbol(params, required=False)
        account = self.exchange.account
        return [
            account.position_risk_v2(p)
            for p in account.positions.values()
            if symbol in (None, p.symbol)
        ]

    def position_risk_v3(self, params: Params) -> list[Json]:
        """GET /fapi/v3/positionRisk: only symbols with a position or working orders."""
        symbol = self._symbol(params, required=False)
        exchange = self.exchange
        working = {o.symbol for o in exchange.open_orders()}
        working |= {a.symbol for a in exchange.algos if a.is_open}
        return [
            exchange.account.position_risk_v3(p, exchange.orders)
            for p in exchange.account.positions.values()
            if symbol in (None, p.symbol) and (p.amount != ZERO or p.symbol in working)
        ]

    def balance(self, params: Params) -> list[Json]:
        """GET /fapi/v2|v3/balance: the USDT balance (the fake holds no other asset)."""
        return [self.exchange.account.balance(self.exchange.orders)]

    def account_v2(self, params: Params) -> Json:
        """GET /fapi/v2/account."""
        return self.exchange.account.account(self.exchange.orders, 2)

    def account_v3(self, params: Params) -> Json:
        """GET /fapi/v3/account."""
        return self.exchange.account.account(self.exchange.orders, 3)

    def income(self, params: Params) -> list[Json]:
        """GET /fapi/v1/income: realized PnL, commission, funding and transfers."""
        symbol = self._symbol(params, required=False)
        kind = params.get("incomeType")
        start, end = params.maybe_integer("startTime"), params.maybe_integer("endTime")
        limit = _limit(params, 100, 1000)
        records = [
            i
            for i in self.exchange.income
            if (symbol is None or i.symbol == symbol)
            and (kind is None or i.income_type == kind)
            and (start is None or i.time >= start)
            and (end is None or i.time <= end)
        ]
        return [income_json(i) for i in records[:limit]]
