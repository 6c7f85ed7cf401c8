"""The LLM brain: a bounded function-calling loop on any OpenAI-compatible server; it fails closed.

Each decision is at most `max_tool_calls` round trips and `timeout_s` seconds, at
temperature 0. The model reads what it needs through read-only tools and ends by calling one
decision tool; an answer that is not a valid decision gets one repair attempt, then HOLD with
the reason. A timeout, an HTTP error, a rate limit or an unreadable answer is HOLD with the
reason, never a default trade; repeated failures open a circuit for the endpoint.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    message_to_dict,
)
from pydantic import SecretStr

from trading_agents.agents.brains.llm_cache import CachedChat
from trading_agents.agents.brains.llm_parts import (
    ChatModel,
    LlmCacheOptions,
    LlmCounters,
    UsageTally,
)
from trading_agents.agents.brains.llm_tools import (
    DECISION_TOOLS,
    READ_TOOLS,
    ToolRefused,
    admissible,
    decision_from,
    exits_for,
    market_view,
    open_sides,
    read,
    tool_schemas,
)
from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.state import DecisionState
from trading_agents.config.llm import LlmSettings, ModelFacts, llm_tables
from trading_agents.config.profiles import AgentProfile
from trading_agents.core.circuit import CoolingCircuit
from trading_agents.core.clock import parse_interval
from trading_agents.core.errors import ConfigurationError, RunAborted
from trading_agents.market.view import IndicatorColumns, MarketSnapshot, MarketView
from trading_agents.model.decisions import Action, Decision, LlmUsage
from trading_agents.risk.state import TradingState

log = logging.getLogger(__name__)
INSTRUCTIONS = (
    "You decide for one symbol of a USDT-margined perpetual futures account. The first "
    "message has the facts; read more with the read tools if you need, then call exactly one "
    "decision tool of allowed_actions: open_position, close_position, move_stops or hold. "
    "open_position needs only side, confidence and rationale: the strategy's exits_for, the "
    "agent's risk per trade and its leverage apply to what you leave out; on a held symbol it "
    "reverses the position. A fresh signal that is strong is a reason to open in its "
    "direction when flat, and to close a position it points against; a stale or weak signal "
    "is no reason to trade; without a reason, hold. A risk engine checks every order after "
    "you. Prices are USDT. Give a rationale of at most twelve words."
)
REPAIR = "That was not a valid decision. Call exactly one decision tool with valid values."
# One circuit per endpoint, shared by every agent that calls it: an outage is the server's.
_CIRCUITS: dict[str, CoolingCircuit] = {}
ENDPOINT_FAILURES, ENDPOINT_COOL_OFF_S = 3, 60.0


class LlmBrain:
    """Decide through a chat model with tools; the rule brain's trigger says when to ask it."""

    def __init__(
        self,
        *,
        chat: Callable[[tuple[str, ...], tuple[str, ...]], ChatModel],
        model: str,
        facts: ModelFacts,
        mandate: str,
        trigger: RuleBrain,
        timeout_s: float = 20.0,
        max_tool_calls: int = 6,
        circuit: CoolingCircuit | None = None,
        daily_budget_usd: Decimal | None = None,
        read_tools: bool = True,
    ) -> None:
        self._bind = chat  # the model with these decision tools (and the read tools) offered
        self._bound: dict[tuple[tuple[str, ...], tuple[str, ...]], ChatModel] = {}
        self._offered: tuple[str, ...] = tuple(DECISION_TOOLS)
        self._reads: tuple[str, ...] = tuple(READ_TOOLS) if read_tools else ()
        self._model = model
        self._facts = facts
        self._mandate = mandate.strip()
        self._trigger = trigger
        # A signal older than this is stale: the rules ignore it, and the model is told so.
        self._signal_max_age_ms = parse_interval(trigger.strategy.signal_max_age)
        self._timeout_s = timeout_s
        self._max_calls = max_tool_calls
        self.circuit = circuit or CoolingCircuit(ENDPOINT_FAILURES, ENDPOINT_COOL_OFF_S)
        self.daily_budget_usd = daily_budget_usd
        self.counters = LlmCounters()
        self.market: MarketView | None = None  # for recent candles; bound once assembled
        self._messages: list[BaseMessage] = []  # the decision in progress's exchange

    @property
    def name(self) -> str:
        """Say which brain this is, with its model."""
        return f"llm:{self._model}"

    def triggered(self, snapshot: MarketSnapshot) -> bool:
        """Ask the model only when the rules see something happen: calls cost money."""
        if self._trigger.triggered(snapshot):
            return True
        self.counters = self.counters._replace(skipped=self.counters.skipped + 1)
        return False

    def trigger_mask(self, columns: IndicatorColumns) -> Any:
        """Return where a backtest must stop to ask: the rule trigger's candles."""
        return self._trigger.trigger_mask(columns)

    async def decide(self, state: DecisionState) -> Decision:
        """Run the bounded tool loop; any failure is HOLD with the reason."""
        usage = UsageTally(self._model, self._facts)
        self._messages = []
        decision = await self._decide(state, usage)
        used = usage.total()
        self._count(state["ts_ms"], used)
        return replace(decision, exchange=self._exchange(used))

    def _exchange(self, used: LlmUsage) -> str:
        """Return the decision's whole exchange with the model, for the audit trail."""
        return json.dumps(
            {
                "model": self._model,
                "tools": sorted([*self._offered, *self._reads]),
                "messages": [message_to_dict(message) for message in self._messages],
                "usage": {**used._asdict(), "cost_usd": str(used.cost_usd)},
            },
            separators=(",", ":"),
            default=str,
        )

    def _count(self, ts_ms: int, used: LlmUsage) -> None:
        """Add a decision's use to the counters and to its UTC day's spend."""
        day = ts_ms - ts_ms % 86_400_000
        counters = self.counters
        day_cost = counters.day_cost_usd if counters.day_ms == day else Decimal(0)
        self.counters = LlmCounters(
            counters.calls + used.calls,
            counters.skipped,
            counters.input_tokens + used.input_tokens,
            counters.output_tokens + used.output_tokens,
            counters.cost_usd + used.cost_usd,
            day,
            day_cost + used.cost_usd,
        )

    def budget_spent(self, ts_ms: int) -> bool:
        """Tell whether the day's LLM budget is spent at `ts_ms` (UTC days)."""
        budget = self.daily_budget_usd
        counters = self.counters
        today = ts_ms - ts_ms % 86_400_000
        return budget is not None and counters.day_ms == today and counters.day_cost_usd >= budget

    async def _decide(self, state: DecisionState, usage: UsageTally) -> Decision:
        if self.budget_spent(state["ts_ms"]):
            log.warning(
                "%s on %s: the daily LLM budget of %s USD is spent; holding until tomorrow (UTC)",
                state["agent"],
                state["account_id"],
                self.daily_budget_usd,
            )
            return self._hold(
                state, usage, f"the daily LLM budget of {self.daily_budget_usd} USD is spent"
            )
        if self.circuit.is_open:
            return self._hold(state, usage, "the LLM endpoint's circuit is open after failures")
        deadline = time.monotonic() + self._timeout_s
        self._offered = admissible(state)
        tools = (self._offered, open_sides(state))
        chat = self._bound.get(tools)
        if chat is None:
            chat = self._bound[tools] = self._bind(*tools)
        messages = self._messages
        messages.append(SystemMessage(f"{self._mandate}\n\n{INSTRUCTIONS}"))
        facts = _context(state, self._signal_max_age_ms, self._trigger)
        messages.append(HumanMessage(json.dumps(facts, separators=(",", ":"))))
        repaired = False
        for _ in range(self._max_calls):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._hold(state, usage, f"no decision within {self._timeout_s:g} s")
            try:
                answer = await asyncio.wait_for(chat.ainvoke(messages), remaining)
            except RunAborted:
                raise
            except TimeoutError:
                self.circuit.failed()
                return self._hold(
                    state, usage, f"the LLM did not answer within {self._timeout_s:g} s"
                )
            except Exception as error:
                self.circuit.failed()
                return self._hold(state, usage, f"the LLM call failed: {_describe(error)}")
            self.circuit.succeeded()
            if not isinstance(answer, AIMessage):
                return self._hold(state, usage, "the LLM answered something that is not a message")
            usage.add(answer)
            messages.append(answer)
            problem = _problem_with(answer)
            if problem is None:
                try:
                    return self._act(answer, messages, state, usage)
                except ToolRefused as refused:
                    problem = str(refused)
                except _ReadOnly:
                    continue
            if repaired:
                return self._hold(state, usage, f"no valid decision after a repair: {problem}")
            repaired = True
            _answer_calls(answer, messages, f"refused: {problem}")
            messages.append(HumanMessage(REPAIR))
        return self._hold(state, usage, f"no decision within {self._max_calls} calls")

    def _act(
        self,
        answer: AIMessage,
        messages: list[BaseMessage],
        state: DecisionState,
        usage: UsageTally,
    ) -> Decision:
        """Answer read tools, or return the decision a decision tool describes."""
        deciding = [call for call in answer.tool_calls if call["name"] in DECISION_TOOLS]
        if len(deciding) > 1:
            raise ToolRefused("call one decision tool, not several")
        if deciding:
            call = deciding[0]
            if call["name"] not in self._offered:
                raise ToolRefused(
                    f"{call['name']} is not open now: the state allows {', '.join(self._offered)}"
                )
            return decision_from(call["name"], call["args"], state, usage.total(), self._trigger)
        for call in answer.tool_calls:
            try:
                result = read(call["name"], call["args"], state, self.market)
            except ToolRefused as refused:
                result = {"error": str(refused)}
            messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"] or ""))
        raise _ReadOnly

    def _hold(self, state: DecisionState, usage: UsageTally, reason: str) -> Decision:
        signal = state.get("signal")
        signal_id = signal.signal_id if signal is not None else None
        return Decision(
            Action.HOLD,
            state["symbol"],
            f"{reason}; holding",
            signal_id=signal_id,
            usage=usage.total(),
        )


class _ReadOnly(Exception):
    """The model only read: the loop goes on."""


def _problem_with(answer: AIMessage) -> str | None:
    """Say what makes an answer unusable, or None."""
    if answer.invalid_tool_calls:
        bad = answer.invalid_tool_calls[0]
        return f"the call to {bad.get('name')} is not valid JSON: {bad.get('error') or ''}".strip()
    if not answer.tool_calls:
        return "it answered in text instead of calling a tool"
    known = set(DECISION_TOOLS) | set(READ_TOOLS)
    unknown = [call["name"] for call in answer.tool_calls if call["name"] not in known]
    if unknown:
        return f"there is no tool called {unknown[0]}"
    return None


def _answer_calls(answer: AIMessage, messages: list[BaseMessage], text: str) -> None:
    """Give every call of an answer a reply, as the API requires before the next message."""
    for call in [*answer.tool_calls, *answer.invalid_tool_calls]:
        messages.append(ToolMessage(text, tool_call_id=call.get("id") or ""))


def _context(state: DecisionState, signal_max_age_ms: int, rules: RuleBrain) -> dict[str, Any]:
    """The compact facts a decision starts from."""
    symbol = state["symbol"]
    account = state["account"]
    limits = state["limits"]
    signal = _signal(state, signal_max_age_ms)
    position = _position(state)
    return {
        "symbol": symbol,
        "why_now": str(state["trigger"]),
        # What may be decided now (the tools offered): a small model keeps to it more often.
        "allowed_actions": list(admissible(state)),
        "trading_state": str(state.get("trading_state", TradingState.ACTIVE)),
        "market": {name: market_view(snap) for name, snap in state["market"].items()},
        "position": position,
        "other_positions": sorted(name for name in state["positions"] if name != symbol),
        "equity": round(float(account.equity), 2),
        "signal": signal,
        # Said outright: a small model reads "sell" against a long as a reason to buy more.
        "signal_vs_position": _agreement(signal, position),
        # The exits an entry gets when the model leaves them out: a small model asked for its
        # own puts a short's stop below the price.
        "exits_for": exits_for(state, rules),
        "limits": {
            "min_confidence": float(limits.min_confidence),
            "max_leverage": limits.max_leverage,
            "max_open_positions": limits.max_open_positions,
            "risk_per_trade": float(limits.risk_per_trade),
        },
    }


def _position(state: DecisionState) -> dict[str, Any] | None:
    """Describe the symbol's position: side, size, entry, profit so far and its stop."""
    symbol = state["symbol"]
    position = state["positions"].get(symbol)
    if position is None:
        return None
    long = position.quantity > 0
    view: dict[str, Any] = {
        "side": "long" if long else "short",
        "quantity": float(abs(position.quantity)),
        "entry": float(position.entry_price),
        "leverage": position.leverage,
    }
    snapshot = state["market"].get(symbol)
    if snapshot is not None and position.entry_price > 0:
        change = (snapshot.close - position.entry_price) / position.entry_price
        view["pnl_pct"] = round(float(change if long else -change) * 100, 2)
    if position.stop_loss is not None:
        view["stop_loss"] = float(position.stop_loss)
    return view


def _agreement(signal: dict[str, Any] | None, position: dict[str, Any] | None) -> str:
    """Say what a fresh, strong signal means for the position, in the tools' words."""
    if signal is None or signal.get("stale") or not signal["strong"]:
        return "no fresh strong signal: no reason to trade"
    side = {"buy": "long", "sell": "short"}.get(signal["action"])
    if side is None:
        return "the signal says hold"
    if position is None:
        return f"flat, and a fresh strong {side} signal: a reason to open_position {side}"
    if position["side"] == side:
        # A small model told only "agrees" closed, or reversed, a position the signal backs.
        return f"the signal agrees with the {side} position: keep it (hold, or move_stops)"
    return f"the signal is against the {position['side']} position: a reason to close_position"


def _signal(state: DecisionState, max_age_ms: int) -> dict[str, Any] | None:
    """Describe the symbol's latest signal; a stale or weak one without what it said."""
    signal = state.get("signal")
    if signal is None or signal.symbol != state["symbol"]:
        return None
    age_ms = max(0, state["ts_ms"] - signal.ts_ms)
    if age_ms > max_age_ms:
        # A small model trades on "buy" whatever the age says: an old signal's view is left out.
        return {"stale": True, "age_s": age_ms // 1000, "max_age_s": max_age_ms // 1000}
    minimum = state["limits"].min_confidence
    if signal.confidence < minimum:
        # Nor whatever the confidence says: a weak signal's view is left out too.
        return {
            "strong": False,
            "confidence": float(signal.confidence),
            "min_confidence": float(minimum),
            "age_s": age_ms // 1000,
        }
    return {
        "action": str(signal.action),
        "confidence": float(signal.confidence),
        "strong": True,
        "price": float(signal.price),
        "age_s": age_ms // 1000,
    }


def _describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    kind = type(error).__name__
    if status == 429:
        return f"rate limited (HTTP 429, {kind})"
    if status is not None:
        return f"HTTP {status} ({kind})"
    return f"{kind}: {str(error)[:160]}"


def llm_brain(
    profile: AgentProfile, settings: LlmSettings, cache: LlmCacheOptions | None = None
) -> LlmBrain:
    """Build the brain a profile with `brain: llm` asks for, on the configured endpoint.

    With `cache`, answers are recorded in (and reused from) a folder; replaying, only the
    folder answers and nothing is called.
    """
    from langchain_openai import ChatOpenAI

    model = profile.model or settings.model
    facts = settings.model_facts(model)
    server = llm_tables().servers[settings.server_kind()]
    replaying = cache is not None and cache.replay_only
    if (
        not replaying
        and settings.api_key is None
        and settings.server_kind()
        in (
            "openai",
            "openrouter",
        )
    ):
        raise ConfigurationError(f"{profile.name}: the LLM brain needs OPENAI_API_KEY")
    key = settings.api_key.get_secret_value() if settings.api_key is not None else "not-needed"
    chat = ChatOpenAI(
        model=model,
        api_key=SecretStr(key),
        base_url=settings.base_url,
        temperature=0,
        timeout=settings.timeout_s,
        max_retries=0,  # the brain's own deadline and circuit decide; no hidden retries
    )
    extra: dict[str, Any] = {"tool_choice": server.tool_choice}
    if server.parallel_tool_calls_flag:
        extra["parallel_tool_calls"] = False  # one decision per answer

    def bind(decisions: tuple[str, ...], sides: tuple[str, ...]) -> ChatModel:
        """Offer these decision tools (and the read tools): what the state allows, per call."""
        schemas = tool_schemas(
            decisions, profile.risk.max_leverage, server.read_tools, sides, server.entry_prices
        )
        bound: ChatModel = chat.bind_tools(schemas, **extra)
        if cache is not None:
            request = {"model": model, "tools": schemas, **extra}
            bound = CachedChat(bound, cache.folder, request, cache.replay_only)
        return bound

    return LlmBrain(
        chat=bind,
        model=model,
        facts=facts,
        mandate=profile.mandate,
        trigger=RuleBrain(profile.strategy, profile.risk.max_leverage),
        timeout_s=settings.timeout_s,
        max_tool_calls=settings.max_tool_calls,
        circuit=_CIRCUITS.setdefault(
            settings.base_url or "openai", CoolingCircuit(ENDPOINT_FAILURES, ENDPOINT_COOL_OFF_S)
        ),
        daily_budget_usd=profile.llm_daily_budget_usd,
        read_tools=server.read_tools,
    )
