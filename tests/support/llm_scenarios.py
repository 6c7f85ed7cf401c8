"""Fixed decision scenarios from real candles, each with the decisions that make sense in it.

Every scenario is Atlas (BTCUSDT and ETHUSDT, 15m candles, 2x, 0.5 % a trade) at one real
15m close of Binance's May-June 2025 futures data, with an account state (positions, the
risk engine's trading state, the position limit) and a signal of a given action, confidence
and age. Its `admissible` set holds the decisions a careful trader would accept there;
`offered` the decision tools the brain must offer for that state. `run` puts each scenario
through a brain and `Outcome`s say what it decided, whether that was admissible, how long it
took and the tokens the server counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from functools import cache
from typing import Literal

from tests.support.backtests import agent
from tests.support.market_data import candles_from
from trading_agents.agents.brains.port import Brain
from trading_agents.agents.brains.rules import indicator_spec
from trading_agents.agents.limits import risk_limits
from trading_agents.agents.state import DecisionState, PositionView
from trading_agents.core.clock import MS_PER_HOUR, MS_PER_MINUTE, SimulatedClock, iso_utc, to_ms
from trading_agents.market.view import LiveMarket, MarketSnapshot
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import Side
from trading_agents.model.requests import AccountState
from trading_agents.model.signals import Signal, SignalAction
from trading_agents.risk.limits import RiskLimits
from trading_agents.risk.state import TradingState

AGENT = "atlas"
FILES = {
    "BTCUSDT": "futures_um/1m/BTCUSDT_1m_2025-05-04_2025-06-24",
    "ETHUSDT": "futures_um/1m/ETHUSDT_1m_2025-05-04_2025-06-24",
}
EQUITY = Decimal(10_000)
WARM_UP_HOURS = 48  # 192 candles of 15m: the slow EMA (55) and the warm-up (60) are settled
Label = Literal["open_long", "open_short", "close", "move_stops", "hold"]
Market = Literal["crossed_up", "crossed_down", "no_cross"]
FLAT: tuple[str, ...] = ("open_position", "hold")
HELD: tuple[str, ...] = ("open_position", "close_position", "move_stops", "hold")
REDUCE: tuple[str, ...] = ("close_position", "move_stops", "hold")
ONLY_HOLD: tuple[str, ...] = ("hold",)


@dataclass(frozen=True, slots=True)
class Held:
    """A position in a scenario: its side, its entry and stop as fractions from the close."""

    symbol: str
    side: Literal["long", "short"]
    entry_from_close: str  # "-0.012": entered 1.2 % below the close
    stop_from_close: str | None = None


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """A scenario's signal: what it says, how sure, how old."""

    action: SignalAction
    confidence: str
    age_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    """One decision to take, and what would be a sensible answer."""

    name: str
    symbol: str
    at: str  # a 15m close in the data
    market: Market  # what the EMAs did at that close (checked against the data)
    trigger: DecisionTrigger
    admissible: frozenset[Label]
    offered: tuple[str, ...]
    signal: SignalSpec | None = None
    held: tuple[Held, ...] = ()
    trading_state: TradingState = TradingState.ACTIVE
    max_open_positions: int | None = None


def _s(action: str, confidence: str = "0.85", age_minutes: int = 0) -> SignalSpec:
    return SignalSpec(SignalAction(action), confidence, age_minutes)


def _ok(*labels: Label) -> frozenset[Label]:
    return frozenset(labels)


SIGNAL, CANDLE = DecisionTrigger.SIGNAL, DecisionTrigger.CANDLE
HEARTBEAT, POSITION = DecisionTrigger.HEARTBEAT, DecisionTrigger.POSITION
REDUCING, HALTED = TradingState.REDUCING, TradingState.HALTED
LONG_BTC_PROFIT = Held("BTCUSDT", "long", "-0.012", "-0.02")
LONG_ETH_PROFIT = Held("ETHUSDT", "long", "-0.015", "-0.025")

SCENARIOS: tuple[Scenario, ...] = (
    # Flat, a fresh strong signal with the trend: open in its direction.
    Scenario("flat_strong_buy_btc", "BTCUSDT", "2025-05-21T13:45:00Z", "crossed_up", SIGNAL,
             _ok("open_long"), FLAT, _s("buy")),
    Scenario("flat_strong_buy_eth", "ETHUSDT", "2025-05-22T00:15:00Z", "crossed_up", SIGNAL,
             _ok("open_long"), FLAT, _s("buy", "0.9")),
    Scenario("flat_strong_sell_btc", "BTCUSDT", "2025-05-27T21:45:00Z", "crossed_down", SIGNAL,
             _ok("open_short"), FLAT, _s("sell")),
    Scenario("flat_strong_sell_eth", "ETHUSDT", "2025-06-11T22:30:00Z", "crossed_down", SIGNAL,
             _ok("open_short"), FLAT, _s("sell", "0.9")),
    # Flat, nothing to act on: a stale, weak or hold signal, or none at all.
    Scenario("flat_stale_buy_btc", "BTCUSDT", "2025-06-01T12:00:00Z", "no_cross", HEARTBEAT,
             _ok("hold"), FLAT, _s("buy", "0.9", 120)),
    Scenario("flat_stale_sell_eth", "ETHUSDT", "2025-06-08T12:00:00Z", "no_cross", HEARTBEAT,
             _ok("hold"), FLAT, _s("sell", "0.9", 180)),
    Scenario("flat_weak_buy_btc", "BTCUSDT", "2025-06-03T18:00:00Z", "no_cross", SIGNAL,
             _ok("hold"), FLAT, _s("buy", "0.4")),
    Scenario("flat_hold_signal_eth", "ETHUSDT", "2025-05-18T06:00:00Z", "no_cross", SIGNAL,
             _ok("hold"), FLAT, _s("hold", "0.9")),
    Scenario("flat_quiet_heartbeat_btc", "BTCUSDT", "2025-06-07T08:00:00Z", "no_cross",
             HEARTBEAT, _ok("hold"), FLAT),
    # A position and a fresh strong signal against it: close (or reverse).
    Scenario("long_btc_reversal_sell", "BTCUSDT", "2025-06-05T15:00:00Z", "crossed_down",
             SIGNAL, _ok("close", "open_short"), HELD, _s("sell"),
             (Held("BTCUSDT", "long", "-0.008", "-0.02"),)),
    Scenario("short_eth_reversal_buy", "ETHUSDT", "2025-06-04T03:15:00Z", "crossed_up", SIGNAL,
             _ok("close", "open_long"), HELD, _s("buy", "0.9"),
             (Held("ETHUSDT", "short", "0.005", "0.02"),)),
    # A position close to its stop, nothing new: let the stop work, or get out.
    Scenario("long_btc_near_stop", "BTCUSDT", "2025-06-13T12:00:00Z", "no_cross", HEARTBEAT,
             _ok("hold", "close"), HELD, None, (Held("BTCUSDT", "long", "0.012", "-0.002"),)),
    Scenario("short_eth_near_stop", "ETHUSDT", "2025-05-26T10:00:00Z", "no_cross", HEARTBEAT,
             _ok("hold", "close"), HELD, None, (Held("ETHUSDT", "short", "-0.01", "0.0025"),)),
    # A position and a signal that agrees with it: keep it (perhaps tighten its stop).
    Scenario("long_btc_agreeing_buy", "BTCUSDT", "2025-06-10T19:45:00Z", "crossed_up", SIGNAL,
             _ok("hold", "move_stops"), HELD, _s("buy"), (LONG_BTC_PROFIT,)),
    Scenario("short_eth_agreeing_sell", "ETHUSDT", "2025-06-16T23:45:00Z", "crossed_down",
             SIGNAL, _ok("hold", "move_stops"), HELD, _s("sell", "0.9"),
             (Held("ETHUSDT", "short", "0.01", "0.03"),)),
    # The daily loss limit tripped: no entry, whatever the signal; reduce on a reversal.
    Scenario("daily_loss_flat_strong_buy_btc", "BTCUSDT", "2025-05-24T11:15:00Z", "crossed_up",
             SIGNAL, _ok("hold"), ONLY_HOLD, _s("buy", "0.9"), (), REDUCING),
    Scenario("daily_loss_long_eth_reversal_sell", "ETHUSDT", "2025-05-23T11:30:00Z",
             "crossed_down", SIGNAL, _ok("close"), REDUCE, _s("sell", "0.9"),
             (LONG_ETH_PROFIT,), REDUCING),
    # The position limit: no room for another symbol.
    Scenario("at_limit_flat_strong_buy_btc", "BTCUSDT", "2025-05-20T17:30:00Z", "crossed_up",
             SIGNAL, _ok("hold"), ONLY_HOLD, _s("buy", "0.9"), (LONG_ETH_PROFIT,),
             max_open_positions=1),
    # A second symbol held does not change this one's answer.
    Scenario("other_held_flat_strong_sell_btc", "BTCUSDT", "2025-06-11T18:00:00Z",
             "crossed_down", SIGNAL, _ok("open_short"), FLAT, _s("sell", "0.9"),
             (LONG_ETH_PROFIT,)),
    Scenario("other_held_flat_stale_buy_eth", "ETHUSDT", "2025-06-09T20:00:00Z", "no_cross",
             HEARTBEAT, _ok("hold"), FLAT, _s("buy", "0.9", 240),
             (Held("BTCUSDT", "short", "0.01", "0.03"),)),
    # The kill switch halted the agent: nothing new; keep or close what is held.
    Scenario("halted_long_btc_quiet", "BTCUSDT", "2025-06-02T16:00:00Z", "no_cross", HEARTBEAT,
             _ok("hold", "close"), REDUCE, None, (LONG_BTC_PROFIT,), HALTED),
    # A position that just filled, no new signal: keep it.
    Scenario("long_eth_just_filled", "ETHUSDT", "2025-05-28T12:30:00Z", "crossed_up", POSITION,
             _ok("hold", "move_stops"), HELD, _s("buy", "0.85", 20),
             (Held("ETHUSDT", "long", "-0.001", "-0.015"),)),
)  # fmt: skip


@cache
def _snapshots(at: str) -> dict[str, MarketSnapshot]:
    """Return both symbols' 15m snapshots as of `at`, from the real 1m candles before it."""
    profile = agent(AGENT)
    now = to_ms(at)
    start = now - WARM_UP_HOURS * MS_PER_HOUR
    clock = SimulatedClock(start)
    market = LiveMarket(indicator_spec(profile.strategy), clock, list(FILES), 15 * MS_PER_MINUTE)
    candles = [
        candle
        for name in FILES.values()
        for candle in candles_from(name, start=iso_utc(start), hours=WARM_UP_HOURS)
    ]
    for candle in sorted(candles, key=lambda candle: (candle.close_ms, candle.symbol)):
        clock.advance_to(candle.close_ms)
        market.on_candle(candle)
    found = {}
    for symbol in FILES:
        snapshot = market.snapshot(symbol)
        if snapshot is None or snapshot.close_ms != now:
            raise ValueError(f"{symbol} has no 15m close at {at}")
        found[symbol] = snapshot
    return found


def market_shape(snapshot: MarketSnapshot) -> Market:
    """Say what the EMAs did at the snapshot's close."""
    lines = (snapshot.prev_ema_fast, snapshot.prev_ema_slow, snapshot.ema_fast, snapshot.ema_slow)
    if any(line is None for line in lines):
        raise ValueError(f"{snapshot.symbol}: indicators still warming up")
    prev_fast, prev_slow, fast, slow = (float(line or 0) for line in lines)
    if prev_fast <= prev_slow and fast > slow:
        return "crossed_up"
    if prev_fast >= prev_slow and fast < slow:
        return "crossed_down"
    return "no_cross"


def limits(scenario: Scenario) -> RiskLimits:
    """Return Atlas's limits, with the scenario's position limit."""
    base = risk_limits(agent(AGENT))
    if scenario.max_open_positions is None:
        return base
    return replace(base, max_open_positions=scenario.max_open_positions)


def _position(held: Held, close: Decimal) -> PositionView:
    entry = (close * (1 + Decimal(held.entry_from_close))).quantize(Decimal("0.01"))
    stop = None
    if held.stop_from_close is not None:
        stop = (close * (1 + Decimal(held.stop_from_close))).quantize(Decimal("0.01"))
    # Half the equity's notional: a size Atlas's limits allow.
    size = (EQUITY / 2 / entry).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
    return PositionView(held.symbol, size if held.side == "long" else -size, entry, 2, stop)


def state(scenario: Scenario) -> DecisionState:
    """Return the decision state the runner would build for the scenario."""
    snapshots = _snapshots(scenario.at)
    now = to_ms(scenario.at)
    positions = {
        held.symbol: _position(held, snapshots[held.symbol].close) for held in scenario.held
    }
    margin = sum((abs(p.quantity) * p.entry_price / p.leverage for p in positions.values()),
                 Decimal(0))  # fmt: skip
    account = AccountState(
        EQUITY,
        EQUITY - margin,
        {symbol: p.quantity for symbol, p in positions.items()},
        {symbol: snap.close for symbol, snap in snapshots.items()},
    )
    signal = None
    if scenario.signal is not None:
        spec = scenario.signal
        signal = Signal(
            scenario.symbol,
            spec.action,
            Decimal(spec.confidence),
            snapshots[scenario.symbol].close,
            now - spec.age_minutes * MS_PER_MINUTE,
            signal_id=f"scenario-{scenario.name}",
        )
    return {
        "agent": AGENT,
        "account_id": "scenarios",
        "sequence": 1,
        "ts_ms": now,
        "trigger": scenario.trigger,
        "symbol": scenario.symbol,
        "market": snapshots,
        "positions": positions,
        "account": account,
        "limits": limits(scenario),
        "signal": signal,
        "trading_state": scenario.trading_state,
    }


def label(decision: Decision) -> Label:
    """Name a decision the way the scenarios' admissible sets do."""
    if decision.action is Action.OPEN:
        return "open_long" if decision.side is Side.BUY else "open_short"
    if decision.action is Action.CLOSE:
        return "close"
    if decision.action is Action.ADJUST:
        return "move_stops"
    return "hold"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a brain did in one scenario."""

    scenario: str
    label: Label
    admissible: bool
    chosen: bool  # the model called a decision tool; False: the brain held failing closed
    offered: tuple[str, ...]  # the decision tools offered in the first call
    latency_s: float
    calls: int
    input_tokens: int
    output_tokens: int
    reasoning: str


_FAMILY = {"open_position": ("open_long", "open_short"), "close_position": ("close",),
           "move_stops": ("move_stops",), "hold": ("hold",)}  # fmt: skip


def _exchange_facts(decision: Decision) -> tuple[tuple[str, ...], bool]:
    """Return the decision tools offered, and whether the model itself chose the decision.

    A decision the model did not call (a refusal after the repair turn, a timeout) is the
    brain holding closed: its label is `hold` but nobody chose it.
    """
    if decision.exchange is None:
        return (), False
    exchange = json.loads(decision.exchange)
    offered = tuple(name for name in HELD if name in exchange["tools"])
    calls = [
        call["name"]
        for message in exchange["messages"]
        if message["type"] == "ai"
        for call in message["data"].get("tool_calls") or []
        if call["name"] in _FAMILY
    ]
    return offered, bool(calls) and label(decision) in _FAMILY[calls[-1]]


async def run(brain: Brain, scenarios: Sequence[Scenario] = SCENARIOS) -> list[Outcome]:
    """Put each scenario through the brain, one after another, and score its decision."""
    outcomes = []
    for scenario in scenarios:
        facts = state(scenario)
        started = time.perf_counter()
        decision = await brain.decide(facts)
        took = time.perf_counter() - started
        chosen_label = label(decision)
        offered, chosen = _exchange_facts(decision)
        usage = decision.usage
        outcomes.append(
            Outcome(
                scenario.name,
                chosen_label,
                chosen_label in scenario.admissible,
                chosen,
                offered,
                took,
                usage.calls if usage else 0,
                usage.input_tokens if usage else 0,
                usage.output_tokens if usage else 0,
                decision.reasoning,
            )
        )
    return outcomes


def admissible_count(outcomes: Sequence[Outcome]) -> int:
    """Count the decisions that were admissible in their scenario."""
    return sum(outcome.admissible for outcome in outcomes)
