"""Binance USDⓈ-M REST through ccxt's async binanceusdm, with Binance's failure rules.

ccxt signs, times and sends; its raw (implicit) endpoints are used rather than its unified
methods, so that amounts arrive as Binance's decimal strings instead of floats, and every
parameter on the wire is the one we chose. This module decides what a failure means:
retry, resynchronise the clock, back off, stop, or find out whether an order landed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async  # type: ignore[import-untyped]
from ccxt.base.errors import NetworkError  # type: ignore[import-untyped]

from trading_agents.config.binance import BinanceConfig
from trading_agents.core.clock import MS_PER_SECOND, Clock
from trading_agents.venues.binance.limiter import WeightLimiter
from trading_agents.venues.errors import (
    BinanceCode,
    OrderOutcomeUnknown,
    OrderRejected,
    VenueBanned,
    VenueStopped,
    VenueUnavailable,
)

log = logging.getLogger(__name__)

_API_SECTIONS = {
    "fapiPublic": "/fapi/v1",
    "fapiPublicV2": "/fapi/v2",
    "fapiPublicV3": "/fapi/v3",
    "fapiPrivate": "/fapi/v1",
    "fapiPrivateV2": "/fapi/v2",
    "fapiPrivateV3": "/fapi/v3",
}
CLOCK_SKEW_LIMIT_MS = 1_000  # Binance refuses a timestamp more than this ahead of its clock
_BANNED_UNTIL = re.compile(r"banned until (\d+)")


class BinanceHttpError(Exception):
    """An HTTP answer of 4xx or 5xx, with Binance's code and message when it sent them."""

    def __init__(self, status: int, code: int | None, msg: str, retry_after_s: float | None):
        super().__init__(f"HTTP {status}: {code}: {msg}")
        self.status = status
        self.code = code
        self.msg = msg
        self.retry_after_s = retry_after_s

    @property
    def not_executed(self) -> bool:
        """Tell whether Binance says the request never reached the matching engine."""
        # Binance's own words: 503 "Service Unavailable" and -1008 are refused before the
        # engine; any other 5xx ("Unknown error ... execution status unknown") may have run.
        return self.code == BinanceCode.SERVICE_SHEDDING or "Service Unavailable" in self.msg


class _BinanceUsdm(ccxt_async.binanceusdm):  # type: ignore[misc]  # ccxt is untyped
    """ccxt's client, reporting every response's headers and raising our typed HTTP error."""

    observe_headers: Callable[[Mapping[str, str]], None] | None = None

    def parse_json(self, http_response: Any) -> Any:
        # Decimal, not float: Binance sends a few amounts (bracket ratios) as JSON numbers.
        try:
            if isinstance(http_response, str | bytes) and http_response:
                return json.loads(http_response, parse_float=Decimal)
        except ValueError:
            return None
        return None

    def handle_errors(  # ccxt's signature
        self,
        code: int,
        reason: str,
        url: str,
        method: str,
        headers: Mapping[str, str],
        body: str,
        response: Any,
        request_headers: Any,
        request_body: Any,
    ) -> None:
        if self.observe_headers is not None and headers:
            self.observe_headers(headers)
        binance_code: int | None = None
        msg = body or reason
        if isinstance(response, dict):
            raw_code = response.get("code")
            if isinstance(raw_code, int | str) and str(raw_code).lstrip("-").isdigit():
                binance_code = int(raw_code)
            msg = str(response.get("msg", msg))
        if code >= 400 or (binance_code is not None and binance_code < 0):
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            raise BinanceHttpError(
                code, binance_code, msg, float(retry_after) if retry_after else None
            )


class BinanceRest:
    """Call Binance's USDⓈ-M endpoints and apply its failure rules to every call."""

    def __init__(
        self,
        config: BinanceConfig,
        clock: Clock,
        limiter: WeightLimiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_alert: Callable[[str | None], None] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._sleep = sleep
        self.limiter = limiter or WeightLimiter(clock, sleep=sleep)
        self.on_alert = on_alert
        # Hears each request: endpoint, seconds, "ok" or the error's code (for the metrics).
        self.on_request: Callable[[str, float, str], None] | None = None
        self.stopped_reason: str | None = None
        self.clock_resyncs = 0
        self.backoffs = 0
        self.client = _BinanceUsdm(
            {
                "apiKey": config.api_key,
                "secret": config.api_secret,
                "enableRateLimit": False,  # the header-driven limiter paces us instead
                "timeout": int(config.timeout_s * MS_PER_SECOND),
                "options": {
                    "recvWindow": config.recv_window_ms,
                    "timeDifference": 0,
                    "adjustForTimeDifference": False,  # resynced on -1021, not before each call
                    "disableFuturesSandboxWarning": True,
                },
            }
        )
        self.client.observe_headers = self.limiter.observe
        urls = dict(self.client.urls["api"])
        for section, path in _API_SECTIONS.items():
            urls[section] = config.rest_base + path
        self.client.urls["api"] = urls

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.client.close()

    def stop(self, reason: str) -> None:
        """Refuse every later call, and say why."""
        self.stopped_reason = reason
        log.critical("Binance venue stopped: %s", reason)
        if self.on_alert is not None:
            self.on_alert(reason)

    async def resync_clock(self) -> int:
        """Measure the offset between our clock and Binance's, and sign with it from now on."""
        before = self._clock.now_ms()
        answer = await self.call("fapiPublicGetTime", {})
        after = self._clock.now_ms()
        server = int(answer["serverTime"])
        # ccxt signs with its own wall clock minus this difference.
        difference = (before + after) // 2 - server
        self.client.options["timeDifference"] = difference
        self.clock_resyncs += 1
        log.warning("Binance clock offset resynced: ours - theirs = %d ms", difference)
        if self.on_alert is not None and self.stopped_reason is None:
            # Signing with the offset works, but the candles' closes and every time we keep
            # come from this clock: a person should fix its time. Binance refuses timestamps
            # over a second ahead of its own.
            skewed = abs(difference) > CLOCK_SKEW_LIMIT_MS
            self.on_alert(
                f"this machine's clock is {difference} ms off Binance's: requests are signed"
                " with the offset; set the machine's time right (NTP)"
                if skewed
                else None
            )
        return difference

    async def call(
        self,
        endpoint: str,
        params: Mapping[str, Any],
        *,
        weight: int = 1,
        places_order: bool = False,
    ) -> Any:
        """Call one endpoint by its ccxt name; raise a VenueError when it cannot be done.

        A request that places an order is never sent again here once it may have reached the
        matching engine: that raises OrderOutcomeUnknown, and the caller asks by client order id.
        """
        config = self.config
        attempt = 0
        while True:
            attempt += 1
            if self.stopped_reason is not None:
                raise VenueStopped(f"the Binance venue is stopped: {self.stopped_reason}")
            await self.limiter.wait(weight, places_order)
            skewed = False
            began = time.perf_counter()  # a duration for the metrics, not a time we trade on
            try:
                answer = await getattr(self.client, endpoint)(dict(params))
            except BinanceHttpError as error:
                self._heard(endpoint, began, str(error.code or f"http_{error.status}"))
                self._raise_if_final(error, endpoint, places_order)
                why, pause = str(error), error.retry_after_s
                skewed = error.code == BinanceCode.TIMESTAMP_OUTSIDE_RECV_WINDOW
            except NetworkError as error:  # a timeout, or no connection
                self._heard(endpoint, began, "network")
                if places_order and not _never_connected(error):
                    raise OrderOutcomeUnknown(f"{endpoint}: {error}") from error
                why, pause = f"{type(error).__name__}: {error}", None
            else:
                self._heard(endpoint, began, "ok")
                return answer
            if attempt >= config.max_attempts:
                raise VenueUnavailable(f"{endpoint} failed {attempt} times; last: {why}")
            if skewed:  # a -1021 is refused before the engine: resync, then send again
                await self.resync_clock()
                continue
            self.backoffs += 1
            await self._sleep(pause if pause is not None else self.backoff(attempt))

    def _heard(self, endpoint: str, began: float, outcome: str) -> None:
        if self.on_request is not None:
            self.on_request(endpoint, time.perf_counter() - began, outcome)

    def _raise_if_final(self, error: BinanceHttpError, endpoint: str, places_order: bool) -> None:
        """Raise what ends the call; return when the call may be tried again."""
        if error.status == 418:
            until = _BANNED_UNTIL.search(error.msg)
            self.stop(f"Binance banned this IP (HTTP 418): {error.msg}")
            raise VenueBanned(
                f"{endpoint}: Binance banned this IP: {error.msg}",
                int(until.group(1)) if until else None,
            )
        if error.status == 429 or error.code == BinanceCode.TOO_MANY_REQUESTS:
            log.warning("Binance rate limit on %s; backing off", endpoint)
            return
        if error.code == BinanceCode.TIMESTAMP_OUTSIDE_RECV_WINDOW:
            return
        if error.status >= 500 or error.code == BinanceCode.BACKEND_TIMEOUT or error.status == 408:
            if places_order and not error.not_executed:
                raise OrderOutcomeUnknown(f"{endpoint}: {error}")
            return
        raise OrderRejected(error.code if error.code is not None else error.status, error.msg)

    def backoff(self, attempt: int) -> float:
        """Return a full-jitter exponential pause for the given attempt."""
        cap = min(self.config.backoff_cap_s, self.config.backoff_s * 2 ** (attempt - 1))
        return random.uniform(0, cap)  # jitter, not secrecy


def _never_connected(error: NetworkError) -> bool:
    """Tell whether the request failed before a connection existed, so it was never sent."""
    cause = error.__cause__
    name = type(cause).__name__ if cause is not None else ""
    return name in {"ClientConnectorError", "ClientConnectorDNSError", "gaierror"}
