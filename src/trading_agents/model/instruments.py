"""Instruments: the trading rules of a perpetual contract, parsed from Binance-shaped answers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trading_agents.core.decimals import ZERO, is_multiple
from trading_agents.core.errors import ConfigurationError, UnknownInstrument
from trading_agents.model.enums import OrderType
from trading_agents.model.members import LIMIT


@dataclass(frozen=True, slots=True)
class LeverageBracket:
    """One notional tier: the leverage allowed in it and the maintenance margin it needs."""

    bracket: int
    initial_leverage: int
    notional_floor: Decimal
    notional_cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal  # maintenance amount: makes the tiered margin continuous across tiers


@dataclass(frozen=True, slots=True)
class Lot:
    """The quantity filter an order must pass: its step, least and greatest size."""

    step: Decimal
    min_qty: Decimal
    max_qty: Decimal

    def fits(self, quantity: Decimal) -> bool:
        """Tell whether a quantity is on the step and within the range."""
        return self.min_qty <= quantity <= self.max_qty and is_multiple(
            quantity - self.min_qty, self.step
        )


@dataclass(frozen=True, slots=True)
class Instrument:
    """A USDT-margined perpetual contract and the filters its orders must pass."""

    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: Decimal
    min_price: Decimal
    max_price: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_step_size: Decimal
    market_min_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    percent_up: Decimal
    percent_down: Decimal
    brackets: tuple[LeverageBracket, ...]
    # Built once from the fields above: every order the venue checks reads one of them.
    limit_lot: Lot = field(init=False, repr=False, compare=False)  # LOT_SIZE
    market_lot: Lot = field(init=False, repr=False, compare=False)  # MARKET_LOT_SIZE

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit_lot", Lot(self.step_size, self.min_qty, self.max_qty))
        object.__setattr__(
            self,
            "market_lot",
            Lot(self.market_step_size, self.market_min_qty, self.market_max_qty),
        )

    @property
    def max_leverage(self) -> int:
        """Return the highest leverage any position size may use."""
        return self.brackets[0].initial_leverage

    def bracket_for(self, notional: Decimal) -> LeverageBracket:
        """Return the tier that a position of this notional falls in."""
        for bracket in self.brackets:
            if notional < bracket.notional_cap:
                return bracket
        return self.brackets[-1]

    def max_leverage_for(self, notional: Decimal) -> int:
        """Return the highest leverage a position of this notional may use."""
        return self.bracket_for(notional).initial_leverage

    def maintenance_margin(self, notional: Decimal) -> Decimal:
        """Return the maintenance margin a position of this notional needs."""
        bracket = self.bracket_for(notional)
        return notional * bracket.maint_margin_ratio - bracket.cum

    def price_fits(self, price: Decimal) -> bool:
        """Tell whether a price is inside the price filter and on the tick."""
        return (
            self.min_price <= price <= self.max_price
            and price > ZERO
            and is_multiple(price - self.min_price, self.tick_size)
        )

    def lot(self, order_type: OrderType) -> Lot:
        """Return the quantity filter an order of this type must pass."""
        return self.limit_lot if order_type is LIMIT else self.market_lot

    def quantity_fits(self, quantity: Decimal, *, market: bool) -> bool:
        """Tell whether a quantity passes LOT_SIZE (or MARKET_LOT_SIZE for market orders)."""
        return (self.market_lot if market else self.limit_lot).fits(quantity)


class InstrumentRegistry:
    """Look instruments up by symbol."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._by_symbol = {instrument.symbol: instrument for instrument in instruments}

    def get(self, symbol: str) -> Instrument:
        """Return the instrument for `symbol`, or raise UnknownInstrument."""
        try:
            return self._by_symbol[symbol]
        except KeyError:
            raise UnknownInstrument(symbol) from None

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._by_symbol

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_symbol.values())

    def __len__(self) -> int:
        return len(self._by_symbol)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Return every known symbol."""
        return tuple(self._by_symbol)

    def replace_with(self, fresh: InstrumentRegistry) -> None:
        """Take the fresh instruments in place: the books and the risk engine hold this object."""
        self._by_symbol = dict(fresh._by_symbol)


def _filters(entry: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {f["filterType"]: f for f in entry.get("filters", ())}


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        raise ConfigurationError(f"{where}: {value!r} was parsed as a float; parse with Decimal")
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise ConfigurationError(f"{where}: {value!r} is not a number") from exc


def parse_brackets(symbol: str, raw: Sequence[Mapping[str, Any]]) -> tuple[LeverageBracket, ...]:
    """Parse one symbol's `brackets` list from Binance's leverageBracket answer."""
    brackets = tuple(
        LeverageBracket(
            bracket=int(item["bracket"]),
            initial_leverage=int(item["initialLeverage"]),
            notional_floor=_dec(item["notionalFloor"], f"{symbol} bracket notionalFloor"),
            notional_cap=_dec(item["notionalCap"], f"{symbol} bracket notionalCap"),
            maint_margin_ratio=_dec(item["maintMarginRatio"], f"{symbol} maintMarginRatio"),
            cum=_dec(item["cum"], f"{symbol} bracket cum"),
        )
        for item in sorted(raw, key=lambda item: int(item["bracket"]))
    )
    if not brackets:
        raise ConfigurationError(f"{symbol}: no leverage brackets")
    return brackets


def parse_instruments(
    exchange_info: Mapping[str, Any], leverage_brackets: Sequence[Mapping[str, Any]]
) -> InstrumentRegistry:
    """Build instruments from Binance's exchangeInfo and leverageBracket answers."""
    brackets_by_symbol = {
        entry["symbol"]: parse_brackets(entry["symbol"], entry["brackets"])
        for entry in leverage_brackets
    }
    instruments: list[Instrument] = []
    for entry in exchange_info["symbols"]:
        symbol = entry["symbol"]
        if entry.get("contractType") != "PERPETUAL" or entry.get("quoteAsset") != "USDT":
            continue
        if symbol not in brackets_by_symbol:
            raise ConfigurationError(f"{symbol}: exchangeInfo lists it but it has no brackets")
        filters = _filters(entry)
        try:
            price, lot = filters["PRICE_FILTER"], filters["LOT_SIZE"]
            market_lot = filters.get("MARKET_LOT_SIZE", lot)
            notional, percent = filters["MIN_NOTIONAL"], filters["PERCENT_PRICE"]
        except KeyError as exc:
            raise ConfigurationError(f"{symbol}: filter {exc.args[0]} is missing") from None
        instruments.append(
            Instrument(
                symbol=symbol,
                base_asset=entry["baseAsset"],
                quote_asset=entry["quoteAsset"],
                tick_size=_dec(price["tickSize"], f"{symbol} tickSize"),
                min_price=_dec(price["minPrice"], f"{symbol} minPrice"),
                max_price=_dec(price["maxPrice"], f"{symbol} maxPrice"),
                step_size=_dec(lot["stepSize"], f"{symbol} stepSize"),
                min_qty=_dec(lot["minQty"], f"{symbol} minQty"),
                max_qty=_dec(lot["maxQty"], f"{symbol} maxQty"),
                market_step_size=_dec(market_lot["stepSize"], f"{symbol} market stepSize"),
                market_min_qty=_dec(market_lot["minQty"], f"{symbol} market minQty"),
                market_max_qty=_dec(market_lot["maxQty"], f"{symbol} market maxQty"),
                min_notional=_dec(notional["notional"], f"{symbol} notional"),
                percent_up=_dec(percent["multiplierUp"], f"{symbol} multiplierUp"),
                percent_down=_dec(percent["multiplierDown"], f"{symbol} multiplierDown"),
                brackets=brackets_by_symbol[symbol],
            )
        )
    return InstrumentRegistry(instruments)
