"""The LLM brain's tools: read-only views as of the clock, and the four decision tools.

Read tools answer from the decision state (what the runner built at the clock's now), so
they cannot see a candle that has not closed. Decision tools only describe a decision; it
goes on to `check_risk` like any other, and nothing here can trade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trading_agents.agents.state import DecisionState
from trading_agents.market.candles import Candle
from trading_agents.market.view import MarketSnapshot, MarketView
from trading_agents.model.decisions import Action, Decision, LlmUsage
from trading_agents.model.enums import Side


class ToolRefused(Exception):
    """A tool call the brain cannot use: its message goes back to the model for one repair."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenPosition(_Args):
    """Open a position on the symbol. The risk engine checks it and may resize or refuse it."""

    side: Literal["long", "short"]
    size_kind: Literal["risk", "equity_share"] = Field(
        description="risk: size lets `size` of equity be lost at the stop; equity_share: a "
        "position worth `size` of equity times the leverage"
    )
    size: Decimal = Field(gt=0, le=1, description="a fraction of equity, such as 0.01")
    leverage: int = Field(ge=1, le=125)
    stop_loss: Decimal = Field(gt=0)
    take_profit: Decimal | None = Field(default=None, gt=0)
    confidence: Decimal = Field(ge=0, le=1)
    rationale: str = Field(min_length=1, max_length=600)


class ClosePosition(_Args):
    """Close the symbol's position at market."""

    rationale: str = Field(min_length=1, max_length=600)


class MoveStops(_Args):
    """Move the stop loss (and take profit) of the symbol's position."""

    stop_loss: Decimal = Field(gt=0)
    take_profit: Decimal | None = Field(default=None, gt=0)
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
    held are at the limit and none is in this symbol (a reversal of it stays open). A small
    model offered only what it may do answers sensibly more often.
    """
    symbol = state["symbol"]
    positions = state.get("positions") or {}
    held = symbol in positions
    limits = state.get("limits")
    full = limits is not None and len(positions) >= limits.max_open_positions
    allowed = {"hold"}
    if held:
        allowed |= {"close_position", "move_stops"}
    if held or not full:
        allowed.add("open_position")
    return tuple(name for name in DECISION_TOOLS if name in allowed)


def tool_schemas(decisions: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Return the tools in OpenAI's function format: these decision tools (all) and the reads."""
    offered = DECISION_TOOLS if decisions is None else {n: DECISION_TOOLS[n] for n in decisions}
    tools = [(name, model, model.__doc__ or name) for name, model in offered.items()]
    tools += [(name, model, text) for name, (model, text) in READ_TOOLS.items()]
    schemas = []
    for name, model, description in tools:
        function = {
            "name": name,
            "description": description,
            "parameters": _without_titles(model.model_json_schema()),
        }
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
    name: str, arguments: Mapping[str, Any], state: DecisionState, usage: LlmUsage
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
    if (args.stop_loss >= price) if long else (args.stop_loss <= price):
        where = "below" if long else "above"
        raise ToolRefused(f"a {args.side}'s stop loss must be {where} the price {price}")
    if args.take_profit is not None and (
        (args.take_profit <= price) if long else (args.take_profit >= price)
    ):
        where = "above" if long else "below"
        raise ToolRefused(f"a {args.side}'s take profit must be {where} the price {price}")
    if args.leverage > state["limits"].max_leverage:
        raise ToolRefused(
            f"leverage {args.leverage} is above the limit of {state['limits'].max_leverage}"
        )
    equity = state["account"].equity
    if args.size_kind == "risk":
        quantity = equity * args.size / abs(price - args.stop_loss)
    else:
        quantity = equity * args.size * args.leverage / price
    return Decision(
        Action.OPEN,
        symbol,
        args.rationale,
        side=Side.BUY if long else Side.SELL,
        quantity=quantity,
        leverage=args.leverage,
        stop_loss=args.stop_loss,
        take_profit=args.take_profit,
        confidence=args.confidence,
        signal_id=signal_id,
        usage=usage,
    )


def _first(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "arguments"
    return f"{where}: {problem['msg']}"
