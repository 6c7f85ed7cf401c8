"""The LLM brain's tools: read-only views as of the clock, and the four decision tools.

Read tools answer from the decision state (what the runner built at the clock's now), so
they cannot see a candle that has not closed. Decision tools only describe a decision; it
goes on to `check_risk` like any other, and nothing here can trade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from trading_agents.agents.brains.rules import RuleBrain
from trading_agents.agents.state import DecisionState
from trading_agents.market.candles import Candle
from trading_agents.market.view import MarketSnapshot, MarketView
from trading_agents.model.decisions import Action, Decision, LlmUsage
from trading_agents.model.enums import Side
from trading_agents.risk.state import TradingState


class ToolRefused(Exception):
    """A tool call the brain cannot use: its message goes back to the model for one repair."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Decimals are parsed exactly, but shown to the model as plain numbers: pydantic's own schema
# for a Decimal (a number or a string) costs tokens and invites a small model to quote prices.
Price = Annotated[Decimal, Field(gt=0), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]
OptionalPrice = Annotated[
    Decimal | None,
    Field(default=None, gt=0),
    WithJsonSchema({"type": ["number", "null"], "exclusiveMinimum": 0}),
]
Fraction = Annotated[Decimal, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1})]


class OpenPosition(_Args):
    """Open a position (reverse a held one); omitted exits, size and leverage: the strategy's."""

    side: Literal["long", "short"]
    confidence: Fraction = Field(ge=0, le=1)
    rationale: str = Field(min_length=1, max_length=600)
    stop_loss: OptionalPrice = None
    take_profit: OptionalPrice = None
    size_kind: Annotated[
        Literal["risk", "equity_share"] | None,
        Field(
            default=None,
            description="risk: size lets `size` of equity be lost at the stop; equity_share: "
            "a position worth `size` of equity times the leverage",
        ),
        WithJsonSchema({"enum": ["risk", "equity_share", None]}),
    ] = None
    size: Annotated[
        Decimal | None,
        Field(default=None, gt=0, le=1, description="a fraction of equity, such as 0.01"),
        WithJsonSchema({"type": ["number", "null"], "minimum": 0, "maximum": 1}),
    ] = None
    leverage: Annotated[
        int | None,
        Field(default=None, ge=1, le=125),
        WithJsonSchema({"type": ["integer", "null"], "minimum": 1, "maximum": 125}),
    ] = None


class ClosePosition(_Args):
    """Close the symbol's position at market."""

    rationale: str = Field(min_length=1, max_length=600)


class MoveStops(_Args):
    """Move the stop loss (and take profit) of the symbol's position."""

    stop_loss: Price
    take_profit: OptionalPrice = None
    rationale: str = Field(min_length=1, max_length=600)


class Hold(_Args):
    """Do nothing now."""

    rationale: str = Field(min_length=1, max_length=600)


class SymbolArg(_Args):
    """Which symbol."""

    symbol: str


class CandlesArg(_Args):
    """Which symbol, and how many of its latest closed candles (of the agent's timeframe)."""

    symbol: str
    count: int = Field(default=20, ge=2, le=200)


class NoArgs(_Args):
    """No arguments."""


DECISION_TOOLS: dict[str, type[_Args]] = {
    "open_position": OpenPosition,
    "close_position": ClosePosition,
    "move_stops": MoveStops,
    "hold": Hold,
}
READ_TOOLS: dict[str, tuple[type[_Args], str]] = {
    "market": (SymbolArg, "The symbol's last closed candle and indicators, as of now."),
    "recent_candles": (CandlesArg, "A summary of the symbol's latest closed candles."),
    "positions": (NoArgs, "The open positions."),
    "account": (NoArgs, "Equity and the balance free for new positions."),
    "risk_limits": (NoArgs, "The limits every order must keep."),
    "ml_signal": (SymbolArg, "The latest ML signal for the symbol, if any."),
}


def admissible(state: DecisionState) -> tuple[str, ...]:
    """Return the decision tools the account's state leaves open, in the table's order.

    No close or stop move without a position in the symbol; no opening when the positions
    held are at the limit and none is in this symbol (a reversal of it stays open), nor while
    the risk engine only lets the agent reduce (a daily loss, the kill switch). A small model
    offered only what it may do answers sensibly more often.
    """
    symbol = state["symbol"]
    positions = state.get("positions") or {}
    held = symbol in positions
    limits = state.get("limits")
    full = limits is not None and len(positions) >= limits.max_open_positions
    entries_open = state.get("trading_state", TradingState.ACTIVE) is TradingState.ACTIVE
    allowed = {"hold"}
    if held:
        allowed |= {"close_position", "move_stops"}
    if (held or not full) and entries_open:
        allowed.add("open_position")
    return tuple(name for name in DECISION_TOOLS if name in allowed)


def open_sides(state: DecisionState) -> tuple[str, ...]:
    """Return the sides open_position may take: both when flat, the reversal when held.

    Like the rule brain, the LLM brain holds one position a symbol and does not add to it: a
    small model told of a signal that agrees with its long answers with another long.
    """
    position = (state.get("positions") or {}).get(state["symbol"])
    if position is None:
        return ("long", "short")
    return ("short",) if position.quantity > 0 else ("long",)


_ENTRY_PRICES = ("stop_loss", "take_profit", "size_kind", "size", "leverage")


def tool_schemas(
    decisions: Sequence[str] | None = None,
    max_leverage: int | None = None,
    reads: bool = True,
    sides: Sequence[str] | None = None,
    prices: bool = True,
) -> list[dict[str, Any]]:
    """Return the tools in OpenAI's function format: these decision tools (all) and the reads.

    With `max_leverage`, open_position's leverage is bounded by the agent's own limit, and
    with `sides` its side by what the state allows, which a server that constrains its output
    to the schema (llama-server) then keeps to. Without `prices`, open_position asks only the
    side, the confidence and why: the strategy's exits, size and leverage apply.
    """
    offered = DECISION_TOOLS if decisions is None else {n: DECISION_TOOLS[n] for n in decisions}
    tools = [(name, model, model.__doc__ or name) for name, model in offered.items()]
    if reads:
        tools += [(name, model, text) for name, (model, text) in READ_TOOLS.items()]
    schemas = []
    for name, model, description in tools:
        parameters = _without_titles(model.model_json_schema())
        parameters.pop("description", None)  # the function's description says it once
        if name == "open_position":
            properties = parameters["properties"]
            if max_leverage is not None:
                properties["leverage"]["maximum"] = max_leverage
            if sides is not None:
                properties["side"]["enum"] = list(sides)
            if not prices:
                for field in _ENTRY_PRICES:
                    del properties[field]
        function = {"name": name, "description": description, "parameters": parameters}
        schemas.append({"type": "function", "function": function})
    return schemas


def _without_titles(schema: Any) -> Any:
    """Drop pydantic's titles: the names say the same, and every token is paid for."""
    if isinstance(schema, dict):
        return {k: _without_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_without_titles(item) for item in schema]
    return schema


def _plain(value: Decimal | float | None, places: int = 6) -> Any:
    if value is None:
        return None
    return float(round(Decimal(str(value)), places))


def market_view(snapshot: MarketSnapshot | None) -> dict[str, Any] | None:
    """Return a compact view of one symbol's market."""
    if snapshot is None:
        return None
    return {
        "close": _plain(snapshot.close),
        "high": _plain(snapshot.high),
        "low": _plain(snapshot.low),
        "ema_fast": _plain(snapshot.ema_fast, 2),
        "ema_slow": _plain(snapshot.ema_slow, 2),
        "rsi": _plain(snapshot.rsi, 1),
        "atr": _plain(snapshot.atr, 4),
    }


def read(
    name: str, arguments: Mapping[str, Any], state: DecisionState, market: MarketView | None
) -> Any:
    """Answer a read-only tool from the decision state (and the clock-bound market view)."""
    model, _ = READ_TOOLS[name]
    try:
        args = model.model_validate(arguments)
    except ValidationError as error:
        raise ToolRefused(f"{name}: {_first(error)}") from None
    if isinstance(args, CandlesArg):
        if args.symbol not in state["limits"].allowed_symbols:
            raise ToolRefused(f"{args.symbol} is not a symbol this agent trades")
        candles = [] if market is None else list(market.recent(args.symbol, args.count))
        return candle_summary(candles)
    if isinstance(args, SymbolArg):
        if args.symbol not in state["limits"].allowed_symbols:
            raise ToolRefused(f"{args.symbol} is not a symbol this agent trades")
        if name == "market":
            return market_view(state["market"].get(args.symbol))
        signal = state.get("signal")
        if signal is None or signal.symbol != args.symbol:
            return None
        return {"action": str(signal.action), "confidence": _plain(signal.confidence)}
    if name == "positions":
        return [
            {"symbol": p.symbol, "quantity": _plain(p.quantity), "entry": _plain(p.entry_price)}
            for p in state["positions"].values()
        ]
    if name == "account":
        account = state["account"]
        return {"equity": _plain(account.equity, 2), "free": _plain(account.available_balance, 2)}
    limits = state["limits"]
    return {
        "max_leverage": limits.max_leverage,
        "risk_per_trade": _plain(limits.risk_per_trade),
        "max_open_positions": limits.max_open_positions,
        "min_confidence": _plain(limits.min_confidence),
    }


def candle_summary(candles: list[Candle]) -> dict[str, Any] | None:
    """Summarize candles compactly: span, range, change, and the last ten closes."""
    if not candles:
        return None
    first, last = candles[0], candles[-1]
    change = (last.close - first.open) / first.open if first.open else Decimal(0)
    return {
        "count": len(candles),
        "open": _plain(first.open),
        "close": _plain(last.close),
        "high": _plain(max(c.high for c in candles)),
        "low": _plain(min(c.low for c in candles)),
        "change_pct": _plain(change * 100, 3),
        "last_closes": [_plain(c.close) for c in candles[-10:]],
    }


def decision_from(
    name: str,
    arguments: Mapping[str, Any],
    state: DecisionState,
    usage: LlmUsage,
    rules: RuleBrain,
) -> Decision:
    """Turn a decision tool call into a Decision, or refuse impossible values with why."""
    symbol = state["symbol"]
    try:
        args = DECISION_TOOLS[name].model_validate(arguments)
    except ValidationError as error:
        raise ToolRefused(f"{name}: {_first(error)}") from None
    signal = state.get("signal")
    signal_id = signal.signal_id if signal is not None else None
    if isinstance(args, Hold):
        return Decision(Action.HOLD, symbol, args.rationale, signal_id=signal_id, usage=usage)
    if isinstance(args, ClosePosition):
        return Decision(Action.CLOSE, symbol, args.rationale, signal_id=signal_id, usage=usage)
    snapshot = state["market"].get(symbol)
    if snapshot is None:
        raise ToolRefused(f"there is no price for {symbol} yet: hold")
    price = snapshot.close
    if isinstance(args, MoveStops):
        return Decision(
            Action.ADJUST,
            symbol,
            args.rationale,
            stop_loss=args.stop_loss,
            take_profit=args.take_profit,
            signal_id=signal_id,
            usage=usage,
        )
    assert isinstance(args, OpenPosition)
    long = args.side == "long"
    side = Side.BUY if long else Side.SELL
    if args.side not in open_sides(state):
        raise ToolRefused(f"already {args.side} {symbol}: hold, move_stops or close_position")
    stop_loss, take_profit = args.stop_loss, args.take_profit
    if stop_loss is None:
        exits = rules.exits(snapshot, side)
        if exits is None:
            raise ToolRefused(f"no volatility reading for {symbol} yet: give stop_loss, or hold")
        stop_loss, strategy_target, _ = exits
        take_profit = strategy_target if take_profit is None else take_profit
    if (stop_loss >= price) if long else (stop_loss <= price):
        where = "below" if long else "above"
        raise ToolRefused(
            f"a {args.side}'s stop loss must be {where} the price {price}: leave stop_loss out"
            f" for the strategy's, {_exit_hint(rules, snapshot, side)}"
        )
    if take_profit is not None and ((take_profit <= price) if long else (take_profit >= price)):
        where = "above" if long else "below"
        raise ToolRefused(f"a {args.side}'s take profit must be {where} the price {price}")
    leverage = rules.leverage if args.leverage is None else args.leverage
    if leverage > state["limits"].max_leverage:
        raise ToolRefused(
            f"leverage {leverage} is above the limit of {state['limits'].max_leverage}"
        )
    if (args.size is None) != (args.size_kind is None):
        raise ToolRefused("give size and size_kind together, or leave both out")
    quantity: Decimal | None = None  # the risk engine sizes it: the agent's risk per trade
    equity = state["account"].equity
    if args.size is not None and args.size_kind == "risk":
        quantity = equity * args.size / abs(price - stop_loss)
    elif args.size is not None:
        quantity = equity * args.size * leverage / price
    return Decision(
        Action.OPEN,
        symbol,
        args.rationale,
        side=side,
        quantity=quantity,
        leverage=leverage,
        stop_loss=stop_loss,
        take_profit=take_profit,
        confidence=args.confidence,
        signal_id=signal_id,
        usage=usage,
    )


def exits_for(state: DecisionState, rules: RuleBrain) -> dict[str, dict[str, float]] | None:
    """Return the strategy's stop loss and take profit for each side open_position may take."""
    snapshot = state["market"].get(state["symbol"])
    if snapshot is None:
        return None
    found = {}
    for name in open_sides(state):
        exits = rules.exits(snapshot, Side.BUY if name == "long" else Side.SELL)
        if exits is None:
            return None
        found[name] = {"stop_loss": _plain(exits[0], 2), "take_profit": _plain(exits[1], 2)}
    return found


def _exit_hint(rules: RuleBrain, snapshot: MarketSnapshot, side: Side) -> str:
    exits = rules.exits(snapshot, side)
    return "which is unknown" if exits is None else f"which is {_plain(exits[0], 2)}"


def _first(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "arguments"
    return f"{where}: {problem['msg']}"
