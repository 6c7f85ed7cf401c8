"""Record and replay LLM answers, keyed by the request, so an LLM backtest can run again exactly.

The key is the SHA-256 of the request as the server would see it: the model, the tools and
how they are offered, and every message. Recording keeps each answer as a JSON file named by
its key and reuses what is there; replaying answers only from the files and fails on a miss,
without calling anything.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, message_to_dict, messages_from_dict

from trading_agents.core.errors import RunAborted


class CacheMiss(RunAborted):
    """Replaying, the cache holds no answer for a request: the run cannot go on exactly."""


class CachedChat:
    """Answer from the cache folder; call the model (and record) only when allowed to."""

    def __init__(
        self,
        chat: Any,  # the bound chat model: anything with `ainvoke(messages)`
        folder: Path,
        request: dict[str, Any],
        replay_only: bool,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._chat = chat
        self._folder = folder
        self._request = request  # model, tools, tool_choice: what every call shares
        self._replay_only = replay_only

    def key(self, messages: list[BaseMessage]) -> str:
        """Return the request's key."""
        body = {**self._request, "messages": [message_to_dict(m) for m in messages]}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    async def ainvoke(self, messages: list[BaseMessage]) -> AIMessage:
        """Return the cached answer, or ask the model and keep its answer."""
        key = self.key(messages)
        path = self._folder / f"{key}.json"
        if path.exists():
            [answer] = messages_from_dict([json.loads(path.read_text(encoding="utf-8"))])
            if not isinstance(answer, AIMessage):
                raise CacheMiss(f"{path} does not hold a model's answer")
            return answer
        if self._replay_only:
            raise CacheMiss(
                f"no recorded answer for request {key[:12]} in {self._folder}: record it first"
                " with --llm-cache and without --llm-replay"
            )
        answer = await self._chat.ainvoke(messages)
        if not isinstance(answer, AIMessage):
            raise TypeError(f"the model answered a {type(answer).__name__}")
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(message_to_dict(answer)), encoding="utf-8")
        temporary.replace(path)
        return answer
