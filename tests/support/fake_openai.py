"""A fake OpenAI-compatible server on loopback: `/v1/chat/completions` with scripted answers.

Each call takes the next scripted answer: a tool call, plain content, an HTTP error, a
stall, or a body that is not JSON. Every answer carries usage figures, and every request is
recorded, so a test checks what the real `ChatOpenAI` client sent (tools, temperature,
tool_choice, messages). It runs its own event loop in a thread, like the fake ML engine.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.threaded_server import ThreadedServer


@dataclass(frozen=True, slots=True)
class Answer:
    """One scripted answer."""

    tool: str | None = None  # a function call with `arguments`
    arguments: Any = None  # a dict (sent as JSON text) or raw text (malformed on purpose)
    content: str | None = None  # plain text instead of a call
    status: int = 200  # an HTTP error instead
    delay_s: float = 0.0  # answer this late
    not_json: bool = False  # a body that is not JSON
    prompt_tokens: int = 900
    completion_tokens: int = 60


def call(tool: str, **arguments: Any) -> Answer:
    """Return an answer that calls `tool` with `arguments`."""
    return Answer(tool=tool, arguments=arguments)


class FakeOpenAI(ThreadedServer):
    """Serve scripted chat completions; without a script, answer from `responder` or hold."""

    name = "fake OpenAI server"

    def __init__(self, responder: Callable[[dict[str, Any]], Answer] | None = None) -> None:
        super().__init__()
        self.script: deque[Answer] = deque()
        self.requests: list[dict[str, Any]] = []
        self.responder = responder  # a trading policy for backtests, say
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        """Return the base URL a client uses (`.../v1`)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, *answers: Answer) -> None:
        """Queue answers for the next calls."""
        self.script.extend(answers)

    def app(self) -> web.Application:
        """Return `/v1/chat/completions`."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        return app

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if self.script:
            scripted = self.script.popleft()
        elif self.responder is not None:
            scripted = self.responder(body)
        else:
            scripted = call("hold", rationale="nothing to do")
        if scripted.delay_s:
            await asyncio.sleep(scripted.delay_s)
        if scripted.status != 200:
            error = {"error": {"message": f"scripted {scripted.status}", "type": "server_error"}}
            return web.json_response(error, status=scripted.status)
        if scripted.not_json:
            return web.Response(text="{not json", content_type="application/json")
        message: dict[str, Any] = {"role": "assistant", "content": scripted.content}
        finish = "stop"
        if scripted.tool is not None:
            arguments = scripted.arguments
            text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            message["tool_calls"] = [
                {
                    "id": f"call_{next(self._ids)}",
                    "type": "function",
                    "function": {"name": scripted.tool, "arguments": text},
                }
            ]
            finish = "tool_calls"
        return web.json_response(
            {
                "id": f"chatcmpl-{next(self._ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": scripted.prompt_tokens,
                    "completion_tokens": scripted.completion_tokens,
                    "total_tokens": scripted.prompt_tokens + scripted.completion_tokens,
                },
            }
        )


def flip_policy(body: dict[str, Any]) -> Answer:
    """Open a long with an ATR stop when flat, close when holding: trades at every decision."""
    context = json.loads(body["messages"][1]["content"])
    if context["position"] is not None:
        return call("close_position", rationale="taking the move")
    market = context["market"][context["symbol"]]
    if market is None or market["atr"] is None:
        return call("hold", rationale="indicators warming up")
    price, atr = market["close"], market["atr"]
    return call(
        "open_position",
        side="long",
        size_kind="risk",
        size=0.005,
        leverage=2,
        stop_loss=round(price - 3 * atr, 1),
        take_profit=round(price + 5 * atr, 1),
        confidence=0.8,
        rationale="trend up",
    )


def careful_policy(body: dict[str, Any]) -> Answer:
    """Decide from the first message alone, as a careful trader would.

    Open in the direction of a fresh strong signal when flat and an entry is allowed, close
    a position a fresh strong signal points against, otherwise hold. It reads only what the
    brain put in its first message, so it shows whether that message says enough.
    """
    context = json.loads(body["messages"][1]["content"])
    allowed = context["allowed_actions"]
    signal, position = context["signal"], context["position"]
    fresh = signal is not None and not signal.get("stale") and signal["strong"]
    direction = {"buy": "long", "sell": "short"}.get(signal["action"]) if fresh else None
    if direction is None:
        return call("hold", rationale="no fresh strong signal")
    if position is None:
        if "open_position" not in allowed:
            return call("hold", rationale="no entry allowed now")
        # The strategy's exits, size and leverage: the brain fills in what is left out.
        return call(
            "open_position",
            side=direction,
            confidence=signal["confidence"],
            rationale=f"fresh {signal['action']} signal",
        )
    if position["side"] != direction and "close_position" in allowed:
        return call("close_position", rationale="the signal turned against the position")
    return call("hold", rationale="the signal agrees with the position")


def reckless_policy(body: dict[str, Any]) -> Answer:
    """Enter whenever an entry is offered (long if it may), else close: a bad trader's answers."""
    context = json.loads(body["messages"][1]["content"])
    allowed = context["allowed_actions"]
    market = context["market"][context["symbol"]]
    if "open_position" in allowed:
        [tool] = [t for t in body["tools"] if t["function"]["name"] == "open_position"]
        side = tool["function"]["parameters"]["properties"]["side"]["enum"][0]
        away = 2 * market["atr"] if side == "long" else -2 * market["atr"]
        return call(
            "open_position", side=side, size_kind="risk", size=0.005, leverage=1,
            stop_loss=round(market["close"] - away, 2), confidence=0.9, rationale="always in",
        )  # fmt: skip
    if "close_position" in allowed:
        return call("close_position", rationale="always out")
    return call("hold", rationale="nothing else offered")
