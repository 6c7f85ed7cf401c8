"""Performance metrics of one account, computed from its round trips and equity curve."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trading_agents.core.decimals import ZERO
from trading_agents.portfolio._exact import exact_sum
from trading_agents.portfolio.equity import DrawdownTracker, EquityPoint
from trading_agents.portfolio.returns import daily_returns, keep_close, sharpe_ratio, sortino_ratio
from trading_agents.portfolio.trades import RoundTrip


@dataclass(frozen=True, slots=True)
class PortfolioMetrics:
    """What the platform and the reports read about an account's performance.

    Money figures cover closed round trips only, so that
    total_profit - total_loss == net_profit == realized_pnl - fees + funding exactly.
    """

    total_trades: int
    winning_trades: int  # net_pnl above zero
    losing_trades: int  # net_pnl below zero; a trip at exactly zero is neither
    total_profit: Decimal  # sum of the winning trips' net_pnl
    total_loss: Decimal  # sum of the losing trips' net_pnl, as a positive number
    net_profit: Decimal
    win_rate: Decimal  # fraction 0..1 of trips won; 0 without trips
    profit_factor: Decimal | None  # total_profit / total_loss; None without a loss
    current_drawdown: Decimal  # fraction 0..1 below the peak at the last mark
    max_drawdown: Decimal  # the deepest such fraction over the curve
    sharpe: float | None
    sortino: float | None
    exposure_time: Decimal  # fraction 0..1 of the marked time with any position open
    fees: Decimal
    funding: Decimal
    realized_pnl: Decimal


def compute_metrics(
    trips: Sequence[RoundTrip],
    curve: Iterable[EquityPoint],
    open_since: Iterable[int] = (),
) -> PortfolioMetrics:
    """Compute the metrics from closed trips, the equity curve and when open trips opened."""
    wins = [trip.net_pnl for trip in trips if trip.is_win]
    losses = [trip.net_pnl.copy_abs() for trip in trips if trip.is_loss]
    total_profit, total_loss = exact_sum(wins), exact_sum(losses)
    # One pass that keeps only a point per day: the curve may hold millions of marks.
    drawdown = DrawdownTracker()
    closes: list[EquityPoint] = []
    start_ms: int | None = None
    for point in curve:
        if start_ms is None:
            start_ms = point.ts_ms
        drawdown.update(point.equity, point.net_deposits)
        keep_close(closes, point)
    returns = daily_returns(closes)
    exposure = ZERO
    if start_ms is not None:
        end_ms = closes[-1].ts_ms
        intervals = [(trip.opened_ms, trip.closed_ms) for trip in trips]
        intervals += [(opened_ms, end_ms) for opened_ms in open_since]
        exposure = exposure_time(intervals, start_ms, end_ms)
    return PortfolioMetrics(
        total_trades=len(trips),
        winning_trades=len(wins),
        losing_trades=len(losses),
        total_profit=total_profit,
        total_loss=total_loss,
        net_profit=exact_sum((total_profit, total_loss.copy_negate())),
        win_rate=Decimal(len(wins)) / Decimal(len(trips)) if trips else ZERO,
        profit_factor=total_profit / total_loss if total_loss > ZERO else None,
        current_drawdown=drawdown.current,
        max_drawdown=drawdown.maximum,
        sharpe=sharpe_ratio(returns),
        sortino=sortino_ratio(returns),
        exposure_time=exposure,
        fees=exact_sum(trip.fees for trip in trips),
        funding=exact_sum(trip.funding for trip in trips),
        realized_pnl=exact_sum(trip.realized_pnl for trip in trips),
    )


def exposure_time(intervals: Iterable[tuple[int, int]], start_ms: int, end_ms: int) -> Decimal:
    """Return the fraction of [start_ms, end_ms] covered by any of the intervals."""
    if end_ms <= start_ms:
        return ZERO
    clipped = sorted(
        (max(opened, start_ms), min(closed, end_ms))
        for opened, closed in intervals
        if closed > start_ms and opened < end_ms
    )
    covered = 0
    reach = start_ms
    for opened, closed in clipped:
        if closed > reach:
            covered += closed - max(opened, reach)
            reach = closed
    return Decimal(covered) / Decimal(end_ms - start_ms)
