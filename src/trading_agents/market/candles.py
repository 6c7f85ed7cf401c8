"""Candles: one interval of trading on one symbol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # the series imports this module: its type is only named here
    from trading_agents.market.series import CandleSeries


def price_decimal(value: float) -> Decimal:
    """Return the decimal a price was written as.

    Prices enter as decimal strings of at most 15 significant digits; a float parsed from such
    a string prints back (shortest repr) as the same digits, so no precision is invented.
    Here, in a compiled module: a backtest turns a few hundred thousand floats into prices.
    """
    # No cache of recent values: a year's backtest found nine in ten of its candles' prices
    # missing from one, and the market snapshot of a step reads its candle's own decimals.
    value = float(value)  # an int is a float here, as the compiled build makes it: 5.0
    made = _few_decimals(value)
    return Decimal(repr(value)) if made is None else made


# Below 2**22 a float's spacing is under 1e-9: a number with at most eight decimals that
# reads back as the float is the only one with that many decimals, and the one the float's
# nearest multiple of 1e-k finds. Integers below 2**53 and powers of ten up to 1e8 are exact
# doubles, so n / 10**k is the correctly rounded reading of the text n·10**-k.
_FEW_DECIMALS_BELOW: Final = 4_194_304.0


def _few_decimals(value: float) -> Decimal | None:
    """Return the decimal repr() writes for a positive float of at most eight decimals, or None."""
    # Half what repr() costs: its shortest digits are searched for from one decimal up (repr
    # writes 16.0, not 16), the places a price is written with.
    if not 0.0 < value < _FEW_DECIMALS_BELOW:
        return None
    power = 1.0
    for places in range(1, 9):
        power *= 10.0  # exact: every power of ten up to 1e22 is a double
        digits = int(value * power + 0.5)
        if digits / power == value:
            return _SCALE(digits, _DOWN_BY[places])  # the context reads the int exactly
    return None


# digits·10**-places as the text "d.dd" reads: the coefficient `digits`, the exponent -places
# (16.0 keeps its zero). Under 2**22·1e8, fifteen digits: exact at 28. Half what building and
# parsing the text costs.
_SCALE: Final = Context(prec=28).scaleb
_DOWN_BY: Final = tuple(Decimal(-places) for places in range(9))


@dataclass(frozen=True, slots=True, init=False)
class Candle:
    """An OHLCV candle; it is known only once `close_ms` has passed."""

    symbol: str
    open_ms: int
    interval_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    @property
    def close_ms(self) -> int:
        """Return the moment the candle closes (the next candle's open)."""
        return self.open_ms + self.interval_ms

    # Written out rather than generated, so that mypyc compiles it (see model/orders.py).
    def __init__(
        self,
        symbol: str,
        open_ms: int,
        interval_ms: int,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
    ) -> None:
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "open_ms", open_ms)
        object.__setattr__(self, "interval_ms", interval_ms)
        object.__setattr__(self, "open", open)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "close", close)
        object.__setattr__(self, "volume", volume)
        if not (low <= min(open, close) and max(open, close) <= high):
            raise ValueError(
                f"{symbol} candle at {open_ms}: open/close outside low..high "
                f"(o={open} h={high} l={low} c={close})"
            )


def candle_of_floats(
    symbol: str,
    open_ms: int,
    interval_ms: int,
    open: float,
    high: float,
    low: float,
    close: float,
    volume: float,
) -> Candle:
    """Return the candle of prices read as floats, each the decimal it was written as."""
    # Here rather than in the (interpreted) series: a backtest builds one a step.
    return Candle(
        symbol,
        open_ms,
        interval_ms,
        price_decimal(open),
        price_decimal(high),
        price_decimal(low),
        price_decimal(close),
        price_decimal(volume),
    )


def candle_at(series: CandleSeries, index: int) -> Candle:
    """Return the candle at row `index` of a series, with exact decimal prices."""
    # Here, compiled, for the series (interpreted: it is pickled to Ray's workers) and for a
    # backtest's walk, which builds one a step.
    return candle_of_floats(
        series.symbol,
        series.open_ms.item(index),
        series.interval_ms,
        series.open.item(index),
        series.high.item(index),
        series.low.item(index),
        series.close.item(index),
        series.volume.item(index),
    )
