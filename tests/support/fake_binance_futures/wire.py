"""Binance USDⓈ-M wire shapes: the JSON the fake answers with and pushes on the user stream.

Every function here turns the fake's records into exactly the keys Binance sends; numbers
are strings where Binance sends strings. The shapes follow the USDⓈ-M REST and user-data
stream docs (New Order, Query Algo Order, ORDER_TRADE_UPDATE, ALGO_UPDATE, ACCOUNT_UPDATE).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)
QUOTE = "USDT"
_AVG_PLACES = Decimal("0.00000001")
_BALANCE_PLACES = Decimal("0.00000001")

Json = dict[str, Any]


class BinanceError(Exception):
    """A refusal the fake answers with: an HTTP status and Binance's {"code", "msg"} body."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status = status
        self.code = code
        self.msg = msg


def refuse(code: int, msg: str) -> BinanceError:
    """Return the 400 refusal Binance sends for a request it understood and declined."""
    return BinanceError(400, code, msg)


def num(value: Decimal) -> str:
    """Write a decimal the way Binance does: plain digits, no exponent, no trailing zeros."""
    return "0" if value == ZERO else format(value.normalize(), "f")


def avg(value: Decimal) -> str:
    """Write an average price, bounded to 8 places as Binance's averages are."""
    return num(value.quantize(_AVG_PLACES, rounding=ROUND_HALF_UP)) if value else "0"


def money(value: Decimal) -> str:
    """Write a USDT amount with Binance's 8 decimal places (never "-0.00000000")."""
    rounded = value.quantize(_BALANCE_PLACES, rounding=ROUND_HALF_UP)
    return format(rounded if rounded else ZERO.quantize(_BALANCE_PLACES), "f")


@dataclass(slots=True)
class Order:
    """A regular order at the fake's matching engine."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal
    reduce_only: bool
    time_in_force: str
    status: str
    time: int
    update_time: int
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    avg_price: Decimal = ZERO
    orig_type: str = ""
    stop_price: Decimal = ZERO
    close_position: bool = False
    working_type: str = "CONTRACT_PRICE"
    price_protect: bool = False
    algo_id: int = 0  # the algo order that created it when triggered, else 0

    @property
    def is_open(self) -> bool:
        """Tell whether the order can still fill or be canceled."""
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def remaining(self) -> Decimal:
        """Return the quantity not yet filled."""
        return self.quantity - self.executed_qty


@dataclass(slots=True)
class AlgoOrder:
    """A conditional order waiting in the fake's algo service."""

    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    type: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal
    reduce_only: bool
    close_position: bool
    working_type: str
    price_protect: bool
    time_in_force: str
    status: str
    create_time: int
    update_time: int
    trigger_time: int = 0
    actual_order_id: int = 0
    actual_type: str = ""
    actual_price: Decimal = ZERO  # the average fill price of the order it became
    actual_qty: Decimal = ZERO
    reject_reason: str = ""

    @property
    def is_open(self) -> bool:
        """Tell whether the algo order still waits for its trigger."""
        return self.status == "NEW"


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill of one order."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    realized_pnl: Decimal
    commission: Decimal
    maker: bool
    time: int


@dataclass(frozen=True, slots=True)
class Income:
    """One line of the income history (realized PnL, commission, funding, transfer)."""

    tran_id: int
    symbol: str
    income_type: str
    income: Decimal
    time: int
    trade_id: str = ""
    info: str = ""


@dataclass(slots=True)
class Position:
    """A one-way position and the account settings of its symbol."""

    symbol: str
    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    realized: Decimal = ZERO  # accumulated realized PnL before fees ("cr")
    leverage: int = 20
    margin_type: str = "CROSSED"
    update_time: int = 0
    isolated_wallet: Decimal = ZERO


def order_json(order: Order) -> Json:
    """Render a regular order as POST/GET/DELETE /fapi/v1/order answer it."""
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": order.status,
        "clientOrderId": order.client_order_id,
        "price": num(order.price),
        "avgPrice": avg(order.avg_price),
        "origQty": num(order.quantity),
        "executedQty": num(order.executed_qty),
        "cumQty": num(order.executed_qty),
        "cumQuote": num(order.cum_quote),
        "timeInForce": order.time_in_force,
        "type": order.type,
        "reduceOnly": order.reduce_only,
        "closePosition": order.close_position,
        "side": order.side,
        "positionSide": "BOTH",
        "stopPrice": num(order.stop_price),
        "workingType": order.working_type,
        "priceProtect": order.price_protect,
        "origType": order.orig_type or order.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "time": order.time,
        "updateTime": order.update_time,
    }


def algo_json(algo: AlgoOrder) -> Json:
    """Render an algo order as POST/GET /fapi/v1/algoOrder answer it (Query Algo Order docs)."""
    return {
        "algoId": algo.algo_id,
        "clientAlgoId": algo.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": algo.type,
        "symbol": algo.symbol,
        "side": algo.side,
        "positionSide": "BOTH",
        "timeInForce": algo.time_in_force,
        "quantity": num(algo.quantity),
        "algoStatus": algo.status,
        "actualOrderId": str(algo.actual_order_id) if algo.actual_order_id else "",
        "actualPrice": avg(algo.actual_price),
        "triggerPrice": num(algo.trigger_price),
        "price": num(algo.price),
        "icebergQuantity": None,
        "tpTriggerPrice": "0",
        "tpPrice": "0",
        "slTriggerPrice": "0",
        "slPrice": "0",
        "tpOrderType": "",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": algo.working_type,
        "priceMatch": "NONE",
        "closePosition": algo.close_position,
        "priceProtect": algo.price_protect,
        "reduceOnly": algo.reduce_only,
        "createTime": algo.create_time,
        "updateTime": algo.update_time,
        "triggerTime": algo.trigger_time,
        "goodTillDate": 0,
    }


def trade_json(trade: Trade) -> Json:
    """Render a fill as GET /fapi/v1/userTrades lists it."""
    return {
        "symbol": trade.symbol,
        "id": trade.trade_id,
        "orderId": trade.order_id,
        "side": trade.side,
        "price": num(trade.price),
        "qty": num(trade.qty),
        "realizedPnl": money(trade.realized_pnl),
        "marginAsset": QUOTE,
        "quoteQty": num(trade.price * trade.qty),
        "commission": money(trade.commission),
        "commissionAsset": QUOTE,
        "time": trade.time,
        "positionSide": "BOTH",
        "buyer": trade.side == "BUY",
        "maker": trade.maker,
    }


def income_json(income: Income) -> Json:
    """Render an income record as GET /fapi/v1/income lists it."""
    return {
        "symbol": income.symbol,
        "incomeType": income.income_type,
        "income": money(income.income),
        "asset": QUOTE,
        "info": income.info,
        "time": income.time,
        "tranId": income.tran_id,
        "tradeId": income.trade_id,
    }


def order_trade_update(
    order: Order, now: int, execution: str, fill: Trade | None = None, expiry_reason: int = 0
) -> Json:
    """Build the ORDER_TRADE_UPDATE event for one execution of an order."""
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": now,
        "T": now,
        "o": {
            "s": order.symbol,
            "c": order.client_order_id,
            "S": order.side,
            "o": order.type,
            "f": order.time_in_force,
            "q": num(order.quantity),
            "p": num(order.price),
            "ap": avg(order.avg_price),
            "sp": num(order.stop_price),
            "x": execution,
            "X": order.status,
            "i": order.order_id,
            "l": num(fill.qty) if fill else "0",
            "z": num(order.executed_qty),
            "L": num(fill.price) if fill else "0",
            "N": QUOTE,
            "n": money(fill.commission) if fill else "0",
            "T": now,
            "t": fill.trade_id if fill else 0,
            "b": "0",
            "a": "0",
            "m": fill.maker if fill else False,
            "R": order.reduce_only,
            "wt": order.working_type,
            "ot": order.orig_type or order.type,
            "ps": "BOTH",
            "cp": order.close_position,
            "rp": money(fill.realized_pnl) if fill else "0",
            "pP": order.price_protect,
            # Guess: Binance fills "si" (strategy id) with the algoId on orders the algo
            # service places; clients seen in the wild read it that way. 0 otherwise.
            "si": order.algo_id,
            "ss": 0,
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
            "er": str(expiry_reason),
        },
    }


def algo_update(algo: AlgoOrder, now: int) -> Json:
    """Build the ALGO_UPDATE event for an algo order's current status."""
    return {
        "e": "ALGO_UPDATE",
        "T": now,
        "E": now,
        "o": {
            "caid": algo.client_algo_id,
            "aid": algo.algo_id,
            "at": "CONDITIONAL",
            "o": algo.type,
            "s": algo.symbol,
            "S": algo.side,
            "ps": "BOTH",
            "f": algo.time_in_force,
            "q": num(algo.quantity),
            "X": algo.status,
            "ai": str(algo.actual_order_id) if algo.actual_order_id else "",
            "ap": avg(algo.actual_price),
            "aq": num(algo.actual_qty),
            "act": algo.actual_type or "0",
            "tp": num(algo.trigger_price),
            "p": num(algo.price),
            "V": "EXPIRE_MAKER",
            "wt": algo.working_type,
            "pm": "NONE",
            "cp": algo.close_position,
            "pP": algo.price_protect,
            "R": algo.reduce_only,
            "tt": algo.trigger_time,
            "gtd": 0,
            "rm": algo.reject_reason,
        },
    }


def position_entry(position: Position, unrealized: Decimal, break_even: Decimal) -> Json:
    """Render one position for the "P" list of ACCOUNT_UPDATE."""
    return {
        "s": position.symbol,
        "pa": num(position.amount),
        "ep": num(position.entry_price),
        "bep": avg(break_even),
        "cr": money(position.realized),
        "up": money(unrealized),
        "mt": "isolated" if position.margin_type == "ISOLATED" else "cross",
        "iw": money(position.isolated_wallet),
        "ps": "BOTH",
    }


def account_update(
    reason: str, now: int, wallet: Decimal, change: Decimal, positions: list[Json]
) -> Json:
    """Build the ACCOUNT_UPDATE event: the USDT balance and the positions that changed."""
    balance = {"a": QUOTE, "wb": money(wallet), "cw": money(wallet), "bc": money(change)}
    return {
        "e": "ACCOUNT_UPDATE",
        "E": now,
        "T": now,
        "a": {"m": reason, "B": [balance], "P": positions},
    }
