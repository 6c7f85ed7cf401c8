"""One agent trading one account: its venue, its books, its risk engine and its runner."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from trading_agents.agents.runner import AgentRunner
from trading_agents.agents.state import DecisionState, PositionView
from trading_agents.engine.orders import OrderCache
from trading_agents.market.candles import Candle
from trading_agents.market.marks import MarkPrice
from trading_agents.model.decisions import Action, Decision, DecisionTrigger
from trading_agents.model.enums import ExitReason
from trading_agents.model.members import REJECTED, RISK
from trading_agents.model.reports import (
    BalanceAdjustment,
    ExecutionReport,
    FillReport,
    OrderUpdate,
)
from trading_agents.model.requests import AccountState
from trading_agents.portfolio.portfolio import LedgerMismatch, Portfolio
from trading_agents.risk.engine import RiskEngine
from trading_agents.risk.orders import STOP_LOSS_PREFIX
from trading_agents.risk.state import TradingState

if TYPE_CHECKING:  # the event stream only where someone publishes (the service)
    from trading_agents.events.stream import AccountStream


ReportSource = Callable[[], Sequence[ExecutionReport]]
# A simulated venue's way to see a mark price: symbol, time, price.
TakeMark = Callable[[str, int, Decimal], None]

log: Final = logging.getLogger(__name__)


class AgentAccount:
    """Keep one account's books in step with its venue and let its agent decide."""

    def __init__(
        self,
        *,
        runner: AgentRunner,
        portfolio: Portfolio,
        risk: RiskEngine,
        orders: OrderCache,
        reports: ReportSource,
        take_prices: Callable[[Candle], None] | None = None,
        take_candle: Callable[[Candle], None] | None = None,
        stream: AccountStream | None = None,
        take_mark: TakeMark | None = None,
    ) -> None:
        """Keep an account; with a `stream`, publish what happens on it."""
        self.runner = runner
        self.portfolio = portfolio
        self.risk = risk
        self.orders = orders
        self._reports = reports
        self._take_prices = take_prices
        self._take_candle = take_candle
        self._take_mark = take_mark  # None: the venue watches its own market (Binance)
        self.symbols = frozenset(runner.symbols)
        # Only where someone consumes it (the service): a backtest publishes nothing.
        self.stream = stream
        self.unprotected: set[str] = set()
        # Symbols whose position changed after this step's decisions: the next step's news.
        self.late_changes: set[str] = set()
        # The marks the last decision was checked at: the execute step checks again at them.
        self._marks: Mapping[str, Decimal] = {}
        # The state last built, and the version of the books it was built from.
        self._state: AccountState | None = None
        self._state_version = -1

    def on_candle(self, candle: Candle, venue: bool = True) -> None:
        """Give a base candle to a simulated venue (unless told not to) and the agent's market."""
        self._state = None  # new prices: the state read before is old
        if venue and self._take_prices is not None:
            self._take_prices(candle)
        if self._take_candle is not None:
            self._take_candle(candle)

    def on_mark_price(self, mark: MarkPrice, marks: Mapping[str, Decimal]) -> bool:
        """Show a mark price to a simulated venue and book what it triggered; tell if anything.

        A position closed by a stop or a liquidation is the next step's news for the gate.
        """
        self._state = None  # new prices: the state read before is old
        if self._take_mark is None:
            return False
        self._take_mark(mark.symbol, mark.ts_ms, mark.price)
        reports = self._reports()
        if not reports:
            return False
        self.late_changes |= self._book(reports, marks, self.stream)
        return True

    def settle(self, marks: Mapping[str, Decimal]) -> set[str]:
        """Book what the venue reported; return the symbols whose position changed."""
        reports = self._reports()
        if reports:
            return self._book(reports, marks, self.stream)
        # Nothing reported, the usual case a thousand times a step: what the gateway opened
        # since still goes out on the stream.
        if self.orders.changed and self.stream is not None:
            self._publish_orders(self.stream)
        return set()

    def settle_at(self, marks: Callable[[], Mapping[str, Decimal]]) -> set[str]:
        """Book what the venue reported, reading the marks only if there is anything."""
        reports = self._reports()
        if reports:
            return self._book(reports, marks(), self.stream)
        if self.orders.changed and self.stream is not None:
            self._publish_orders(self.stream)
        return set()

    def _book(
        self,
        reports: Sequence[ExecutionReport],
        marks: Mapping[str, Decimal],
        stream: AccountStream | None,
    ) -> set[str]:
        changed: set[str] = set()
        before = None
        if stream is not None:
            before = self.risk.state
            for report in reports:  # all of them first: a booking that raises loses none
                stream.publish(report)
        orders, portfolio = self.orders, self.portfolio
        for report in reports:
            kind = type(report)  # reports are NamedTuples and dataclasses: no subclasses
            if kind is OrderUpdate:  # the most frequent, and it moves no money
                update: OrderUpdate = report  # type: ignore[assignment]
                orders.apply(update)
                if _is_rejected_stop(update):
                    self.unprotected.add(update.symbol)
                    changed.add(update.symbol)
                continue
            if kind is FillReport:
                fill: FillReport = report  # type: ignore[assignment]
                # Read before the cache applies the fill: a filled order may leave the cache.
                order = orders.get(fill.client_order_id)
                reason = (
                    ExitReason.of_order(None)
                    if order is None
                    else order.intent.exit_reason or ExitReason.of_order(order.intent.order_type)
                )
                orders.apply(fill)
                try:
                    trip = portfolio.apply(fill, reason)
                except LedgerMismatch as error:
                    # The books stay consistent with themselves; reconciliation with the
                    # venue repairs what they miss. One account's surprise must not stop
                    # the step of every other.
                    log.error("%s: %s", self.runner.agent, error)
                    trip = None
                if trip is not None and stream is not None:
                    from trading_agents.events.types import TripClosed

                    stream.publish(TripClosed(trip))
                changed.add(fill.symbol)
                self._count_realized(fill, marks)
                continue
            if isinstance(report, BalanceAdjustment):
                if report.kind == "transfer":
                    # Heard before the books move, so the equity it brings is not a gain.
                    self.risk.record_cash_flow(report.amount)
                portfolio.apply(report)
                if report.kind == "trading":  # a loss the books missed counts as one
                    equity = portfolio.ledger.equity(marks)
                    self.risk.record_realized(report.amount, equity)
            else:
                try:
                    portfolio.apply(report)  # funding
                except LedgerMismatch as error:  # the ledger's own figure was booked
                    log.error("%s: %s", self.runner.agent, error)
        if stream is not None and before is not None:
            self._publish_orders(stream)
            self._publish_state(stream, before)
        return changed

    def _publish_orders(self, stream: AccountStream) -> None:
        """Publish the state of every order opened or moved since the last time."""
        from trading_agents.events.types import OrderChanged

        for order, venue_order_id in self.orders.take_changed():
            stream.publish(OrderChanged(order, venue_order_id))

    def _publish_state(self, stream: AccountStream, before: TradingState) -> None:
        """Publish a move of the trading state (kill switch, breaker, daily loss, outage)."""
        now = self.risk.state
        if now is not before:
            from trading_agents.events.types import RiskStateChanged

            stream.publish(RiskStateChanged(now, before))

    def _count_realized(self, fill: FillReport, marks: Mapping[str, Decimal]) -> None:
        if not fill.realized_pnl and not fill.fee:
            return
        equity = self.portfolio.ledger.equity(marks)
        self.risk.record_realized(fill.realized_pnl - fill.fee, equity)

    def mark(self, ts_ms: int, marks: Mapping[str, Decimal]) -> None:
        """Record equity at the marks on the curve and with the risk engine."""
        stream = self.stream
        before = self.risk.state if stream is not None else None
        point = self.portfolio.mark(ts_ms, marks)
        self.risk.update_equity(point.equity)
        if stream is not None and before is not None:
            from trading_agents.events.types import EquityMarked

            stream.publish(EquityMarked(point))
            self._publish_state(stream, before)

    def account_state(self, marks: Mapping[str, Decimal]) -> AccountState:
        """Return what the risk engine needs to know about the account now."""
        self._marks = marks
        ledger = self.portfolio.ledger
        positions = {p.symbol: p.quantity for p in ledger.open_positions()}
        self._state_version = self.portfolio.version
        self._state = AccountState(
            equity=ledger.equity(marks),
            available_balance=ledger.available_balance(),
            positions=positions,
            marks={symbol: marks[symbol] for symbol in self.symbols if symbol in marks},
        )
        return self._state

    def state_now(self) -> AccountState:
        """Return the account's state at the marks its last decision was checked at.

        Built again only when the books moved (a fill, funding, a deposit) or prices came
        since it was last built: otherwise it is the state the decision was checked on.
        """
        state = self._state
        if state is not None and self.portfolio.version == self._state_version:
            return state
        return self.account_state(self._marks)

    def positions(self) -> dict[str, PositionView]:
        """Return the open positions as the brain sees them."""
        return {
            p.symbol: PositionView(
                p.symbol,
                p.quantity,
                p.entry_price,
                p.leverage,
                self.orders.resting_stop(p.symbol),
            )
            for p in self.portfolio.ledger.open_positions()
        }

    async def decide(
        self, close_ms: int, changed: set[str], marks: Mapping[str, Decimal]
    ) -> list[DecisionState]:
        """Let the agent decide on the candles closing at `close_ms`, unprotected ones first."""
        decided: list[DecisionState] = []
        if self.unprotected:
            positions = self.positions()
            for symbol in sorted(self.unprotected):
                if symbol in positions:
                    forced = Decision(
                        Action.CLOSE,
                        symbol,
                        f"the venue refused the {symbol} stop loss: closing rather than holding"
                        " an unprotected position",
                        exit_reason=RISK,
                    )
                    decided.append(
                        await self.runner.decide(
                            symbol,
                            DecisionTrigger.POSITION,
                            self.account_state(marks),
                            positions,
                            forced=forced,
                        )
                    )
                    changed.discard(symbol)
            self.unprotected.clear()
        # The books are read only when a gate opens: at most steps' closes nobody decides.
        opened = self.runner.opened(close_ms, changed)
        if opened:
            decided += await self.runner.decide_opened(
                opened, self.account_state(marks), self.positions()
            )
        return decided


_STOP_LOSS_ID: Final = f"{STOP_LOSS_PREFIX}-"


def _is_rejected_stop(report: OrderUpdate) -> bool:
    return report.status is REJECTED and report.client_order_id.startswith(_STOP_LOSS_ID)
