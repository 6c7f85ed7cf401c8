"""The fake's instruments and request parameters: filters, precision and parameter parsing.

Each check raises the refusal Binance sends (the USDⓈ-M error-code list: -1111 precision,
-4003/-4004/-4005 quantity, -4013/-4002 price range, -4014 tick, -4023 step, -1102 missing).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from tests.support.fake_binance_futures.wire import ZERO, BinanceError, refuse
from trading_agents.config.instruments import default_instruments
from trading_agents.core.decimals import is_multiple
from trading_agents.model.instruments import Instrument, Lot

PRECISION = "Precision is over the maximum defined for this asset."


@dataclass(frozen=True, slots=True)
class Rules:
    """An instrument's filters and the decimal places Binance accepts for its numbers."""

    instrument: Instrument
    price_precision: int
    quantity_precision: int

    @property
    def symbol(self) -> str:
        """Return the exchange symbol."""
        return self.instrument.symbol

    def lot(self, market: bool) -> Lot:
        """Return MARKET_LOT_SIZE for market orders, else LOT_SIZE."""
        return self.instrument.market_lot if market else self.instrument.limit_lot

    def check_quantity(self, quantity: Decimal, *, market: bool) -> None:
        """Refuse a quantity that breaks the precision or the lot filter."""
        if _places(quantity) > self.quantity_precision:
            raise refuse(-1111, PRECISION)
        lot = self.lot(market)
        if quantity <= ZERO:
            raise refuse(-4003, "Quantity less than or equal to zero.")
        if quantity < lot.min_qty:
            raise refuse(-4004, "Quantity less than min quantity.")
        if quantity > lot.max_qty:
            raise refuse(-4005, "Quantity greater than max quantity.")
        if not is_multiple(quantity - lot.min_qty, lot.step):
            raise refuse(-4023, "Qty not increased by step size.")

    def check_price(self, price: Decimal) -> None:
        """Refuse a price that breaks the precision or PRICE_FILTER."""
        instrument = self.instrument
        if _places(price) > self.price_precision:
            raise refuse(-1111, PRECISION)
        if price <= ZERO:
            raise refuse(-4001, "Price less than 0.")
        if price < instrument.min_price:
            raise refuse(-4013, "Price less than min price.")
        if price > instrument.max_price:
            raise refuse(-4002, "Price greater than max price.")
        if not is_multiple(price - instrument.min_price, instrument.tick_size):
            raise refuse(-4014, "Price not increased by tick size.")

    def check_notional(self, notional: Decimal) -> None:
        """Refuse an opening order below MIN_NOTIONAL, with Binance's wording."""
        minimum = self.instrument.min_notional
        if notional < minimum:
            raise refuse(
                -4164,
                f"Order's notional must be no smaller than {minimum.normalize():f} "
                "(unless you choose reduce only).",
            )


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def load_snapshot() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Rules]]:
    """Return the package's exchangeInfo and leverageBracket answers and the rules per symbol."""
    data = resources.files("trading_agents.config.data")
    info: dict[str, Any] = json.loads(data.joinpath("exchange_info.json").read_text())
    brackets: list[dict[str, Any]] = json.loads(data.joinpath("leverage_brackets.json").read_text())
    registry = default_instruments()
    rules = {
        entry["symbol"]: Rules(
            registry.get(entry["symbol"]),
            int(entry["pricePrecision"]),
            int(entry["quantityPrecision"]),
        )
        for entry in info["symbols"]
        if entry["symbol"] in registry
    }
    return info, brackets, rules


class Params:
    """A request's parameters, read the way Binance reads them."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def get(self, name: str) -> str | None:
        """Return a parameter, or None when it was not sent or is empty."""
        value = self.values.get(name)
        return value if value else None

    def required(self, name: str) -> str:
        """Return a mandatory parameter, or refuse with -1102."""
        value = self.get(name)
        if value is None:
            raise refuse(
                -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
            )
        return value

    def decimal(self, name: str) -> Decimal:
        """Return a mandatory decimal parameter; refuse text that is not a number with -1100."""
        return _decimal(name, self.required(name))

    def maybe_decimal(self, name: str) -> Decimal | None:
        """Return a decimal parameter, or None when it was not sent."""
        text = self.get(name)
        return None if text is None else _decimal(name, text)

    def integer(self, name: str) -> int:
        """Return a mandatory integer parameter; refuse text that is not an integer (-1100)."""
        return _integer(name, self.required(name))

    def maybe_integer(self, name: str) -> int | None:
        """Return an integer parameter, or None when it was not sent."""
        text = self.get(name)
        return None if text is None else _integer(name, text)

    def flag(self, name: str) -> bool:
        """Return a "true"/"false" parameter (any case), false when absent."""
        text = self.get(name)
        if text is None:
            return False
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise refuse(-1130, f"Data sent for parameter '{name}' is not valid.")
        return lowered == "true"

    def choice(self, name: str, allowed: tuple[str, ...], code: int, msg: str) -> str:
        """Return a mandatory enum parameter, refusing values outside `allowed`."""
        value = self.required(name)
        if value not in allowed:
            raise refuse(code, msg)
        return value


def _illegal(name: str) -> BinanceError:
    return refuse(-1100, f"Illegal characters found in parameter '{name}'.")


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _illegal(name) from None
    if not value.is_finite():
        raise _illegal(name)
    return value


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _illegal(name) from None
