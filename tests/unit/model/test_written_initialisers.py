"""The dataclasses that write their own `__init__` (for mypyc) still behave as generated ones.

Each takes exactly its fields, in field order, with the fields' defaults; a frozen one stays
frozen; `dataclasses.replace` and equality work as before; the checks the class makes on its
values still run.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trading_agents.agents.state import DecisionRecord, OrderOutcome, PositionView, RiskCheck
from trading_agents.market.candles import Candle
from trading_agents.market.view import MarketSnapshot
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import Liquidity, OrderStatus, OrderType, PositionSide, Side
from trading_agents.model.orders import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderIntent,
    OrderPartiallyFilled,
    OrderRejected,
    OrderTriggered,
)
from trading_agents.model.positions import PositionFill
from trading_agents.model.reports import FillReport, OrderAck, OrderUpdate
from trading_agents.model.requests import AccountState, OrderRequest
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.trades import OpenTrip, RoundTrip
from trading_agents.risk.prices import EntryPrices
from trading_agents.risk.sizing import EntryFacts, Sized
from trading_agents.risk.verdicts import Approved, DenialCode, Denied

ONE = Decimal(1)
INTENT = OrderIntent("ta-1", "BTCUSDT", Side.BUY, OrderType.MARKET, ONE)

# Each class with the values of its fields that have no default.
REQUIRED: dict[type, tuple[Any, ...]] = {
    OrderIntent: ("ta-1", "BTCUSDT", Side.BUY, OrderType.MARKET, ONE),
    OrderAccepted: (1,),
    OrderRejected: (1, -2019, "margin is insufficient"),
    OrderTriggered: (1, ONE),
    OrderCanceled: (1,),
    OrderExpired: (1,),
    OrderPartiallyFilled: (1, "t1", ONE, ONE, ONE, Liquidity.TAKER),
    OrderFilled: (1, "t1", ONE, ONE, ONE, Liquidity.TAKER),
    Order: (INTENT, 1),
    OrderUpdate: ("ta-1", "BTCUSDT", OrderStatus.ACCEPTED, 1),
    OrderAck: ("ta-1", "1", OrderStatus.ACCEPTED, 1),
    FillReport: (
        "ta-1", "t1", "BTCUSDT", Side.BUY, ONE, ONE, ONE, Liquidity.TAKER, 1,
        OrderStatus.FILLED, ONE,
    ),
    PositionFill: (Side.BUY, ONE, ONE, 1),
    MarketSnapshot: ("BTCUSDT", 60_000, ONE, ONE, ONE, 1, None, None, None, None, None, None),
    OrderRequest: ("ta-1", "BTCUSDT", Side.BUY),
    AccountState: (ONE, ONE),
    PositionView: ("BTCUSDT", ONE, ONE, 1),
    RiskCheck: ("entry", OrderRequest("ta-1", "BTCUSDT", Side.BUY), Approved(INTENT, 1)),
    OrderOutcome: ("ta-1", "BTCUSDT", "entry", OrderStatus.FILLED),
    EntryPrices: (ONE, ONE, None, None, ()),
    EntryFacts: (ONE, ONE, 1, ONE, ONE, ONE, None, ONE, ONE),
    Sized: (ONE, ()),
    Decision: (Action.HOLD, "BTCUSDT", "no crossover"),
    Candle: ("BTCUSDT", 0, 60_000, ONE, ONE, ONE, ONE, ONE),
    Denied: (DenialCode.INVALID_REQUEST, "no"),
    Approved: (INTENT, 1),
    RoundTrip: (
        "t1", "BTCUSDT", PositionSide.LONG, 1, 2, ONE, ONE, ONE, ONE, ONE, ONE, ONE, False, 2,
    ),
    OpenTrip: ("t1", "BTCUSDT", PositionSide.LONG, 1),
    EquityPoint: (1, ONE, ONE),
    DecisionRecord: (
        "atlas", "acct", 1, 1, DecisionTrigger.CANDLE, "BTCUSDT", "rules",
        Decision(Action.HOLD, "BTCUSDT", "no crossover"), (), (), None,
    ),
}  # fmt: skip


def written_parameters(kind: type) -> list[str]:
    """Return the parameters of the `__init__` written in the class's source, after self."""
    # Read from the source: a compiled class does not always show its signature.
    for owner in kind.__mro__[:-1]:  # the class, or the dataclass it takes the __init__ from
        module = sys.modules[owner.__module__]
        source_file = (
            Path(module.__file__ or "").parent / f"{owner.__module__.rpartition('.')[2]}.py"
        )
        for node in ast.walk(ast.parse(source_file.read_text())):
            if isinstance(node, ast.ClassDef) and node.name == owner.__name__:
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        return [argument.arg for argument in item.args.args[1:]]
    raise AssertionError(f"{kind.__name__} writes no __init__")


@pytest.mark.parametrize("kind", list(REQUIRED), ids=lambda kind: kind.__name__)
def test_the_initialiser_takes_the_fields_in_order(kind: type) -> None:
    assert written_parameters(kind) == [field.name for field in dataclasses.fields(kind)]


@pytest.mark.parametrize("kind", list(REQUIRED), ids=lambda kind: kind.__name__)
def test_fields_left_out_take_their_defaults(kind: type) -> None:
    made = kind(*REQUIRED[kind])
    for field in dataclasses.fields(kind):
        if field.default is not dataclasses.MISSING:
            assert getattr(made, field.name) == field.default, field.name
        elif field.default_factory is not dataclasses.MISSING:
            assert getattr(made, field.name) == field.default_factory(), field.name


@pytest.mark.parametrize("kind", list(REQUIRED), ids=lambda kind: kind.__name__)
def test_replace_and_equality_work_as_generated(kind: type) -> None:
    made = kind(*REQUIRED[kind])
    again = dataclasses.replace(made)
    if kind.__dataclass_params__.eq:  # type: ignore[attr-defined]
        assert again == made
    first = dataclasses.fields(kind)[0].name
    assert getattr(again, first) == getattr(made, first)


@pytest.mark.parametrize(
    "kind",
    [kind for kind in REQUIRED if kind.__dataclass_params__.frozen],  # type: ignore[attr-defined]
    ids=lambda kind: kind.__name__,
)
def test_frozen_ones_stay_frozen(kind: type) -> None:
    made = kind(*REQUIRED[kind])
    first = dataclasses.fields(kind)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, first, getattr(made, first))


def test_the_checks_still_run() -> None:
    with pytest.raises(ValueError, match="quantity must be above zero"):
        OrderIntent("ta-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(0))
    with pytest.raises(ValueError, match="a limit order needs a price"):
        OrderIntent("ta-1", "BTCUSDT", Side.BUY, OrderType.LIMIT, ONE)
    with pytest.raises(ValueError, match="needs a trigger price"):
        OrderIntent("ta-1", "BTCUSDT", Side.SELL, OrderType.STOP_MARKET, ONE, reduce_only=True)
    with pytest.raises(ValueError, match="needs a side"):
        Decision(Action.OPEN, "BTCUSDT", "up")
    with pytest.raises(ValueError, match=r"open/close outside low\.\.high"):
        Candle("BTCUSDT", 0, 60_000, Decimal(2), ONE, ONE, ONE, ONE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dataclasses.replace(INTENT).quantity = Decimal(2)  # type: ignore[misc]


def test_each_order_starts_its_own_event_list() -> None:
    first, second = Order(INTENT, 1), Order(INTENT, 1)
    first.events.append(OrderAccepted(1))
    assert second.events == []
