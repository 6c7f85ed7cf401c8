"""Builders for risk tests: Atlas-like limits, order requests and account states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from trading_agents.model.enums import OrderType, Side
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.risk import RiskLimits

BTC_MARK = "100000"
ETH_MARK = "4000"


def atlas_limits(**changes: Any) -> RiskLimits:
    """Return conservative limits: 2x, 0.5 % risk a trade, 2 % a day, 10 % drawdown."""
    limits = RiskLimits(
        max_leverage=2,
        risk_per_trade=Decimal("0.005"),
        max_position_notional=Decimal("1.0"),
        max_total_exposure=Decimal("1.5"),
        max_open_positions=3,
        allowed_symbols=frozenset({"BTCUSDT", "ETHUSDT"}),
        min_confidence=Decimal("0.6"),
        daily_loss_limit=Decimal("0.02"),
        max_drawdown=Decimal("0.10"),
        max_orders_per_minute=6,
        circuit_breaker_failures=3,
    )
    return replace(limits, **changes)


def entry(
    symbol: str,
    side: Side,
    size: str | None = None,
    *,
    stop: str | None,
    take_profit: str | None = None,
    limit: str | None = None,
    leverage: int = 2,
    confidence: str | None = "0.8",
    order_type: OrderType | None = None,
    client_order_id: str = "atlas-entry-1",
) -> OrderRequest:
    """Return an entry request; a `limit` price makes it a limit order."""
    return OrderRequest(
        client_order_id=client_order_id,
        symbol=symbol,
        side=side,
        order_type=order_type or (OrderType.MARKET if limit is None else OrderType.LIMIT),
        quantity=_dec(size),
        price=_dec(limit),
        stop_loss=_dec(stop),
        take_profit=_dec(take_profit),
        leverage=leverage,
        confidence=_dec(confidence),
    )


def long_btc(size: str | None = None, *, stop: str | None = "98000", **kwargs: Any) -> OrderRequest:
    """Return a BTCUSDT buy; by default a market order with its stop 2 % under the mark."""
    return entry("BTCUSDT", Side.BUY, size, stop=stop, **kwargs)


def short_btc(
    size: str | None = None, *, stop: str | None = "102000", **kwargs: Any
) -> OrderRequest:
    """Return a BTCUSDT sell; by default a market order with its stop 2 % over the mark."""
    return entry("BTCUSDT", Side.SELL, size, stop=stop, **kwargs)


def long_eth(size: str | None = None, *, stop: str | None = "3920", **kwargs: Any) -> OrderRequest:
    """Return an ETHUSDT buy; by default a market order with its stop 2 % under the mark."""
    return entry("ETHUSDT", Side.BUY, size, stop=stop, **kwargs)


def reduce(
    symbol: str,
    side: Side,
    size: str | None = None,
    *,
    order_type: OrderType = OrderType.MARKET,
    price: str | None = None,
    trigger: str | None = None,
) -> OrderRequest:
    """Return a reduce-only request; no size means the whole position."""
    return OrderRequest(
        client_order_id="atlas-exit-1",
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=_dec(size),
        price=_dec(price),
        trigger_price=_dec(trigger),
        reduce_only=True,
    )


def account(
    equity: str = "10000",
    *,
    available: str | None = None,
    positions: Mapping[str, str] | None = None,
    marks: Mapping[str, str] | None = None,
) -> AccountState:
    """Return an account; marks default to BTC at 100,000 and ETH at 4,000."""
    return AccountState(
        equity=Decimal(equity),
        available_balance=Decimal(available if available is not None else equity),
        positions={symbol: Decimal(q) for symbol, q in (positions or {}).items()},
        marks={
            symbol: Decimal(price)
            for symbol, price in (
                marks if marks is not None else {"BTCUSDT": BTC_MARK, "ETHUSDT": ETH_MARK}
            ).items()
        },
    )


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
