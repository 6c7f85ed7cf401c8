"""The LLM brain through the real ChatOpenAI client and a fake server: decides, or holds closed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.support.agents import T_DECIDE, long_position, snapshot, state
from tests.support.backtests import agent
from tests.support.fake_openai import Answer, FakeOpenAI, call
from trading_agents.agents.brains.llm import LlmBrain, llm_brain
from trading_agents.agents.state import PositionView
from trading_agents.config.llm import LlmSettings
from trading_agents.core.clock import to_ms
from trading_agents.core.errors import ConfigurationError
from trading_agents.market.candles import Candle
from trading_agents.model.decisions import Action
from trading_agents.model.enums import Side
from trading_agents.model.signals import Signal, SignalAction
from trading_agents.risk.state import TradingState

OPEN = {
    "side": "long",
    "size_kind": "risk",
    "size": 0.005,
    "leverage": 2,
    "stop_loss": 99_500,
    "take_profit": 101_000,
    "confidence": 0.8,
    "rationale": "fast EMA crossed above the slow one",
}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


def _brain(fake: FakeOpenAI, **settings: object) -> LlmBrain:
    values = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake.url,
        "LLM_MODEL": "gpt-4o-mini",
        "LLM_SERVER": "openai",
        "LLM_TIMEOUT": 2,
        **settings,
    }
    return llm_brain(agent("atlas").model_copy(update={"brain": "llm"}), LlmSettings(**values))


async def test_a_decision_tool_call_becomes_a_decision_with_its_tokens_and_cost(
    fake: FakeOpenAI,
) -> None:
    fake.answer(call("market", symbol="BTCUSDT"), call("open_position", **OPEN))

    decision = await _brain(fake).decide(state())

    assert (decision.action, decision.side, decision.leverage) == (Action.OPEN, Side.BUY, 2)
    assert decision.stop_loss == Decimal(99_500)
    assert decision.quantity == Decimal(10_000) * Decimal("0.005") / Decimal(500)
    assert decision.reasoning == OPEN["rationale"]
    usage = decision.usage
    assert usage is not None
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (2, 1800, 120)
    assert usage.cost_usd == (1800 * Decimal("0.15") + 120 * Decimal("0.60")) / 1_000_000
    first, second = fake.requests
    assert (first["temperature"], first["tool_choice"], first["parallel_tool_calls"]) == (
        0, "required", False
    )  # fmt: skip
    assert {t["function"]["name"] for t in first["tools"]} >= {"open_position", "hold", "market"}
    assert second["messages"][-1]["role"] == "tool"  # the market view went back to the model
    assert "ema_fast" in second["messages"][-1]["content"]


async def test_a_local_server_is_asked_only_what_it_accepts(fake: FakeOpenAI) -> None:
    fake.answer(call("hold", rationale="quiet"))

    await _brain(fake, LLM_SERVER="ollama").decide(state())

    [request] = fake.requests
    assert request["tool_choice"] == "auto"
    assert "parallel_tool_calls" not in request


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ([Answer(status=500)], "HTTP 500"),
        ([Answer(status=429)], "rate limited (HTTP 429"),
        ([Answer(not_json=True)], "the LLM call failed"),
        ([Answer(delay_s=3)], "did not answer within 2 s"),
        ([Answer(content="buy!"), Answer(content="buy now!")], "answered in text"),
        ([Answer(tool="open_position", arguments="{not json")] * 2, "not valid JSON"),
        ([call("open_position", **{**OPEN, "stop_loss": 100_500})] * 2, "stop loss must be below"),
        ([call("open_position", **{**OPEN, "leverage": 20})] * 2, "leverage 20 is above"),
        ([call("open_position", **{**OPEN, "confidence": 1.5})] * 2, "confidence"),
        ([call("teleport", to="moon")] * 2, "no tool called teleport"),
        ([call("market", symbol="DOGEUSDT")] * 6, "no decision within 6 calls"),
    ],
)
async def test_every_failure_is_a_hold_with_its_reason(
    fake: FakeOpenAI, answers: list[Answer], reason: str
) -> None:
    fake.answer(*answers)

    decision = await _brain(fake).decide(state())

    assert decision.action is Action.HOLD
    assert reason in decision.reasoning
    assert decision.reasoning.endswith("holding")


async def test_one_repair_turns_an_invalid_answer_into_a_decision(fake: FakeOpenAI) -> None:
    fake.answer(
        call("open_position", **{**OPEN, "stop_loss": 100_500}), call("open_position", **OPEN)
    )

    decision = await _brain(fake).decide(state())

    assert decision.action is Action.OPEN
    repair = fake.requests[1]["messages"]
    assert "stop loss must be below" in repair[-2]["content"]  # the refusal, as a tool answer


async def test_repeated_failures_open_the_endpoints_circuit(fake: FakeOpenAI) -> None:
    brain = _brain(fake)
    fake.answer(*[Answer(status=503)] * 3)
    for _ in range(3):
        await brain.decide(state())

    decision = await brain.decide(state())

    assert "circuit is open" in decision.reasoning
    assert len(fake.requests) == 3  # the fourth never reached the server


async def test_a_compact_prompt_for_two_symbols(fake: FakeOpenAI) -> None:
    fake.answer(call("hold", rationale="waiting"))
    two = state([snapshot("BTCUSDT"), snapshot("ETHUSDT", close="2500")])

    await _brain(fake).decide(two)

    text = " ".join(str(m.get("content") or "") for m in fake.requests[0]["messages"])
    tools = str(fake.requests[0]["tools"])
    assert (len(text) + len(tools)) / 4 < 1_500  # about four characters a token


def test_openai_without_a_key_is_a_configuration_error() -> None:
    settings = LlmSettings(OPENAI_API_KEY=None, LLM_SERVER="openai")
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        llm_brain(agent("atlas").model_copy(update={"brain": "llm"}), settings)


async def test_a_spent_daily_budget_holds_until_the_next_utc_day(fake: FakeOpenAI) -> None:
    brain = _brain(fake)
    brain.daily_budget_usd = Decimal("0.0002")  # one decision costs 0.000171 USD here
    fake.answer(
        call("hold", rationale="a"), call("hold", rationale="b"), call("hold", rationale="c")
    )
    today = state()
    await brain.decide(today)
    await brain.decide(today)

    spent = await brain.decide(today)
    tomorrow = await brain.decide({**today, "ts_ms": today["ts_ms"] + 86_400_000})

    assert "daily LLM budget of 0.0002 USD is spent" in spent.reasoning
    assert len(fake.requests) == 3  # the budget stopped the third day-one call
    assert tomorrow.reasoning == "c"
    assert brain.counters.day_cost_usd < brain.counters.cost_usd


def test_candles_the_rules_pass_over_are_counted_as_skipped_calls(fake: FakeOpenAI) -> None:
    brain = _brain(fake)

    brain.triggered(snapshot(prev_fast=100_005.0))  # no crossing: nothing to ask
    brain.triggered(snapshot())  # a crossing: worth a call

    assert brain.counters.skipped == 1


async def test_the_whole_exchange_goes_with_the_decision(fake: FakeOpenAI) -> None:
    fake.answer(call("market", symbol="BTCUSDT"), call("hold", rationale="flat"))

    decision = await _brain(fake).decide(state())

    assert decision.exchange is not None
    exchange = json.loads(decision.exchange)
    kinds = [m["type"] for m in exchange["messages"]]
    assert kinds == ["system", "human", "ai", "tool", "ai"]
    assert exchange["usage"]["calls"] == 2
    assert "open_position" in exchange["tools"]


async def test_the_recent_candles_tool_summarizes_the_clock_bound_market(
    fake: FakeOpenAI,
) -> None:
    brain = _brain(fake)
    brain.market = _Recent([candle(open_="100", close="101"), candle(open_="101", close="103")])
    fake.answer(call("recent_candles", symbol="BTCUSDT", count=2), call("hold", rationale="ok"))

    await brain.decide(state())

    summary = json.loads(fake.requests[1]["messages"][-1]["content"])
    assert (summary["count"], summary["open"], summary["close"]) == (2, 100.0, 103.0)
    assert summary["change_pct"] == 3.0
    assert summary["last_closes"] == [101.0, 103.0]


class _Recent:
    """A market view that holds a few candles."""

    def __init__(self, candles: list[Candle]) -> None:
        self._candles = candles

    def snapshot(self, symbol: str) -> None:
        return None

    def recent(self, symbol: str, count: int) -> list[Candle]:
        return self._candles[-count:]


def candle(open_: str, close: str) -> Candle:
    price = Decimal(open_)
    return Candle(
        "BTCUSDT", 0, 60_000, price, max(price, Decimal(close)), price, Decimal(close), Decimal(1)
    )


def _decision_tools(request: dict[str, object]) -> set[str]:
    names = {t["function"]["name"] for t in request["tools"]}  # type: ignore[attr-defined]
    return names & {"open_position", "close_position", "move_stops", "hold"}


async def test_only_the_actions_the_account_s_state_allows_are_offered(fake: FakeOpenAI) -> None:
    brain = _brain(fake)
    fake.answer(call("hold", rationale="flat"))
    await brain.decide(state())
    fake.answer(call("hold", rationale="held"))
    await brain.decide(state(positions={"BTCUSDT": long_position()}))
    fake.answer(call("hold", rationale="full"))
    full = {s: long_position(s) for s in ("ETHUSDT", "SOLUSDT", "XRPUSDT")}
    await brain.decide(state(positions=full))

    flat, held, at_limit = (_decision_tools(request) for request in fake.requests)
    assert flat == {"open_position", "hold"}  # nothing to close or move
    assert held == {"open_position", "close_position", "move_stops", "hold"}
    assert at_limit == {"hold"}  # three positions of three: no room for a fourth


async def test_an_action_not_offered_gets_one_repair_turn_then_holds(fake: FakeOpenAI) -> None:
    fake.answer(call("close_position", rationale="close it"), call("move_stops", rationale="again"))

    decision = await _brain(fake).decide(state())

    assert decision.action is Action.HOLD
    assert "no valid decision after a repair" in decision.reasoning
    refusal = fake.requests[1]["messages"]
    assert any("close_position is not open now" in str(m.get("content")) for m in refusal)


async def test_no_entry_is_offered_while_the_risk_engine_only_lets_the_agent_reduce(
    fake: FakeOpenAI,
) -> None:
    brain = _brain(fake)
    for trading in (TradingState.REDUCING, TradingState.HALTED):
        fake.answer(call("hold", rationale="reducing"))
        await brain.decide(
            {**state(positions={"BTCUSDT": long_position()}), "trading_state": trading}
        )
    fake.answer(call("hold", rationale="flat"))
    await brain.decide({**state(), "trading_state": TradingState.REDUCING})

    reducing, halted, flat = fake.requests
    assert _decision_tools(reducing) == _decision_tools(halted) == {
        "close_position", "move_stops", "hold"
    }  # fmt: skip
    assert _decision_tools(flat) == {"hold"}
    context = json.loads(reducing["messages"][1]["content"])
    assert (context["trading_state"], context["allowed_actions"]) == (
        "reducing", ["close_position", "move_stops", "hold"]
    )  # fmt: skip


async def test_a_stale_or_weak_signal_is_shown_without_what_it_said(fake: FakeOpenAI) -> None:
    fresh = Signal("BTCUSDT", SignalAction.BUY, Decimal("0.8"), Decimal(100_000), to_ms(T_DECIDE))
    weak = replace(fresh, confidence=Decimal("0.5"))  # Atlas acts from 0.6
    stale = replace(fresh, ts_ms=fresh.ts_ms - 16 * 60_000)  # Atlas's signals last 15 minutes
    fake.answer(*(call("hold", rationale=str(n)) for n in range(3)))

    for signal in (fresh, weak, stale):
        await _brain(fake).decide(state(signal=signal))

    facts = [json.loads(r["messages"][1]["content"]) for r in fake.requests]
    assert [f["signal"] for f in facts] == [
        {"action": "buy", "confidence": 0.8, "strong": True, "price": 100000.0, "age_s": 0},
        {"strong": False, "confidence": 0.5, "min_confidence": 0.6, "age_s": 0},
        {"stale": True, "age_s": 960, "max_age_s": 900},
    ]
    assert [f["signal_vs_position"] for f in facts] == [
        "flat, and a fresh strong long signal: a reason to open_position long",
        "no fresh strong signal: no reason to trade",
        "no fresh strong signal: no reason to trade",
    ]


async def test_a_small_local_model_is_asked_only_the_side_of_an_entry(fake: FakeOpenAI) -> None:
    fake.answer(call("open_position", side="long", confidence=0.7, rationale="up"))

    decision = await _brain(fake, LLM_SERVER="llamacpp", LLM_MODEL="qwen").decide(state())

    [tool] = [t for t in fake.requests[0]["tools"] if t["function"]["name"] == "open_position"]
    parameters = tool["function"]["parameters"]
    assert set(parameters["properties"]) == {"side", "confidence", "rationale"}
    assert parameters["required"] == ["side", "confidence", "rationale"]
    assert (decision.stop_loss, decision.take_profit) == (Decimal(99_500), Decimal(100_800))


async def test_a_position_is_shown_with_its_side_profit_and_stop(fake: FakeOpenAI) -> None:
    short = PositionView("BTCUSDT", Decimal("-0.01"), Decimal(101_000), 2, Decimal(102_000))
    fake.answer(call("hold", rationale="short"))

    await _brain(fake).decide(state(positions={"BTCUSDT": short}))

    position = json.loads(fake.requests[0]["messages"][1]["content"])["position"]
    assert position == {
        "side": "short", "quantity": 0.01, "entry": 101000.0, "leverage": 2,
        "pnl_pct": 0.99, "stop_loss": 102000.0,
    }  # fmt: skip


async def test_leverage_in_the_schema_is_bounded_by_the_agent_s_limit(fake: FakeOpenAI) -> None:
    fake.answer(call("hold", rationale="flat"))

    await _brain(fake).decide(state())

    [tool] = [t for t in fake.requests[0]["tools"] if t["function"]["name"] == "open_position"]
    assert tool["function"]["parameters"]["properties"]["leverage"]["maximum"] == 2  # Atlas
    assert tool["function"]["parameters"]["properties"]["stop_loss"]["type"] == ["number", "null"]


async def test_an_open_with_only_side_and_confidence_gets_the_strategy_s_exits_size_and_leverage(
    fake: FakeOpenAI,
) -> None:
    fake.answer(call("open_position", side="short", confidence=0.8, rationale="crossed down"))

    decision = await _brain(fake).decide(state())

    # Atlas: stop 2.5 ATR and target 4 ATR from the close of 100,000 (ATR 200), 2x; the risk
    # engine sizes it at the agent's risk per trade (no quantity from the brain).
    assert (decision.action, decision.side, decision.leverage) == (Action.OPEN, Side.SELL, 2)
    assert (decision.stop_loss, decision.take_profit) == (Decimal(100_500), Decimal(99_200))
    assert decision.quantity is None
    facts = json.loads(fake.requests[0]["messages"][1]["content"])
    assert facts["exits_for"] == {
        "long": {"stop_loss": 99500.0, "take_profit": 100800.0},
        "short": {"stop_loss": 100500.0, "take_profit": 99200.0},
    }


async def test_a_held_position_can_only_be_reversed_not_added_to(fake: FakeOpenAI) -> None:
    fake.answer(
        call("open_position", side="long", confidence=0.9, rationale="more"),
        call("hold", rationale="already long"),
    )

    decision = await _brain(fake).decide(state(positions={"BTCUSDT": long_position()}))

    assert decision.action is Action.HOLD
    first, repair = fake.requests
    [tool] = [t for t in first["tools"] if t["function"]["name"] == "open_position"]
    assert tool["function"]["parameters"]["properties"]["side"]["enum"] == ["short"]
    facts = json.loads(first["messages"][1]["content"])
    assert list(facts["exits_for"]) == ["short"]
    assert "already long BTCUSDT" in repair["messages"][-2]["content"]


async def test_a_stop_on_the_wrong_side_is_refused_with_the_strategy_s_stop_named(
    fake: FakeOpenAI,
) -> None:
    fake.answer(
        call("open_position", side="short", confidence=0.9, stop_loss=99_000, rationale="down"),
        call("open_position", side="short", confidence=0.9, rationale="down"),
    )

    decision = await _brain(fake).decide(state())

    assert (decision.action, decision.stop_loss) == (Action.OPEN, Decimal(100_500))
    refusal = fake.requests[1]["messages"][-2]["content"]
    assert "must be above the price 100000" in refusal
    assert "100500" in refusal


async def test_a_size_without_its_kind_is_refused(fake: FakeOpenAI) -> None:
    fake.answer(
        call("open_position", side="long", confidence=0.9, size=0.01, rationale="up"),
        call("hold", rationale="unsure"),
    )

    decision = await _brain(fake).decide(state())

    assert decision.action is Action.HOLD
    assert "size and size_kind together" in fake.requests[1]["messages"][-2]["content"]
