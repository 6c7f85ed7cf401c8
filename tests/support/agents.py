"""Builders for agent tests: market snapshots, decision states and a recording gateway."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.support.risk import account, atlas_limits
from trading_agents.agents.state import DecisionState, PositionView
from trading_agents.core.clock import to_ms
from trading_agents.market.view import MarketSnapshot
from trading_agents.model.decisions import DecisionTrigger
from trading_agents.model.enums import OrderStatus
from trading_agents.model.orders import OrderIntent
from trading_agents.model.reports import OrderAck
from trading_agents.model.requests import AccountState
from trading_agents.model.signals import Signal
from trading_agents.venues.errors import OrderRejected
from trading_agents.venues.port import OrderSnapshot

T_DECIDE = "2025-06-05T12:00:00Z"


def snapshot(
    symbol: str = "BTCUSDT",
    *,
    close: str = "100000",
    fast: float | None = 100_010.0,
    slow: float | None = 100_000.0,
    prev_fast: float | None = 99_990.0,
    prev_slow: float | None = 100_000.0,
    rsi: float | None = 55.0,
    atr: float | None = 200.0,
    seen: int = 500,
    at: str = T_DECIDE,
) -> MarketSnapshot:
    """Return a snapshot; by default the fast EMA has just crossed above the slow one."""
    price = Decimal(close)
    return MarketSnapshot(
        symbol, to_ms(at), price, price, price, seen, fast, slow, prev_fast, prev_slow, rsi, atr
    )


def crossed_down(symbol: str = "BTCUSDT", **changes: Any) -> MarketSnapshot:
    """Return a snapshot where the fast EMA has just crossed below the slow one."""
    values: dict[str, Any] = {
        "fast": 99_990.0,
        "slow": 100_000.0,
        "prev_fast": 100_010.0,
        "prev_slow": 100_000.0,
        "rsi": 45.0,
    }
    values.update(changes)
    return snapshot(symbol, **values)


def no_cross(symbol: str = "BTCUSDT", **changes: Any) -> MarketSnapshot:
    """Return a snapshot in an uptrend without a crossover at this candle."""
    values: dict[str, Any] = {"prev_fast": 100_005.0}
    values.update(changes)
    return snapshot(symbol, **values)


def long_position(symbol: str = "BTCUSDT", quantity: str = "0.01") -> PositionView:
    """Return a long position entered at 99,000 with 2x leverage."""
    return PositionView(symbol, Decimal(quantity), Decimal("99000"), 2)


def state(
    market: MarketSnapshot | Sequence[MarketSnapshot] | None = None,
    *,
    symbol: str = "BTCUSDT",
    trigger: DecisionTrigger = DecisionTrigger.CANDLE,
    positions: Mapping[str, PositionView] | None = None,
    signal: Signal | None = None,
    sequence: int = 1,
    **limit_changes: Any,
) -> DecisionState:
    """Return a decision state for Atlas-like limits over the snapshots given."""
    snapshots = [snapshot()] if market is None else market
    if isinstance(snapshots, MarketSnapshot):
        snapshots = [snapshots]
    held = dict(positions or {})
    return {
        "agent": "atlas",
        "account_id": "acc-1",
        "sequence": sequence,
        "ts_ms": to_ms(T_DECIDE),
        "trigger": trigger,
        "symbol": symbol,
        "market": {snap.symbol: snap for snap in snapshots},
        "positions": held,
        "account": account(positions={s: str(p.quantity) for s, p in held.items()}),
        "limits": atlas_limits(**limit_changes),
        "signal": signal,
    }


@dataclass
class RecordingGateway:
    """A gateway that remembers what it was asked and can refuse orders by id prefix."""

    refuse: Sequence[str] = ()
    submitted: list[tuple[OrderIntent, tuple[OrderIntent, ...]]] = field(default_factory=list)
    leverage: list[tuple[str, int]] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)
    resting: list[OrderSnapshot] = field(default_factory=list)
    books: AccountState | None = None  # what the execute step's second check sees, if set

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        self.leverage.append((symbol, leverage))

    async def submit(self, intent: OrderIntent, attached: Sequence[OrderIntent] = ()) -> OrderAck:
        if any(intent.client_order_id.startswith(prefix) for prefix in self.refuse):
            raise OrderRejected(-2019, "Margin is insufficient.", intent.client_order_id)
        self.submitted.append((intent, tuple(attached)))
        return OrderAck(intent.client_order_id, str(len(self.submitted)), OrderStatus.ACCEPTED, 0)

    async def cancel(self, symbol: str, client_order_id: str) -> None:
        self.canceled.append(client_order_id)

    async def open_orders(self, symbol: str | None = None) -> Sequence[OrderSnapshot]:
        return [o for o in self.resting if symbol is None or o.symbol == symbol]

    def account_now(self) -> AccountState | None:
        return self.books
