"""The rule brain: trend, momentum and volatility, plus the ML signal when there is one."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from trading_agents.agents.state import DecisionState, PositionView
from trading_agents.config.profiles import StrategySettings
from trading_agents.core.clock import parse_interval
from trading_agents.core.decimals import ONE, ZERO
from trading_agents.market.candles import price_decimal
from trading_agents.market.indicators import crossed_above, crossed_below, crossovers
from trading_agents.market.view import IndicatorColumns, IndicatorSpec, MarketSnapshot
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import Side
from trading_agents.model.members import BUY, SELL
from trading_agents.model.signals import Signal, SignalAction

_HUNDRED: Final = Decimal(100)
# Bound once: compiled code looks a builtin up in the builtins module at every call.
_format: Final = format
_CROSSED: Final = {1: "; the fast EMA just crossed above the slow", -1: "; just crossed below"}


def indicator_spec(strategy: StrategySettings) -> IndicatorSpec:
    """Return the indicators a rule strategy reads."""
    return IndicatorSpec(
        strategy.ema_fast, strategy.ema_slow, strategy.rsi_period, strategy.atr_period
    )


def _cross(snapshot: MarketSnapshot) -> int:
    """Return +1 when the fast EMA crossed above the slow one at this candle, -1 below, else 0."""
    lines = (snapshot.prev_ema_fast, snapshot.prev_ema_slow, snapshot.ema_fast, snapshot.ema_slow)
    if crossed_above(*lines):
        return 1
    return -1 if crossed_below(*lines) else 0


class RuleBrain:
    """Decide deterministically from indicators; set stops from volatility or fixed fractions."""

    def __init__(self, strategy: StrategySettings, max_leverage: int) -> None:
        self.strategy = strategy
        self.spec = indicator_spec(strategy)
        self._leverage = min(strategy.leverage, max_leverage)
        self._signal_max_age_ms = parse_interval(strategy.signal_max_age)
        # The settings read at every decision, copied once: the strategy is a frozen pydantic
        # model, whose every attribute read is a generic lookup.
        self._warmup = strategy.warmup_candles
        self._rsi_overbought = float(strategy.rsi_overbought)
        self._rsi_oversold = float(strategy.rsi_oversold)
        self._atr_stops = strategy.stop == "atr"
        self._stake = strategy.stake if strategy.sizing == "stake" else None
        self._confidence_base = strategy.confidence_base
        self._confidence_momentum = strategy.confidence_momentum
        self._confidence_volatility = strategy.confidence_volatility
        self._confidence_signal = strategy.confidence_signal
        self._max_atr_pct = strategy.max_atr_pct
        self._stop_loss_pct = strategy.stop_loss_pct
        self._take_profit_pct = strategy.take_profit_pct
        # Parts of the reasoning fixed by the strategy, written once rather than per decision.
        self._base_note = f"base confidence {strategy.confidence_base}"
        self._percent_stops = (
            f"stop {strategy.stop_loss_pct:%} and target {strategy.take_profit_pct:%} away"
        )
        self._sizing = (
            f"{strategy.stake} USDT stake" if strategy.sizing == "stake" else "sized from the stop"
        )
        # The last positive ATR and its decimal: an entry with ATR stops reads it twice (its
        # confidence and its exits), and the shortest digits of a float that is no price
        # cost some 7,000 instructions to find. One attribute: the pair is never torn.
        self._atr_kept: tuple[float, Decimal] = (0.0, ZERO)

    @property
    def name(self) -> str:
        """Say which brain this is, for the decision record."""
        return "rules"

    def triggered(self, snapshot: MarketSnapshot) -> bool:
        """Fire on an EMA crossover once the warm-up is over."""
        return snapshot.candles_seen > self._warmup and _cross(snapshot) != 0

    def trigger_mask(self, columns: IndicatorColumns) -> npt.NDArray[np.bool_]:
        """Return, for every candle of a series, whether `triggered` fires there."""
        mask: npt.NDArray[np.bool_] = crossovers(columns.ema_fast, columns.ema_slow) != 0
        mask[: self.strategy.warmup_candles] = False
        return mask

    async def decide(self, state: DecisionState) -> Decision:
        """Return the decision for the state's symbol."""
        symbol = state["symbol"]
        snapshot = state["market"].get(symbol)
        if snapshot is None:
            return Decision.hold(symbol, f"no closed {symbol} candle yet")
        signal = state.get("signal")
        if signal is not None and signal.symbol != symbol:
            signal = None
        position = state["positions"].get(symbol)
        if state["trigger"] is DecisionTrigger.SIGNAL and signal is not None:
            return self._follow_signal(snapshot, position, signal, state)
        return self._from_indicators(snapshot, position, signal, state["ts_ms"])

    # -- indicator decisions ------------------------------------------------------------

    def _from_indicators(
        self,
        snapshot: MarketSnapshot,
        position: PositionView | None,
        signal: Signal | None,
        now_ms: int,
    ) -> Decision:
        symbol = snapshot.symbol
        if snapshot.candles_seen <= self._warmup:
            return Decision.hold(
                symbol,
                f"warming up: {snapshot.candles_seen} of {self._warmup} candles seen",
            )
        cross = _cross(snapshot)
        held = ZERO if position is None else position.quantity
        trend = self._describe_trend(snapshot, cross)
        if cross == 0:
            if held:
                return Decision.hold(symbol, f"{trend}; the position stays under its stops")
            return Decision.hold(symbol, f"{trend}; no crossover, no entry")
        side = BUY if cross > 0 else SELL
        opposite_held = bool(held) and (held > ZERO) != (side is BUY)
        if held and not opposite_held:
            return Decision.hold(symbol, f"{trend}; already positioned that way")
        fresh = signal if signal is not None and self._is_fresh(signal, now_ms) else None
        refusal = self._entry_filter(snapshot, side)
        if refusal is not None:
            if opposite_held:
                return Decision(
                    Action.CLOSE, symbol, f"{trend}: the opposite crossover exits; {refusal}"
                )
            return Decision.hold(symbol, f"{trend}; {refusal}")
        if fresh is not None and _opposes(fresh, side):
            reason = f"{trend}; the ML signal says {fresh.action} at {fresh.confidence}, against it"
            if opposite_held:
                return Decision(Action.CLOSE, symbol, f"{reason}: exit without reversing")
            return Decision.hold(symbol, reason)
        confidence, confirmations = self._confidence(snapshot, side, fresh)
        reasoning = f"{trend}; {confirmations}"
        if opposite_held:
            reasoning = f"{reasoning}; the opposite position is closed first"
        return self._open(snapshot, side, confidence, reasoning, fresh)

    def _entry_filter(self, snapshot: MarketSnapshot, side: Side) -> str | None:
        rsi = snapshot.rsi
        if rsi is None:
            return "RSI not ready"
        if side is BUY and not rsi < self._rsi_overbought:
            return f"RSI {rsi:.1f} overbought (limit {self.strategy.rsi_overbought}): no long"
        if side is SELL and not rsi > self._rsi_oversold:
            return f"RSI {rsi:.1f} oversold (limit {self.strategy.rsi_oversold}): no short"
        if self._atr_stops and (snapshot.atr is None or snapshot.atr <= 0):
            return "ATR not ready: no stop can be set"
        return None

    def _confidence(
        self, snapshot: MarketSnapshot, side: Side, signal: Signal | None
    ) -> tuple[Decimal, str]:
        confidence = self._confidence_base
        notes = [self._base_note]
        rsi = snapshot.rsi
        if rsi is not None and (rsi > 50) == (side is BUY) and rsi != 50:
            confidence += self._confidence_momentum
            notes.append(f"momentum confirms (RSI {_format(rsi, '.1f')})")
        if snapshot.atr is not None and snapshot.close > ZERO:
            atr_pct = self._atr(snapshot.atr) / snapshot.close
            share = _format(atr_pct, ".3%")  # the decimal's own percent, not a float's
            if atr_pct < self._max_atr_pct:
                confidence += self._confidence_volatility
                notes.append(f"volatility calm (ATR {share} of price)")
            else:
                notes.append(f"volatility high (ATR {share} of price)")
        if signal is not None and signal.action is not SignalAction.HOLD:
            confidence += self._confidence_signal
            notes.append(f"the ML signal agrees ({signal.action} at {signal.confidence})")
        return min(confidence, ONE), ", ".join(notes)

    @staticmethod
    def _describe_trend(snapshot: MarketSnapshot, cross: int) -> str:
        fast, slow = snapshot.ema_fast, snapshot.ema_slow
        if fast is None or slow is None:
            return "trend unknown (EMAs warming up)"
        direction = "up" if fast > slow else "down" if fast < slow else "flat"
        # format() for the figures: compiled, an f-string with a format spec calls str.format
        # once a field, and every decision writes this.
        return (
            f"{snapshot.symbol} trend {direction} (EMA fast {_format(fast, '.2f')}"
            f" vs slow {_format(slow, '.2f')}){_CROSSED.get(cross, '')}"
        )

    # -- signal decisions ---------------------------------------------------------------

    def _follow_signal(
        self,
        snapshot: MarketSnapshot,
        position: PositionView | None,
        signal: Signal,
        state: DecisionState,
    ) -> Decision:
        symbol = snapshot.symbol
        minimum = state["limits"].min_confidence
        if signal.action is SignalAction.HOLD:
            return Decision.hold(symbol, "the signal says hold", signal.signal_id)
        if signal.confidence < minimum:
            return Decision.hold(
                symbol,
                f"signal {signal.action} at {signal.confidence} below the minimum {minimum}:"
                " recorded and ignored",
                signal.signal_id,
            )
        side = BUY if signal.action is SignalAction.BUY else SELL
        held = ZERO if position is None else position.quantity
        if held and (held > ZERO) == (side is BUY):
            return Decision.hold(
                symbol, f"already {side} {symbol} as the signal says", signal.signal_id
            )
        if self._atr_stops and (snapshot.atr is None or snapshot.atr <= 0):
            return Decision.hold(symbol, "ATR not ready: no stop can be set", signal.signal_id)
        reasoning = f"signal {signal.action} {symbol} at confidence {signal.confidence}"
        if held:
            reasoning = f"{reasoning}; the opposite position is closed first"
        return self._open(snapshot, side, signal.confidence, reasoning, signal)

    def _is_fresh(self, signal: Signal, now_ms: int) -> bool:
        return now_ms - signal.ts_ms <= self._signal_max_age_ms

    # -- the entry ----------------------------------------------------------------------

    def _open(
        self,
        snapshot: MarketSnapshot,
        side: Side,
        confidence: Decimal,
        reasoning: str,
        signal: Signal | None,
    ) -> Decision:
        close = snapshot.close
        exits = self.exits(snapshot, side)
        assert exits is not None  # the callers checked the ATR
        stop_loss, take_profit, how = exits
        quantity = None if self._stake is None else self._stake / close
        return Decision(
            Action.OPEN,
            snapshot.symbol,
            f"{'long' if side is BUY else 'short'} at {close}: {reasoning}; {how}; {self._sizing}",
            side=side,
            quantity=quantity,
            leverage=self._leverage,
            stop_loss=stop_loss,
            take_profit=take_profit,
            confidence=confidence,
            signal_id=None if signal is None else signal.signal_id,
        )

    def exits(self, snapshot: MarketSnapshot, side: Side) -> tuple[Decimal, Decimal, str] | None:
        """Return the stop loss and take profit of an entry at the close, and how; None: no ATR."""
        strategy, close = self.strategy, snapshot.close
        if not self._atr_stops:
            stop_distance = close * self._stop_loss_pct
            target_distance = close * self._take_profit_pct
            how = self._percent_stops
        else:
            if snapshot.atr is None or snapshot.atr <= 0:
                return None
            atr = self._atr(snapshot.atr)
            stop_distance = atr * strategy.stop_loss_atr
            target_distance = atr * strategy.take_profit_atr
            how = (
                f"stop {strategy.stop_loss_atr} ATR and target {strategy.take_profit_atr} ATR"
                f" away (ATR {atr:.2f})"
            )
        # By side rather than times ±1: the same exact sums, without turning an int into a
        # decimal and multiplying by it twice.
        if side is BUY:
            return close - stop_distance, close + target_distance, how
        return close + stop_distance, close - target_distance, how

    def _atr(self, atr: float) -> Decimal:
        """Return `price_decimal(atr)`, kept for the next call with the same positive ATR."""
        kept, value = self._atr_kept
        if atr > 0.0 and atr == kept:  # a zero's sign would be lost: never kept
            return value
        value = price_decimal(atr)
        if atr > 0.0:
            self._atr_kept = (atr, value)
        return value

    @property
    def leverage(self) -> int:
        """Return the leverage this strategy trades at, within the agent's limit."""
        return self._leverage


def _opposes(signal: Signal, side: Side) -> bool:
    wanted = SignalAction.BUY if side is BUY else SignalAction.SELL
    return signal.action is not SignalAction.HOLD and signal.action is not wanted
