"""The ML engine's client: its three endpoints, with timeouts, retries and a circuit breaker."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from trading_agents.core.circuit import CoolingCircuit
from trading_agents.core.errors import RetryableError

log = logging.getLogger(__name__)
Payload = Mapping[str, Any]


class EngineUnavailable(RetryableError):
    """The ML engine did not answer usefully, or its circuit is open."""


class MlEngineClient:
    """Ask the ML engine for signals; fail with EngineUnavailable, never hang or guess."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 2.0,
        retries: int = 2,
        backoff_s: float = 0.2,
        breaker_failures: int = 3,
        breaker_cool_off_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport
        )
        self._retries = retries
        self._backoff_s = backoff_s
        self.circuit = CoolingCircuit(breaker_failures, breaker_cool_off_s, monotonic)
        self.last_error = ""

    async def close(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def batch(self, symbols: Sequence[str]) -> dict[str, Payload]:
        """Return the latest signal of each symbol the engine has one for."""
        answer = await self._call("POST", "/api/v1/signals/batch", list(symbols))
        signals = answer.get("signals")
        if not isinstance(signals, Mapping):
            raise EngineUnavailable(f"the batch answer has no signals object: {answer!r:.200}")
        return {str(k): v for k, v in signals.items() if isinstance(v, Mapping)}

    async def latest(self, symbol: str) -> Payload | None:
        """Return the latest signal for one symbol, None when the engine has none."""
        answer = await self._call("GET", f"/api/v1/signals/latest/{symbol}", missing_ok=True)
        signal = answer.get("signal")
        return signal if isinstance(signal, Mapping) else None

    async def for_account(self, account_id: str) -> list[Payload]:
        """Return the signals the engine has for one investment account."""
        answer = await self._call("GET", f"/api/v1/signals/account/{account_id}")
        signals = answer.get("signals", [])
        if isinstance(signals, Mapping):
            signals = list(signals.values())
        if not isinstance(signals, list):
            raise EngineUnavailable(f"the account answer has no signals list: {answer!r:.200}")
        return [signal for signal in signals if isinstance(signal, Mapping)]

    async def _call(
        self, method: str, path: str, body: Any = None, missing_ok: bool = False
    ) -> Payload:
        if self.circuit.is_open:
            raise EngineUnavailable(f"the ML engine's circuit is open ({self.last_error})")
        for attempt in range(self._retries + 1):
            try:
                response = await self._client.request(method, path, json=body)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code < 400:
                    try:
                        answer = response.json()
                    except ValueError:
                        problem = "the answer is not JSON"
                    else:
                        if isinstance(answer, Mapping):
                            self.circuit.succeeded()
                            self.last_error = ""
                            return answer
                        problem = "the answer is not a JSON object"
                elif response.status_code == 404 and missing_ok:
                    self.circuit.succeeded()
                    return {}
                elif response.status_code < 500 and response.status_code != 429:
                    # The engine understood and refused: asking again will not change that.
                    self._failed(f"{method} {path} answered {response.status_code}")
                    raise EngineUnavailable(self.last_error)
                else:
                    problem = f"answered {response.status_code}"
            if attempt < self._retries:
                # Exponential backoff with full jitter, so a fleet does not retry in step.
                await asyncio.sleep(random.uniform(0, self._backoff_s * 2**attempt))
        self._failed(f"{method} {path}: {problem}")
        raise EngineUnavailable(self.last_error)

    def _failed(self, problem: str) -> None:
        if not self.last_error:
            log.warning("ML engine: %s", problem)
        self.last_error = problem
        self.circuit.failed()
