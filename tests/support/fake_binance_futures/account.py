"""The fake's USDT account: wallet, one-way positions, margin and the answers that show them.

Margin follows Binance's cross-margin arithmetic closely enough for tests: initial margin is
notional / leverage at the mark price, maintenance margin comes from the leverage brackets,
available balance = wallet + unrealized PnL - position margin - open-order margin.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tests.support.fake_binance_futures.rules import Rules
from tests.support.fake_binance_futures.wire import (
    ZERO,
    Json,
    Order,
    Position,
    avg,
    money,
    num,
    position_entry,
)

ACCOUNT_ALIAS = "SgsR"  # Binance shows a short per-account code here; any fixed one will do


class Account:
    """Hold the wallet and the positions, and price them at the last price."""

    def __init__(self, rules: dict[str, Rules], wallet: Decimal, taker_fee: Decimal) -> None:
        self.rules = rules
        self.wallet = wallet
        self.taker_fee = taker_fee
        self.prices: dict[str, Decimal] = {}  # last and mark price: the fake has no spread
        self.positions = {symbol: Position(symbol) for symbol in rules}
        self.update_time = 0

    def mark(self, symbol: str) -> Decimal:
        """Return the mark price, or zero when the test has not set one."""
        return self.prices.get(symbol, ZERO)

    def unrealized(self, position: Position) -> Decimal:
        """Return the position's unrealized PnL at the mark price."""
        if position.amount == ZERO:
            return ZERO
        return position.amount * (self.mark(position.symbol) - position.entry_price)

    def notional(self, position: Position) -> Decimal:
        """Return the signed notional at the mark price."""
        return position.amount * self.mark(position.symbol)

    def position_margin(self, position: Position) -> Decimal:
        """Return the initial margin the position holds."""
        return abs(self.notional(position)) / position.leverage

    def maint_margin(self, position: Position) -> Decimal:
        """Return the maintenance margin of the position from its leverage bracket."""
        notional = abs(self.notional(position))
        if notional == ZERO:
            return ZERO
        return self.rules[position.symbol].instrument.maintenance_margin(notional)

    def order_margin(
        self, symbol: str, side: str, quantity: Decimal, price: Decimal, reduce_only: bool
    ) -> Decimal:
        """Return the initial margin an order needs: only the part that grows the position."""
        if reduce_only:
            return ZERO
        position = self.positions[symbol]
        opposite = (position.amount > ZERO and side == "SELL") or (
            position.amount < ZERO and side == "BUY"
        )
        growing = max(ZERO, quantity - abs(position.amount)) if opposite else quantity
        return growing * price / position.leverage

    def open_order_margin(self, orders: Iterable[Order], symbol: str | None = None) -> Decimal:
        """Return the margin held by resting orders (of one symbol, or all)."""
        return sum(
            (
                self.order_margin(o.symbol, o.side, o.remaining, o.price, o.reduce_only)
                for o in orders
                if o.is_open and o.type == "LIMIT" and symbol in (None, o.symbol)
            ),
            ZERO,
        )

    def total_unrealized(self) -> Decimal:
        """Return the unrealized PnL of every position."""
        return sum((self.unrealized(p) for p in self.positions.values()), ZERO)

    def total_position_margin(self) -> Decimal:
        """Return the initial margin of every position."""
        return sum((self.position_margin(p) for p in self.positions.values()), ZERO)

    def available(self, orders: Iterable[Order]) -> Decimal:
        """Return the balance free for new orders."""
        return (
            self.wallet
            + self.total_unrealized()
            - self.total_position_margin()
            - self.open_order_margin(orders)
        )

    def apply_fill(self, symbol: str, side: str, qty: Decimal, price: Decimal) -> Decimal:
        """Move the position by a fill and return the realized PnL (before fees)."""
        position = self.positions[symbol]
        signed = qty if side == "BUY" else -qty
        amount, entry = position.amount, position.entry_price
        realized = ZERO
        if amount == ZERO or (amount > ZERO) == (signed > ZERO):
            new_amount = amount + signed
            entry = (abs(amount) * entry + qty * price) / abs(new_amount)
        else:
            closed = min(qty, abs(amount))
            realized = closed * (price - entry) * (1 if amount > ZERO else -1)
            new_amount = amount + signed
            if new_amount == ZERO:
                entry = ZERO
            elif (new_amount > ZERO) != (amount > ZERO):
                entry = price  # the fill reversed the position: the rest opened at this price
        position.amount, position.entry_price = new_amount, entry
        position.realized += realized
        if position.margin_type == "ISOLATED":
            position.isolated_wallet = abs(new_amount) * entry / position.leverage
        return realized

    def break_even(self, position: Position) -> Decimal:
        """Return the price at which closing covers the taker fees (an approximation)."""
        if position.amount == ZERO:
            return ZERO
        sign = 1 if position.amount > ZERO else -1
        return position.entry_price * (1 + sign * self.taker_fee)

    def liquidation_price(self, position: Position) -> Decimal:
        """Return the one-way liquidation price from Binance's published formula, or zero."""
        if position.amount == ZERO:
            return ZERO
        size = abs(position.amount)
        side = 1 if position.amount > ZERO else -1
        instrument = self.rules[position.symbol].instrument
        bracket = instrument.bracket_for(size * position.entry_price)
        if position.margin_type == "ISOLATED":
            balance = position.isolated_wallet
        else:
            others = [p for p in self.positions.values() if p is not position]
            balance = (
                self.wallet
                - sum((self.maint_margin(p) for p in others), ZERO)
                + sum((self.unrealized(p) for p in others), ZERO)
            )
        denominator = size * bracket.maint_margin_ratio - side * size
        if denominator == ZERO:
            return ZERO
        price = (balance + bracket.cum - side * size * position.entry_price) / denominator
        return max(ZERO, price)

    def stream_entry(self, symbol: str) -> Json:
        """Render the symbol's position for ACCOUNT_UPDATE."""
        position = self.positions[symbol]
        return position_entry(position, self.unrealized(position), self.break_even(position))

    def _risk_common(self, position: Position) -> Json:
        return {
            "symbol": position.symbol,
            "positionSide": "BOTH",
            "positionAmt": num(position.amount),
            "entryPrice": num(position.entry_price),
            "breakEvenPrice": avg(self.break_even(position)),
            "markPrice": num(self.mark(position.symbol)),
            "unRealizedProfit": money(self.unrealized(position)),
            "liquidationPrice": avg(self.liquidation_price(position)),
            "isolatedMargin": money(position.isolated_wallet + self._isolated_upnl(position)),
            "notional": money(self.notional(position)),
            "isolatedWallet": money(position.isolated_wallet),
            "updateTime": position.update_time,
        }

    def _isolated_upnl(self, position: Position) -> Decimal:
        return self.unrealized(position) if position.margin_type == "ISOLATED" else ZERO

    def position_risk_v2(self, position: Position) -> Json:
        """Render GET /fapi/v2/positionRisk's entry for a symbol."""
        instrument = self.rules[position.symbol].instrument
        max_notional = max(
            (
                b.notional_cap
                for b in instrument.brackets
                if b.initial_leverage >= position.leverage
            ),
            default=instrument.brackets[0].notional_cap,
        )
        return {
            **self._risk_common(position),
            "leverage": str(position.leverage),
            "maxNotionalValue": num(max_notional),
            "marginType": "isolated" if position.margin_type == "ISOLATED" else "cross",
            "isAutoAddMargin": "false",
        }

    def position_risk_v3(self, position: Position, orders: Iterable[Order]) -> Json:
        """Render GET /fapi/v3/positionRisk's entry for a symbol."""
        order_margin = self.open_order_margin(orders, position.symbol)
        position_margin = self.position_margin(position)
        return {
            **self._risk_common(position),
            "marginAsset": "USDT",
            "initialMargin": money(position_margin + order_margin),
            "maintMargin": money(self.maint_margin(position)),
            "positionInitialMargin": money(position_margin),
            "openOrderInitialMargin": money(order_margin),
            "adl": 0,
            "bidNotional": "0",
            "askNotional": "0",
        }

    def balance(self, orders: Iterable[Order]) -> Json:
        """Render the USDT entry of GET /fapi/v2|v3/balance."""
        available = self.available(orders)
        return {
            "accountAlias": ACCOUNT_ALIAS,
            "asset": "USDT",
            "balance": money(self.wallet),
            "crossWalletBalance": money(self.wallet),
            "crossUnPnl": money(self.total_unrealized()),
            "availableBalance": money(available),
            "maxWithdrawAmount": money(max(ZERO, min(available, self.wallet))),
            "marginAvailable": True,
            "updateTime": self.update_time,
        }

    def account(self, orders: list[Order], version: int) -> Json:
        """Render GET /fapi/v2|v3/account: totals, the USDT asset and the positions."""
        unrealized = self.total_unrealized()
        position_margin = self.total_position_margin()
        order_margin = self.open_order_margin(orders)
        maint = sum((self.maint_margin(p) for p in self.positions.values()), ZERO)
        available = self.available(orders)
        totals = {
            "totalInitialMargin": money(position_margin + order_margin),
            "totalMaintMargin": money(maint),
            "totalWalletBalance": money(self.wallet),
            "totalUnrealizedProfit": money(unrealized),
            "totalMarginBalance": money(self.wallet + unrealized),
            "totalPositionInitialMargin": money(position_margin),
            "totalOpenOrderInitialMargin": money(order_margin),
            "totalCrossWalletBalance": money(self.wallet),
            "totalCrossUnPnl": money(unrealized),
            "availableBalance": money(available),
            "maxWithdrawAmount": money(max(ZERO, min(available, self.wallet))),
        }
        asset = {
            "asset": "USDT",
            "walletBalance": money(self.wallet),
            "unrealizedProfit": money(unrealized),
            "marginBalance": money(self.wallet + unrealized),
            "maintMargin": money(maint),
            "initialMargin": money(position_margin + order_margin),
            "positionInitialMargin": money(position_margin),
            "openOrderInitialMargin": money(order_margin),
            "crossWalletBalance": money(self.wallet),
            "crossUnPnl": money(unrealized),
            "availableBalance": money(available),
            "maxWithdrawAmount": money(max(ZERO, min(available, self.wallet))),
            "updateTime": self.update_time,
        }
        # v3 lists only symbols with a position; v2 lists every symbol.
        positions = [
            self._account_position(p, orders, version)
            for p in self.positions.values()
            if version == 2 or p.amount
        ]
        if version == 3:
            return {**totals, "assets": [asset], "positions": positions}
        head = {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "feeBurn": False,
            "tradeGroupId": -1,
            "updateTime": 0,
            "multiAssetsMargin": False,
        }
        return {
            **head,
            **totals,
            "assets": [{**asset, "marginAvailable": True}],
            "positions": positions,
        }

    def _account_position(self, position: Position, orders: list[Order], version: int) -> Json:
        position_margin = self.position_margin(position)
        order_margin = self.open_order_margin(orders, position.symbol)
        entry: Json = {
            "symbol": position.symbol,
            "positionSide": "BOTH",
            "positionAmt": num(position.amount),
            "unrealizedProfit": money(self.unrealized(position)),
            "isolatedMargin": money(position.isolated_wallet),
            "notional": money(self.notional(position)),
            "isolatedWallet": money(position.isolated_wallet),
            "initialMargin": money(position_margin + order_margin),
            "maintMargin": money(self.maint_margin(position)),
            "updateTime": position.update_time,
        }
        if version == 2:
            entry |= {
                "positionInitialMargin": money(position_margin),
                "openOrderInitialMargin": money(order_margin),
                "leverage": str(position.leverage),
                "isolated": position.margin_type == "ISOLATED",
                "entryPrice": num(position.entry_price),
                "breakEvenPrice": avg(self.break_even(position)),
                "maxNotional": "0",
                "bidNotional": "0",
                "askNotional": "0",
            }
        return entry
