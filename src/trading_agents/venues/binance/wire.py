"""Binance USDⓈ-M's wire shapes: intents to request parameters, answers and events to ours."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trading_agents.core.decimals import ZERO
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, Side, TimeInForce
from trading_agents.model.orders import OrderIntent
from trading_agents.model.positions import PositionSnapshot
from trading_agents.model.reports import FillReport, OrderUpdate
from trading_agents.venues.port import BalanceSnapshot, OrderSnapshot

SIDES = {Side.BUY: "BUY", Side.SELL: "SELL"}
SIDES_BACK = {"BUY": Side.BUY, "SELL": Side.SELL}
TYPES = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
}
TYPES_BACK = {wire: ours for ours, wire in TYPES.items()}
TIME_IN_FORCE = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC"}
ORDER_STATUSES = {
    "NEW": OrderStatus.ACCEPTED,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
}
# An algo order's own life; once triggered, the order it became carries the fills.
ALGO_STATUSES = {
    "NEW": OrderStatus.ACCEPTED,
    "TRIGGERING": OrderStatus.TRIGGERED,
    "TRIGGERED": OrderStatus.TRIGGERED,
    "FINISHED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
}
ALGO_PREFIX = "algo:"  # venue order ids of algo orders, so the two id spaces never meet


def dec(value: Any) -> Decimal:
    """Return Binance's decimal string (or a Decimal-parsed number) as a Decimal."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        raise TypeError(f"{value!r} arrived as a float; parse Binance's JSON with Decimal")
    return Decimal(str(value))


def _text(value: Decimal) -> str:
    """Return a decimal as Binance wants it: plain digits, no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def order_params(intent: OrderIntent) -> dict[str, str]:
    """Return /fapi/v1/order's parameters for a market or limit order."""
    params = {
        "symbol": intent.symbol,
        "side": SIDES[intent.side],
        "type": TYPES[intent.order_type],
        "quantity": _text(intent.quantity),
        "newClientOrderId": intent.client_order_id,
        "newOrderRespType": "RESULT",
    }
    if intent.reduce_only:
        params["reduceOnly"] = "true"
    if intent.order_type is OrderType.LIMIT:
        assert intent.price is not None  # OrderIntent checks it
        params["price"] = _text(intent.price)
        params["timeInForce"] = TIME_IN_FORCE[intent.time_in_force]
    return params


def algo_params(intent: OrderIntent) -> dict[str, str]:
    """Return /fapi/v1/algoOrder's parameters for a stop-loss or take-profit."""
    assert intent.trigger_price is not None  # OrderIntent checks it
    params = {
        "algoType": "CONDITIONAL",
        "symbol": intent.symbol,
        "side": SIDES[intent.side],
        "type": TYPES[intent.order_type],
        "quantity": _text(intent.quantity),
        "triggerPrice": _text(intent.trigger_price),
        # The last traded price, as the simulated venue triggers: paper and live agree.
        "workingType": "CONTRACT_PRICE",
        "clientAlgoId": intent.client_order_id,
    }
    if intent.reduce_only:
        params["reduceOnly"] = "true"
    return params


def _optional(value: Any) -> Decimal | None:
    amount = dec(value)
    return None if amount == ZERO else amount


def order_snapshot(raw: Mapping[str, Any]) -> OrderSnapshot:
    """Return /fapi/v1/order's answer (query, place or cancel) as an order snapshot."""
    wire_type = raw.get("origType") or raw["type"]
    return OrderSnapshot(
        client_order_id=str(raw["clientOrderId"]),
        venue_order_id=str(raw["orderId"]),
        symbol=str(raw["symbol"]),
        side=SIDES_BACK[raw["side"]],
        order_type=TYPES_BACK.get(wire_type, OrderType.MARKET),
        quantity=dec(raw["origQty"]),
        price=_optional(raw.get("price")),
        trigger_price=_optional(raw.get("stopPrice")),
        reduce_only=bool(raw.get("reduceOnly", False)),
        status=ORDER_STATUSES[raw["status"]],
        filled_quantity=dec(raw.get("executedQty")),
        average_price=dec(raw.get("avgPrice")),
    )


def algo_snapshot(raw: Mapping[str, Any], executed: OrderSnapshot | None = None) -> OrderSnapshot:
    """Return /fapi/v1/algoOrder's answer as an order snapshot; fills from the order it became."""
    return OrderSnapshot(
        client_order_id=str(raw["clientAlgoId"]),
        venue_order_id=f"{ALGO_PREFIX}{raw['algoId']}",
        symbol=str(raw["symbol"]),
        side=SIDES_BACK[raw["side"]],
        order_type=TYPES_BACK.get(
            str(raw.get("orderType") or raw.get("type")), OrderType.STOP_MARKET
        ),
        quantity=dec(raw.get("quantity")),
        price=_optional(raw.get("price")),
        trigger_price=_optional(raw.get("triggerPrice")),
        reduce_only=bool(raw.get("reduceOnly", False)),
        status=ALGO_STATUSES.get(str(raw.get("algoStatus")), OrderStatus.ACCEPTED),
        filled_quantity=ZERO if executed is None else executed.filled_quantity,
        average_price=ZERO if executed is None else executed.average_price,
    )


def position_snapshot(raw: Mapping[str, Any]) -> PositionSnapshot | None:
    """Return a /fapi/v2/positionRisk entry as a position, None when flat."""
    quantity = dec(raw.get("positionAmt"))
    if quantity == ZERO:
        return None
    liquidation = _optional(raw.get("liquidationPrice"))
    return PositionSnapshot(
        symbol=str(raw["symbol"]),
        quantity=quantity,
        entry_price=dec(raw.get("entryPrice")),
        leverage=int(dec(raw.get("leverage") or 1)),
        margin=dec(raw.get("isolatedMargin") or raw.get("positionInitialMargin")),
        liquidation_price=liquidation,
    )


def balance_snapshot(raw: list[Mapping[str, Any]], asset: str = "USDT") -> BalanceSnapshot:
    """Return the USDT entry of /fapi/v3/balance as the account's money."""
    for entry in raw:
        if entry.get("asset") == asset:
            wallet = dec(entry.get("balance"))
            unrealized = dec(entry.get("crossUnPnl"))
            available = dec(entry.get("availableBalance"))
            return BalanceSnapshot(
                wallet_balance=wallet,
                available_balance=available,
                used_margin=max(ZERO, wallet + unrealized - available),
                unrealized_pnl=unrealized,
            )
    return BalanceSnapshot(ZERO, ZERO, ZERO, ZERO)


def trade_key(symbol: str, trade_id: object) -> str:
    """Return a trade's id as the books keep it: Binance numbers trades per symbol."""
    return f"{symbol}-{trade_id}"


def usdt_fee(commission: object, asset: object) -> Decimal:
    """Return a trade's fee in USDT; one paid in another asset (BNB) leaves USDT untouched."""
    if asset not in (None, "", "USDT"):
        return ZERO
    return dec(commission)


LIQUIDATION_PREFIX = "autoclose-"  # Binance's liquidation orders
# Orders Binance places itself on an account's position: liquidations, auto-deleveraging,
# and the settlement of a delisted or delivered contract.
EXCHANGE_ORDER_PREFIXES = (LIQUIDATION_PREFIX, "adl_autoclose", "settlement_autoclose-")


def order_event(
    raw: Mapping[str, Any], client_order_id: str, ts_ms: int
) -> FillReport | OrderUpdate | None:
    """Return an ORDER_TRADE_UPDATE's `o` as a fill or a status change (None: nothing new)."""
    execution = raw["x"]
    status = ORDER_STATUSES.get(raw["X"], OrderStatus.ACCEPTED)
    symbol = str(raw["s"])
    if execution in ("TRADE", "CALCULATED"):
        return FillReport(
            client_order_id=client_order_id,
            trade_id=trade_key(symbol, raw["t"]),
            symbol=symbol,
            side=SIDES_BACK[raw["S"]],
            quantity=dec(raw["l"]),
            price=dec(raw["L"]),
            fee=usdt_fee(raw.get("n"), raw.get("N")),
            liquidity=Liquidity.MAKER if raw.get("m") else Liquidity.TAKER,
            ts_ms=int(raw.get("T") or ts_ms),
            order_status=status,
            realized_pnl=dec(raw.get("rp")),
            is_liquidation=client_order_id.startswith(LIQUIDATION_PREFIX),
        )
    if execution in ("NEW", "CANCELED", "EXPIRED", "REJECTED"):
        return OrderUpdate(
            client_order_id, symbol, status, ts_ms, str(raw.get("er", "")), str(raw.get("i", ""))
        )
    return None  # AMENDMENT and the like change nothing the books hold


def trade_fill(
    raw: Mapping[str, Any], client_order_id: str, order_status: OrderStatus
) -> FillReport:
    """Return a /fapi/v1/userTrades entry as a fill of the order with `client_order_id`."""
    return FillReport(
        client_order_id=client_order_id,
        trade_id=trade_key(str(raw["symbol"]), raw["id"]),
        symbol=str(raw["symbol"]),
        side=SIDES_BACK[raw["side"]],
        quantity=dec(raw["qty"]),
        price=dec(raw["price"]),
        fee=usdt_fee(raw.get("commission"), raw.get("commissionAsset")),
        liquidity=Liquidity.MAKER if raw.get("maker") else Liquidity.TAKER,
        ts_ms=int(raw["time"]),
        order_status=order_status,
        realized_pnl=dec(raw.get("realizedPnl")),
    )
