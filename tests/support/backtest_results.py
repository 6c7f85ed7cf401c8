"""Build plausible backtest results, shaped like DIR/result.json, for the report tests."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from trading_agents.core.clock import MS_PER_MINUTE, to_datetime, to_ms

START = "2025-05-04T15:33:00Z"
END = "2025-06-24T00:00:00Z"
SYMBOLS = ("BTCUSDT", "ETHUSDT")
_FIRST_PRICE = {"BTCUSDT": 104772.7, "ETHUSDT": 2512.35}
_QUANTITY = {"BTCUSDT": Decimal("0.012"), "ETHUSDT": Decimal("0.5")}
_CENT = Decimal("0.01")
_PNL_STEP = Decimal("0.0001")
_FEE_RATE = Decimal("0.0004")


def iso(ms: int) -> str:
    """Return epoch milliseconds as an ISO 8601 UTC string."""
    return to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def backtest_result(
    *,
    trades: int = 12,
    equity_points: int = 200,
    price_points: int = 500,
    symbols: tuple[str, ...] = SYMBOLS,
    initial_equity: str = "10000",
    seed: int = 7,
) -> dict[str, Any]:
    """Return a result with `trades` trades, an equity curve and a price series per symbol."""
    if trades and price_points < 2:
        raise ValueError("trades need at least two price points to enter and exit on")
    rng = random.Random(seed)
    start, end = to_ms(START), to_ms(END)
    prices = {
        symbol: _random_walk(rng, _FIRST_PRICE.get(symbol, 100.0), start, end, price_points)
        for symbol in symbols
    }
    # Many trades trade small, so that fees do not eat the account whatever the count.
    size = Decimal(1).scaleb(1 - len(str(max(1, trades // 50))))
    trade_list = sorted(
        (_trade(rng, n, symbols[n % len(symbols)], prices, size) for n in range(trades)),
        key=lambda trade: (trade["exit_ms"], trade["trade_id"]),
    )
    for number, trade in enumerate(trade_list, 1):
        trade["trade_id"] = f"t-{number}"
    curve = _equity_curve(trade_list, Decimal(initial_equity), start, end, equity_points)
    final = curve[-1]["equity"] if curve else initial_equity
    return {
        "agent": "atlas",
        "strategy": "reference",
        "brain": "rules",
        "symbols": list(symbols),
        "interval": "1m",
        "from": START,
        "to": END,
        "initial_equity": initial_equity,
        "final_equity": final,
        "metrics": _metrics(trade_list, curve),
        "trades": trade_list,
        "equity_curve": curve,
        "prices": prices,
        "candles": 146_278,
        "elapsed_s": 0.81,
    }


def _step(start: int, end: int, points: int) -> int:
    """Return the whole minutes between `points` times spread evenly from `start` to `end`."""
    return max(MS_PER_MINUTE, (end - start) // max(points - 1, 1) // MS_PER_MINUTE * MS_PER_MINUTE)


def _random_walk(
    rng: random.Random, first: float, start: int, end: int, points: int
) -> list[list[float]]:
    """Return `points` closes evenly spread over [start, end] that wander from `first`."""
    step = _step(start, end, points)
    price, series = first, []
    for n in range(points):
        series.append([start + n * step, round(price, 2)])
        price *= 1 + rng.gauss(0.00005, 0.004)
    return series


def _trade(
    rng: random.Random, n: int, symbol: str, prices: dict[str, list[list[float]]], size: Decimal
) -> dict[str, Any]:
    """Return one closed round trip that enters and exits on the symbol's closes."""
    series = prices[symbol]
    entry = rng.randrange(len(series) - 1)
    exit_ = rng.randint(entry + 1, min(len(series) - 1, entry + max(1, len(series) // 25)))
    side = rng.choice(("long", "short"))
    quantity = (_QUANTITY.get(symbol, Decimal("1")) * size).normalize()
    entry_ms, entry_price = int(series[entry][0]), Decimal(f"{series[entry][1]:.2f}")
    exit_ms, exit_price = int(series[exit_][0]), Decimal(f"{series[exit_][1]:.2f}")
    direction = 1 if side == "long" else -1
    realized = ((exit_price - entry_price) * quantity * direction).quantize(_PNL_STEP)
    fees = ((entry_price + exit_price) * quantity * _FEE_RATE).quantize(_PNL_STEP)
    funding = (Decimal(rng.randint(-50, 20)) / 100 * size).quantize(_PNL_STEP)
    return {
        "trade_id": f"raw-{n:06d}",
        "symbol": symbol,
        "side": side,
        "quantity": str(quantity),
        "entry_time": iso(entry_ms),
        "entry_ms": entry_ms,
        "entry_price": str(entry_price),
        "exit_time": iso(exit_ms),
        "exit_ms": exit_ms,
        "exit_price": str(exit_price),
        "realized_pnl": str(realized),
        "fees": str(fees),
        "funding": str(funding),
        "net_pnl": str(realized - fees + funding),
        "liquidated": False,
    }


def _equity_curve(
    trades: list[dict[str, Any]], initial: Decimal, start: int, end: int, points: int
) -> list[dict[str, Any]]:
    """Return equity sampled at `points` even times, moving as each trade closes."""
    step = _step(start, end, points)
    equity, peak, closed, curve = initial, initial, 0, []
    for n in range(points):
        ts = start + n * step
        while closed < len(trades) and trades[closed]["exit_ms"] <= ts:
            equity += Decimal(trades[closed]["net_pnl"])
            closed += 1
        peak = max(peak, equity)
        drawdown = ((peak - equity) / peak).quantize(Decimal("0.000001"))
        curve.append(
            {"ts_ms": ts, "time": iso(ts), "equity": str(equity), "drawdown": str(drawdown)}
        )
    return curve


def _metrics(trades: list[dict[str, Any]], curve: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the metrics block the engine writes, computed from the trades and the curve."""
    pnls = [Decimal(trade["net_pnl"]) for trade in trades]
    wins = [pnl for pnl in pnls if pnl > 0]
    losses = [-pnl for pnl in pnls if pnl < 0]
    profit, loss = sum(wins, Decimal(0)), sum(losses, Decimal(0))
    drawdowns = [Decimal(point["drawdown"]) for point in curve] or [Decimal(0)]
    return {
        "total_trades": len(trades),
        "winning_trades": len(wins),
        "losing_trades": len(losses),
        "win_rate": str((Decimal(len(wins)) / len(trades)).quantize(Decimal("0.0001")))
        if trades
        else "0",
        "total_profit": str(profit),
        "total_loss": str(loss),
        "net_profit": str(profit - loss),
        "max_drawdown": str(max(drawdowns)),
        "current_drawdown": str(drawdowns[-1]),
        "sharpe": 1.23 if trades else None,
        "sortino": 2.1 if trades else None,
        "profit_factor": str((profit / loss).quantize(_CENT)) if loss else None,
        "fees": str(sum((Decimal(trade["fees"]) for trade in trades), Decimal(0))),
        "funding": str(sum((Decimal(trade["funding"]) for trade in trades), Decimal(0))),
        "exposure_time": "0.4" if trades else "0",
        "realized_pnl": str(sum((Decimal(t["realized_pnl"]) for t in trades), Decimal(0))),
    }
