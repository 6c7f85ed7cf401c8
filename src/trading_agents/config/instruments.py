"""Load instruments from the Binance-shaped snapshot shipped with the package."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from trading_agents.core.errors import ConfigurationError
from trading_agents.core.shipped import shipped
from trading_agents.model.instruments import InstrumentRegistry, parse_instruments


def _read_json(text: str, where: str) -> Any:
    try:
        # Decimal, not float: a tick of 0.1 must stay exactly 0.1.
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{where}: not valid JSON ({exc})") from exc


def load_instruments(exchange_info: Path, leverage_brackets: Path) -> InstrumentRegistry:
    """Load instruments from an exchangeInfo answer and a leverageBracket answer saved to files."""
    for path in (exchange_info, leverage_brackets):
        if not path.is_file():
            raise ConfigurationError(f"instrument file {path} does not exist")
    return parse_instruments(
        _read_json(exchange_info.read_text(), str(exchange_info)),
        _read_json(leverage_brackets.read_text(), str(leverage_brackets)),
    )


@cache
def default_instruments() -> InstrumentRegistry:
    """Return the instruments of the shipped snapshot (BTCUSDT, ETHUSDT and eight more)."""
    data = shipped("config", "data")
    return parse_instruments(
        _read_json(data.joinpath("exchange_info.json").read_text(), "exchange_info.json"),
        _read_json(data.joinpath("leverage_brackets.json").read_text(), "leverage_brackets.json"),
    )
