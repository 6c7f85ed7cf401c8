"""What the risk engine answers: an approved, possibly resized order, or a coded denial."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trading_agents.model.orders import OrderIntent


class DenialCode(StrEnum):
    """Why the risk engine refused an order."""

    INVALID_REQUEST = "invalid_request"
    UNSUPPORTED_ORDER_TYPE = "unsupported_order_type"
    UNKNOWN_SYMBOL = "unknown_symbol"
    SYMBOL_NOT_ALLOWED = "symbol_not_allowed"
    CONFIDENCE_MISSING = "confidence_missing"
    CONFIDENCE_BELOW_MINIMUM = "confidence_below_minimum"
    LEVERAGE_ABOVE_LIMIT = "leverage_above_limit"
    LEVERAGE_ABOVE_INSTRUMENT_MAX = "leverage_above_instrument_max"
    STOP_LOSS_REQUIRED = "stop_loss_required"
    STOP_LOSS_INVALID = "stop_loss_invalid"
    TAKE_PROFIT_INVALID = "take_profit_invalid"
    NO_MARK_PRICE = "no_mark_price"
    PRICE_OUTSIDE_BAND = "price_outside_band"
    SIGNAL_PRICE_OFF_MARKET = "signal_price_off_market"
    MAX_OPEN_POSITIONS = "max_open_positions"
    POSITION_CONFLICT = "position_conflict"
    NOTHING_TO_REDUCE = "nothing_to_reduce"
    ORDER_RATE_LIMIT = "order_rate_limit"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    DRAWDOWN_KILL_SWITCH = "drawdown_kill_switch"
    CIRCUIT_BREAKER_OPEN = "circuit_breaker_open"
    TRADING_REDUCING = "trading_reducing"
    SIZE_BELOW_MINIMUM = "size_below_minimum"
    ACCOUNT_CHANGED = "account_changed"


@dataclass(frozen=True, slots=True, init=False)
class Denied:
    """A refusal with its code and a reason written for a person."""

    code: DenialCode
    reason: str

    # Written out rather than generated, so that mypyc compiles it (see model/orders.py).
    def __init__(self, code: DenialCode, reason: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True, init=False)
class Approved:
    """An order cleared to go to the venue, with its protective exits and any resizing."""

    order: OrderIntent
    leverage: int  # to set on the symbol before an entry; a reducing order leaves it alone
    protective: tuple[OrderIntent, ...] = ()  # reduce-only stop loss, then take profit
    adjustments: tuple[str, ...] = ()  # "size cut from 0.500 to 0.120 BTC by max exposure"

    def __init__(
        self,
        order: OrderIntent,
        leverage: int,
        protective: tuple[OrderIntent, ...] = (),
        adjustments: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "leverage", leverage)
        object.__setattr__(self, "protective", protective)
        object.__setattr__(self, "adjustments", adjustments)


Verdict = Approved | Denied
