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
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web


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


@dataclass
class FakeOpenAI:
    """Serve scripted chat completions; without a script, answer `hold`."""

    script: deque[Answer] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Without a script: answer from the request (a trading policy for backtests), or hold.
    responder: Callable[[dict[str, Any]], Answer] | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        """Return the base URL a client uses (`.../v1`)."""
        return f"http://127.0.0.1:{self._port}/v1"

    def answer(self, *answers: Answer) -> None:
        """Queue answers for the next calls."""
        self.script.extend(answers)

    def start(self) -> None:
        """Listen on a free loopback port in a thread of its own."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-openai", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake OpenAI server did not start")

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    def close(self) -> None:
        """Stop serving and join the thread."""
        loop = self._loop
        if loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

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
