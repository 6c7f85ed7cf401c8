"""One account's books: the ledger, its round trips, its equity curve and its metrics."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from trading_agents.core.decimals import ZERO
from trading_agents.core.errors import FatalError
from trading_agents.model.enums import ExitReason
from trading_agents.model.instruments import InstrumentRegistry
from trading_agents.model.members import BUY, OTHER, SELL
from trading_agents.model.reports import (
    BalanceAdjustment,
    ExecutionReport,
    FillReport,
    FundingReport,
)
from trading_agents.portfolio._exact import exact_add
from trading_agents.portfolio.equity import EquityCurve, EquityPoint
from trading_agents.portfolio.ledger import Ledger, LedgerSnapshot
from trading_agents.portfolio.metrics import PortfolioMetrics, compute_metrics
from trading_agents.portfolio.trades import OpenTrip, RoundTrip, RoundTripTracker
from trading_agents.risk.state import DrawdownTracker


class LedgerMismatch(FatalError):
    """The venue reports a position or an amount that the ledger does not agree with."""


class PortfolioSnapshot(NamedTuple):
    """The books but their history (trips and equity marks, which are stored as rows)."""

    ledger: LedgerSnapshot
    open_trips: tuple[OpenTrip, ...]
    trips_opened: dict[str, int]


class Portfolio:
    """Book a venue's reports and cash flows, and measure how the account performs."""

    def __init__(
        self,
        instruments: InstrumentRegistry,
        default_leverage: int = 1,
        drawdown: DrawdownTracker | None = None,
    ) -> None:
        """Open empty books; `drawdown` is the account's, shared with its risk engine."""
        self.ledger = Ledger(instruments, default_leverage)
        self._tracker = RoundTripTracker()
        self._trades: list[RoundTrip] = []
        self._curve = EquityCurve()
        self.drawdown = drawdown or DrawdownTracker()
        self.version = 0  # moves with every booking: what was read of the books before is old

    @property
    def trades(self) -> Sequence[RoundTrip]:
        """Return the closed round trips, oldest first."""
        return self._trades

    @property
    def equity_curve(self) -> EquityCurve:
        """Return the equity recorded at every mark."""
        return self._curve

    @property
    def current_drawdown(self) -> Decimal:
        """Return the fraction 0..1 by which equity at the last reading is below its peak."""
        return self.drawdown.drawdown()

    @property
    def max_drawdown(self) -> Decimal:
        """Return the deepest drawdown seen at any reading."""
        return self.drawdown.deepest

    def apply(
        self, report: ExecutionReport, exit_reason: ExitReason = ExitReason.OTHER
    ) -> RoundTrip | None:
        """Book a fill, a funding payment or a wallet adjustment; return the trip a fill closed.

        `exit_reason` is what a fill that brings a position to flat closes it for; the caller
        knows the order. When the venue's figure disagrees with the ledger's, the ledger's own
        figure is booked (so the books stay consistent with themselves) and LedgerMismatch is
        raised.
        """
        self.version += 1
        match report:
            case FillReport(is_liquidation=True):
                return self._book_liquidation(report)
            case FillReport():
                return self._book_fill(report, exit_reason)
            case FundingReport():
                self._book_funding(report)
            case BalanceAdjustment(kind="trading"):
                self.ledger.book_trading_result(report.amount)
            case BalanceAdjustment():
                # A transfer, not a gain: it moves the net deposits, which the curve takes out.
                self.ledger.book_transfer(report.amount)
                self.drawdown.shift(report.amount)
        # An order update moves no money.
        return None

    def deposit(self, amount: Decimal) -> None:
        """Book money coming into the account; it moves the drawdown's peak, not its depth."""
        self.version += 1
        self.ledger.deposit(amount)
        self.drawdown.shift(amount)

    def withdraw(self, amount: Decimal) -> None:
        """Book money leaving the account; only what no position holds as margin may leave."""
        self.version += 1
        self.ledger.withdraw(amount)
        self.drawdown.shift(-amount)

    def mark(self, ts_ms: int, marks: Mapping[str, Decimal]) -> EquityPoint:
        """Record equity at the given mark prices and update the drawdown."""
        missing = [p.symbol for p in self.ledger.open_positions() if p.symbol not in marks]
        if missing:
            raise ValueError(f"no mark price for the open position(s) {', '.join(missing)}")
        net_deposits = exact_add(self.ledger.deposits, self.ledger.withdrawals.copy_negate())
        point = self._curve.append(ts_ms, self.ledger.equity(marks), net_deposits)
        self.drawdown.update(point.equity)
        return point

    def metrics(self) -> PortfolioMetrics:
        """Compute the performance metrics from the trips and the equity curve."""
        return compute_metrics(self._trades, self._curve, self._tracker.open_since())

    def snapshot(self) -> PortfolioSnapshot:
        """Return the books as they are now, less the trips and marks already stored."""
        open_trips, opened = self._tracker.snapshot()
        return PortfolioSnapshot(self.ledger.snapshot(), open_trips, opened)

    def restore(
        self,
        snapshot: PortfolioSnapshot,
        trades: Sequence[RoundTrip],
        marks: Sequence[EquityPoint],
    ) -> None:
        """Take back the books after a restart: the snapshot, the trips and the marks."""
        self.ledger.restore(snapshot.ledger)
        self._tracker.restore(snapshot.open_trips, snapshot.trips_opened)
        self._trades = sorted(trades, key=_closed_ms)  # in the order they closed, as booked
        self._curve = EquityCurve()
        for point in marks:
            self._curve.append(point.ts_ms, point.equity, point.net_deposits)

    def _book_fill(
        self, fill: FillReport, exit_reason: ExitReason, is_liquidation: bool = False
    ) -> RoundTrip | None:
        realized = self.ledger.apply_fill(
            fill.symbol, fill.side, fill.quantity, fill.price, fill.fee, fill.ts_ms
        )
        return self._record(
            self._tracker.on_fill(
                fill.symbol,
                fill.side,
                fill.quantity,
                fill.price,
                fill.fee,
                realized,
                fill.ts_ms,
                is_liquidation=is_liquidation,
                exit_reason=exit_reason,
            )
        )

    def _book_liquidation(self, fill: FillReport) -> RoundTrip | None:
        held = self.ledger.position(fill.symbol).quantity
        closing_side = SELL if held > ZERO else BUY
        if not held or fill.side is not closing_side or fill.quantity > abs(held):
            raise LedgerMismatch(
                f"{fill.symbol}: venue liquidated {fill.side} {fill.quantity} "
                f"but the ledger holds {held}"
            )
        if fill.quantity < abs(held):
            # Binance may liquidate a large position in parts: each at the venue's figures.
            return self._book_fill(fill, OTHER, is_liquidation=True)
        side, quantity, realized, fee = self.ledger.liquidate(fill.symbol, fill.price, fill.ts_ms)
        trip = self._record(
            self._tracker.on_fill(
                fill.symbol,
                side,
                quantity,
                fill.price,
                fee,
                realized,
                fill.ts_ms,
                is_liquidation=True,
            )
        )
        if fee != fill.fee:
            # The venue states what left the wallet (Binance's clearance fee): the books take
            # its figure, not their model's.
            self.ledger.restate_fee(fill.fee - fee)
        return trip

    def _book_funding(self, funding: FundingReport) -> None:
        if funding.rate is None or funding.mark_price is None:
            self._book_stated_funding(funding)
            return
        held = self.ledger.position(funding.symbol).quantity
        if held != funding.position_quantity:
            raise LedgerMismatch(
                f"{funding.symbol}: venue charged funding on {funding.position_quantity}, "
                f"the ledger holds {held}"
            )
        amount = self.ledger.apply_funding(funding.symbol, funding.rate, funding.mark_price)
        self._tracker.on_funding(funding.symbol, amount)
        if amount != funding.amount:
            raise LedgerMismatch(
                f"{funding.symbol}: venue booked funding of {funding.amount}, the ledger {amount}"
            )

    def _book_stated_funding(self, funding: FundingReport) -> None:
        """Book the amount the exchange settled; its rate and mark price are not known here."""
        self.ledger.book_funding(funding.amount)
        # With no position in the books (closed as funding settled, or one the books never
        # had) the money still moved: it stays in the wallet, attributed to no round trip.
        position = self.ledger.positions.get(funding.symbol)
        if position is not None and position.is_open:
            self._tracker.on_funding(funding.symbol, funding.amount)

    def _record(self, trip: RoundTrip | None) -> RoundTrip | None:
        if trip is None:
            return None
        trades = self._trades
        if not trades or trades[-1].closed_ms <= trip.closed_ms:
            trades.append(trip)
        else:
            # In one step a symbol's fill at its candle's open is booked after another's at
            # its close: the trades stay in the order they closed, as the ledger posts them.
            bisect.insort_right(trades, trip, key=_closed_ms)
        return trip


def _closed_ms(trip: RoundTrip) -> int:
    return trip.closed_ms
