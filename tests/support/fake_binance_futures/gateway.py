"""What stands in front of the fake's matching engine: request weight, signatures, faults.

Weights are the USDⓈ-M docs' IP weights (order placement costs 0 on the IP limit and counts
on the order limits instead). Signed requests are checked as the docs' "SIGNED Endpoint
Security" says: HMAC-SHA256 of the query string concatenated with the body, and
`serverTime - recvWindow <= timestamp < serverTime + 1000`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import deque
from dataclasses import dataclass

from tests.support.fake_binance_futures.rules import Params
from tests.support.fake_binance_futures.wire import BinanceError, refuse

MS_PER_MINUTE = 60_000
DEFAULT_RECV_WINDOW = 5000

# IP weight per endpoint, and the weight when the symbol is left out (None: the same).
_WEIGHTS: dict[tuple[str, str], tuple[int, int | None]] = {
    ("GET", "/fapi/v1/positionSide/dual"): (30, None),
    ("POST", "/fapi/v1/order"): (0, None),
    ("POST", "/fapi/v1/algoOrder"): (0, None),
    ("GET", "/fapi/v1/openOrders"): (1, 40),
    ("GET", "/fapi/v1/openAlgoOrders"): (1, 40),
    ("GET", "/fapi/v1/userTrades"): (5, None),
    ("GET", "/fapi/v2/positionRisk"): (5, None),
    ("GET", "/fapi/v3/positionRisk"): (5, None),
    ("GET", "/fapi/v2/balance"): (5, None),
    ("GET", "/fapi/v3/balance"): (5, None),
    ("GET", "/fapi/v2/account"): (5, None),
    ("GET", "/fapi/v3/account"): (5, None),
    ("GET", "/fapi/v1/income"): (30, None),
}
ORDER_PLACEMENTS = {("POST", "/fapi/v1/order"), ("POST", "/fapi/v1/algoOrder")}

UNKNOWN_EXECUTION = (
    "Unknown error, please check your request or try again later. Execution status unknown."
)
INTERNAL_ERROR = "Internal error; unable to process your request. Please try again."
BACKEND_TIMEOUT = (
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown."
)
TOO_MANY_REQUESTS = (
    "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. "
    "Please use the websocket for live updates to avoid polling the API."
)


def weight_of(method: str, path: str, params: Params) -> int:
    """Return the IP weight a request costs."""
    weight, without_symbol = _WEIGHTS.get((method, path), (1, None))
    if without_symbol is not None and params.get("symbol") is None:
        return without_symbol
    return weight


class Meter:
    """Count the IP weight of the current minute and the orders of the last 10 s and minute."""

    def __init__(self) -> None:
        self._minute = -1
        self._used = 0
        self._orders: deque[int] = deque()

    def add(self, now: int, weight: int) -> int:
        """Count a request's weight and return the minute's total."""
        minute = now // MS_PER_MINUTE
        if minute != self._minute:
            self._minute, self._used = minute, 0
        self._used += weight
        return self._used

    def used(self, now: int) -> int:
        """Return the weight used in the current minute."""
        return self._used if now // MS_PER_MINUTE == self._minute else 0

    def add_order(self, now: int) -> tuple[int, int]:
        """Count an order placement and return the counts of the last 10 s and minute."""
        self._orders.append(now)
        while self._orders and self._orders[0] <= now - MS_PER_MINUTE:
            self._orders.popleft()
        return sum(1 for t in self._orders if t > now - 10_000), len(self._orders)


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected misbehaviour for one matching request."""

    method: str
    path: str
    status: int
    code: int
    msg: str
    after_accept: bool
    hold: float = 0.0  # seconds to hold the answer
    retry_after: int | None = None


class Faults:
    """Queue faults per method and path; each request takes the first that matches."""

    def __init__(self) -> None:
        self._queue: list[Fault] = []

    def add(self, fault: Fault, times: int) -> None:
        """Queue `fault` for the next `times` matching requests."""
        self._queue.extend([fault] * times)

    def clear(self) -> None:
        """Forget every fault still queued."""
        self._queue.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Remove and return the first fault queued for this request, if any."""
        for index, fault in enumerate(self._queue):
            if fault.method == method and fault.path == path:
                del self._queue[index]
                return fault
        return None


def check_api_key(sent: str | None, api_key: str) -> None:
    """Refuse a request without the account's API key with 401 -2015."""
    if sent != api_key:
        raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")


def check_timestamp(params: Params, server_time: int, recv_window_max: int) -> None:
    """Refuse a signed request whose timestamp falls outside its recvWindow (-1021)."""
    timestamp = params.integer("timestamp")
    window = params.maybe_integer("recvWindow")
    window = DEFAULT_RECV_WINDOW if window is None else window
    if window <= 0 or window > recv_window_max:
        raise refuse(-1130, "Data sent for parameter 'recvWindow' is not valid.")
    if timestamp >= server_time + 1000:
        raise refuse(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if server_time - timestamp > window:
        raise refuse(-1021, "Timestamp for this request is outside of the recvWindow.")


def _unsigned(raw: str) -> tuple[str, str | None]:
    """Split `...&signature=hex` into the signed part and the signature."""
    if raw.startswith("signature="):
        return "", raw.removeprefix("signature=")
    head, sep, tail = raw.rpartition("&signature=")
    return (head, tail) if sep else (raw, None)


def check_signature(raw_query: str, raw_body: str, secret: str) -> None:
    """Refuse a request whose signature is not HMAC-SHA256(secret, query + body) (-1022)."""
    query, in_query = _unsigned(raw_query)
    body, in_body = _unsigned(raw_body)
    signature = in_query if in_query is not None else in_body
    if signature is None:
        raise refuse(
            -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
        )
    signature = signature.split("&", 1)[0]
    expected = hmac.new(secret.encode(), (query + body).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise refuse(-1022, "Signature for this request is not valid.")
