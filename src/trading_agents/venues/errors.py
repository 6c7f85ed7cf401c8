"""Venue errors, with Binance's codes where Binance has one."""

from __future__ import annotations

from enum import IntEnum

from trading_agents.core.errors import FatalError, RetryableError


class BinanceCode(IntEnum):
    """Binance USDⓈ-M error codes the venues raise or understand."""

    UNKNOWN = -1000
    INTERNAL_ERROR = -1001
    TOO_MANY_REQUESTS = -1003
    BACKEND_TIMEOUT = -1007  # "execution status unknown": ask before sending again
    SERVICE_SHEDDING = -1008  # throttled before the matching engine: safe to send again
    TIMESTAMP_OUTSIDE_RECV_WINDOW = -1021
    INVALID_SIGNATURE = -1022
    BAD_PRECISION = -1111
    UNKNOWN_ORDER = -2011
    NO_SUCH_ORDER = -2013
    REJECTED_MBX_KEY = -2015
    MARGIN_INSUFFICIENT = -2019
    REDUCE_ONLY_REJECTED = -2022
    FILTER_FAILURE = -1013  # quantity outside LOT_SIZE's range
    INVALID_SYMBOL = -1121
    WOULD_IMMEDIATELY_TRIGGER = -2021
    MAX_POSITION_AT_LEVERAGE = -2027
    DUPLICATE_CLIENT_ORDER_ID = -4116
    PRICE_ABOVE_PERCENT_LIMIT = -4016
    PRICE_BELOW_PERCENT_LIMIT = -4024
    LEVERAGE_NOT_VALID = -4028
    NO_NEED_TO_CHANGE_MARGIN_TYPE = -4046
    NO_NEED_TO_CHANGE_POSITION_SIDE = -4059
    LISTEN_KEY_NOT_FOUND = -1125
    MIN_NOTIONAL = -4164


class VenueError(Exception):
    """Something a venue refused or could not do."""


class VenueUnavailable(VenueError, RetryableError):
    """The venue did not answer in time or answered 5xx."""


class OrderOutcomeUnknown(VenueUnavailable):
    """An order may or may not have reached the venue; only asking it by client id can tell."""


class VenueBanned(VenueError, FatalError):
    """The venue banned this IP (HTTP 418): nothing may be sent until the ban ends."""

    def __init__(self, message: str, until_ms: int | None) -> None:
        super().__init__(message)
        self.until_ms = until_ms


class VenueStopped(VenueError, FatalError):
    """The venue was stopped (after a ban, or by the operator) and sends nothing."""


class OrderRejected(VenueError, FatalError):
    """The venue refused an order, with the venue's code and message."""

    def __init__(self, code: int, message: str, client_order_id: str = "") -> None:
        super().__init__(
            f"{code}: {message}" + (f" ({client_order_id})" if client_order_id else "")
        )
        self.code = code
        self.message = message
        self.client_order_id = client_order_id


class OrderNotFound(VenueError, FatalError):
    """The venue knows no order with that client order id."""

    def __init__(self, client_order_id: str) -> None:
        super().__init__(f"{BinanceCode.UNKNOWN_ORDER}: unknown order {client_order_id!r}")
        self.client_order_id = client_order_id


class MoneyMovesAtVenue(FatalError):
    """Money cannot be moved through this venue: it moves by a transfer at the exchange."""
