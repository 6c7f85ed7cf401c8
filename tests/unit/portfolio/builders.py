"""Builders for the portfolio tests: fills, funding, hand-made round trips and curves."""

from __future__ import annotations

from decimal import Decimal

from tests.support.instruments import registry
from trading_agents.core.clock import MS_PER_DAY, MS_PER_MINUTE, to_ms
from trading_agents.model.enums import Liquidity, OrderStatus, PositionSide, Side
from trading_agents.model.reports import FillReport, FundingReport
from trading_agents.portfolio.equity import EquityPoint
from trading_agents.portfolio.portfolio import Portfolio
from trading_agents.portfolio.trades import RoundTrip

D = Decimal
T0 = to_ms("2025-06-02T00:00:00Z")


def minute(n: int) -> int:
    """Return the time `n` minutes after T0."""
    return T0 + n * MS_PER_MINUTE


def day(n: int, minutes: int = 0) -> int:
    """Return the time `n` days (and `minutes`) after T0."""
    return T0 + n * MS_PER_DAY + minutes * MS_PER_MINUTE


def funded_portfolio(deposit: str = "10000", leverage: int = 10) -> Portfolio:
    """Return a BTCUSDT and ETHUSDT portfolio holding a first deposit."""
    portfolio = Portfolio(registry(), default_leverage=leverage)
    portfolio.deposit(D(deposit))
    return portfolio


def fill(
    side: Side,
    quantity: str,
    price: str,
    *,
    fee: str = "0",
    at: int = T0,
    symbol: str = "BTCUSDT",
    liquidation: bool = False,
) -> FillReport:
    """Return a venue's report of a trade (realized PnL is the ledger's to compute)."""
    return FillReport(
        client_order_id=f"c-{at}",
        trade_id=f"t-{at}",
        symbol=symbol,
        side=side,
        quantity=D(quantity),
        price=D(price),
        fee=D(fee),
        liquidity=Liquidity.TAKER,
        ts_ms=at,
        order_status=OrderStatus.FILLED,
        realized_pnl=D(0),
        is_liquidation=liquidation,
    )


def funding(
    rate: str, mark: str, held: str, amount: str, *, at: int = T0, symbol: str = "BTCUSDT"
) -> FundingReport:
    """Return a venue's report of a funding payment on a position of `held` (signed)."""
    return FundingReport(symbol, at, D(rate), D(mark), D(held), D(amount))


def trip(
    net_pnl: str,
    *,
    opened: int = T0,
    closed: int | None = None,
    fees: str = "0",
    funding: str = "0",
    symbol: str = "BTCUSDT",
) -> RoundTrip:
    """Return a closed long trip with the given net PnL, for metrics tests."""
    realized = D(net_pnl) + D(fees) - D(funding)
    return RoundTrip(
        trade_id=f"{symbol}-{opened}-1",
        symbol=symbol,
        side=PositionSide.LONG,
        opened_ms=opened,
        closed_ms=opened + MS_PER_MINUTE if closed is None else closed,
        quantity=D("0.1"),
        entry_price=D("100000"),
        exit_price=D("100000") + realized * 10,
        realized_pnl=realized,
        fees=D(fees),
        funding=D(funding),
        net_pnl=D(net_pnl),
        liquidated=False,
        fills=2,
    )


def curve(
    *equities: str, net_deposits: tuple[str, ...] = (), step: int = MS_PER_DAY
) -> list[EquityPoint]:
    """Return one point per `step` from T0; net deposits default to the first equity."""
    flows = net_deposits or (equities[0],) * len(equities)
    return [
        EquityPoint(T0 + i * step, D(equity), D(flow))
        for i, (equity, flow) in enumerate(zip(equities, flows, strict=True))
    ]
