"""An entry's prices on the tick: the limit inside the band, the stop and target on their sides."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading_agents.model.members import BUY, LIMIT
from trading_agents.model.requests import OrderRequest
from trading_agents.risk.rules import InstrumentRules, tick_down, tick_up
from trading_agents.risk.verdicts import DenialCode, Denied


@dataclass(frozen=True, slots=True, init=False)
class EntryPrices:
    """The prices an approved entry and its exits will carry."""

    entry: Decimal  # the limit price, or the mark for a market order
    worst: Decimal  # the price the order carries: its limit, or a market order's IOC cap
    stop: Decimal | None
    take_profit: Decimal | None
    adjustments: tuple[str, ...]

    def __init__(
        self,
        entry: Decimal,
        worst: Decimal,
        stop: Decimal | None,
        take_profit: Decimal | None,
        adjustments: tuple[str, ...],
    ) -> None:
        object.__setattr__(self, "entry", entry)
        object.__setattr__(self, "worst", worst)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "take_profit", take_profit)
        object.__setattr__(self, "adjustments", adjustments)


def entry_prices(
    request: OrderRequest,
    rules: InstrumentRules,
    mark: Decimal,
    band: Decimal,
    caps: tuple[Decimal, Decimal],
) -> EntryPrices | Denied:
    """Round an entry's prices to the tick, or deny one that is out of band or on the wrong side.

    A market entry is capped beyond the mark (`caps`: the mark's multipliers for a buy and a
    sell), rounded toward it: the venue gets it as an IOC limit there, so it never trades worse.
    """
    buying = request.side is BUY
    adjustments: tuple[str, ...] = ()
    asked = request.price
    if request.order_type is LIMIT and asked is not None:
        # Rounded to the passive side: never pay more, nor sell for less, than asked.
        entry = tick_down(asked, rules.tick) if buying else tick_up(asked, rules.tick)
        if entry != asked:
            adjustments = (f"limit price rounded from {asked} to {entry}, the tick",)
        if abs(entry - mark) > mark * band:
            return Denied(
                DenialCode.PRICE_OUTSIDE_BAND,
                f"limit price {entry} is more than {band:%} from the mark {mark}",
            )
        worst = entry
    else:
        entry = mark
        worst = (
            tick_down(mark * caps[0], rules.tick) if buying else tick_up(mark * caps[1], rules.tick)
        )
    # A stop must sit below both the entry and the mark for a long (above both for a short),
    # or it would trigger at once; a target must sit beyond both on the other side.
    low, high = (entry, mark) if entry < mark else (mark, entry)
    stop = take_profit = None
    if request.stop_loss is not None:
        stop = _round_toward(request.stop_loss, entry, rules.tick)
        wrong_side = stop >= low if buying else stop <= high
        if wrong_side or not rules.min_price <= stop <= rules.max_price:
            return Denied(
                DenialCode.STOP_LOSS_INVALID,
                f"stop loss {request.stop_loss} ({stop} on the tick) must be strictly"
                f" {'below' if buying else 'above'} {low if buying else high} for a {request.side}",
            )
    if request.take_profit is not None:
        take_profit = _round_toward(request.take_profit, entry, rules.tick)
        wrong_side = take_profit <= high if buying else take_profit >= low
        if wrong_side or not rules.min_price <= take_profit <= rules.max_price:
            return Denied(
                DenialCode.TAKE_PROFIT_INVALID,
                f"take profit {request.take_profit} ({take_profit} on the tick) must be strictly"
                f" {'above' if buying else 'below'} {high if buying else low} for a {request.side}",
            )
    return EntryPrices(entry, worst, stop, take_profit, adjustments)


def _round_toward(price: Decimal, entry: Decimal, tick: Decimal) -> Decimal:
    # Toward the entry: a stop never lets the loss run past the price the brain accepted,
    # and a take profit fires as soon as its target is touched.
    return tick_up(price, tick) if price < entry else tick_down(price, tick)
