"""Technical indicators as TA-Lib computes them, incrementally and over whole arrays.

Every indicator comes twice: a class updated one candle at a time for live trading, and a
function over float64 arrays for backtests. The two run the same float operations in the same
order, so a backtest sees bit for bit the values a live agent would have seen.

The arithmetic is TA-Lib's classic C code with its defaults (no unstable period): leading NaNs
are skipped and a later NaN poisons what follows. TA-Lib 0.8 fuses the EMA step into an fma()
and rewrote the Wilder step of RSI and ATR, so its values differ from these by an ulp or so.
"""

from trading_agents.market.indicators._shared import FloatArray, Int8Array
from trading_agents.market.indicators.atr import Atr, atr
from trading_agents.market.indicators.crossings import crossed_above, crossed_below, crossovers
from trading_agents.market.indicators.moving_averages import Ema, Sma, ema, sma
from trading_agents.market.indicators.rsi import Rsi, rsi

__all__ = [
    "Atr",
    "Ema",
    "FloatArray",
    "Int8Array",
    "Rsi",
    "Sma",
    "atr",
    "crossed_above",
    "crossed_below",
    "crossovers",
    "ema",
    "rsi",
    "sma",
]
