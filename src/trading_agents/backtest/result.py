"""The backtest's result document: metrics, trades, the equity curve, prices for the charts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import Any, Final

import numpy as np

from trading_agents.core.clock import iso_utc
from trading_agents.market.series import CandleSeries
from trading_agents.portfolio.metrics import PortfolioMetrics
from trading_agents.portfolio.trades import RoundTrip

PRICE_POINTS = 2_000  # per symbol on the price chart; every trade marker is drawn anyway
# The drawdown's step, made once: the curve quantizes to it at every point.
_DRAWDOWN_STEP: Final = Decimal("1e-8")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def metrics_document(metrics: PortfolioMetrics) -> dict[str, Any]:
    """Return the metrics with exact decimals as strings."""
    return {
        "total_trades": metrics.total_trades,
        "winning_trades": metrics.winning_trades,
        "losing_trades": metrics.losing_trades,
        "win_rate": str(metrics.win_rate),
        "total_profit": str(metrics.total_profit),
        "total_loss": str(metrics.total_loss),
        "net_profit": str(metrics.net_profit),
        "max_drawdown": str(metrics.max_drawdown),
        "current_drawdown": str(metrics.current_drawdown),
        "sharpe": metrics.sharpe,
        "sortino": metrics.sortino,
        "profit_factor": _money(metrics.profit_factor),
        "fees": str(metrics.fees),
        "funding": str(metrics.funding),
        "exposure_time": str(metrics.exposure_time),
        "realized_pnl": str(metrics.realized_pnl),
    }


def trade_document(trip: RoundTrip) -> dict[str, Any]:
    """Return one round trip as the result lists it."""
    return {
        "trade_id": trip.trade_id,
        "symbol": trip.symbol,
        "side": str(trip.side).lower(),
        "quantity": str(trip.quantity),
        "entry_time": iso_utc(trip.opened_ms),
        "entry_ms": trip.opened_ms,
        "entry_price": str(trip.entry_price),
        "exit_time": iso_utc(trip.closed_ms),
        "exit_ms": trip.closed_ms,
        "exit_price": str(trip.exit_price),
        "realized_pnl": str(trip.realized_pnl),
        "fees": str(trip.fees),
        "funding": str(trip.funding),
        "net_pnl": str(trip.net_pnl),
        "liquidated": trip.liquidated,
        "exit_reason": str(trip.exit_reason),
    }


def equity_document(points: Iterable[tuple[int, Decimal]]) -> list[dict[str, Any]]:
    """Return the equity curve with the drawdown from the running peak at each point."""
    curve: list[dict[str, Any]] = []
    peak: Decimal | None = None
    for ts_ms, equity in points:
        peak = equity if peak is None or equity > peak else peak
        drawdown = (peak - equity) / peak if peak > 0 else Decimal(0)
        curve.append(
            {
                "ts_ms": ts_ms,
                "time": iso_utc(ts_ms),
                "equity": str(equity),
                "drawdown": str(drawdown.quantize(_DRAWDOWN_STEP)),
            }
        )
    return curve


def price_points(series: CandleSeries, points: int = PRICE_POINTS) -> list[list[float]]:
    """Return at most `points` closes, evenly spaced, for the price chart."""
    count = len(series)
    if count == 0:
        return []
    spaced = np.linspace(0, count - 1, min(points, count)).astype(np.int64)
    # Ascending already, so each repeat follows its like: np.unique would sort again, and
    # it imports numpy.ma, 7 ms of a backtest's start-up.
    picks = spaced[np.concatenate(([True], spaced[1:] != spaced[:-1]))]
    times = (series.open_ms[picks] + series.interval_ms).tolist()
    return [
        [ts_ms, close] for ts_ms, close in zip(times, series.close[picks].tolist(), strict=True)
    ]


# The digest's text of a trade: its JSON with sorted keys and no spaces, `exit_reason` left
# out (a label the figures already imply, added after digests were first recorded). Written
# out rather than through json.JSONEncoder, which cost five times as much a trade, and as one
# f-string, which the compiled build joins without parsing a format each time. The bytes are
# those the encoder writes: the three text fields go through json's own escaping; the others
# are decimals and times as `trade_document` writes them (str(Decimal), `iso_utc`), digits,
# signs, letters and punctuation that JSON never escapes.


def _digest_text(trade: Mapping[str, Any]) -> str:
    """Return one trade's text as the digest reads it."""
    quoted = encode_basestring_ascii
    liquidated = "true" if trade["liquidated"] else "false"
    return (
        f'{{"entry_ms":{trade["entry_ms"]},"entry_price":"{trade["entry_price"]}",'
        f'"entry_time":"{trade["entry_time"]}","exit_ms":{trade["exit_ms"]},'
        f'"exit_price":"{trade["exit_price"]}","exit_time":"{trade["exit_time"]}",'
        f'"fees":"{trade["fees"]}","funding":"{trade["funding"]}","liquidated":{liquidated},'
        f'"net_pnl":"{trade["net_pnl"]}","quantity":"{trade["quantity"]}",'
        f'"realized_pnl":"{trade["realized_pnl"]}","side":{quoted(trade["side"])},'
        f'"symbol":{quoted(trade["symbol"])},"trade_id":{quoted(trade["trade_id"])}}}'
    )


# The keys of a trade, in the order `trade_document` writes them.
TRADE_KEYS: Final = (
    "trade_id",
    "symbol",
    "side",
    "quantity",
    "entry_time",
    "entry_ms",
    "entry_price",
    "exit_time",
    "exit_ms",
    "exit_price",
    "realized_pnl",
    "fees",
    "funding",
    "net_pnl",
    "liquidated",
    "exit_reason",
)


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), check_circular=False)


def _trade_json(trade: Mapping[str, Any]) -> str:
    """Return one trade's text as `json.dumps` writes it compact."""
    if type(trade) is not dict or tuple(trade) != TRADE_KEYS:
        return _compact(trade)  # not shaped as `trade_document` shapes a trade
    entry_ms, exit_ms, liquidated = trade["entry_ms"], trade["exit_ms"], trade["liquidated"]
    if type(entry_ms) is not int or type(exit_ms) is not int or type(liquidated) is not bool:
        return _compact(trade)
    # Written out as `_digest_text` is, and for its reasons: the encoder spends some 26,000
    # instructions a trade on its sixteen values, a year's run 18,000 trades. The four texts
    # go through the encoder's own escaping, which refuses a value that is not text; the
    # decimals and times are as `trade_document` writes them, characters JSON never escapes.
    quoted = encode_basestring_ascii
    try:
        return (
            f'{{"trade_id":{quoted(trade["trade_id"])},"symbol":{quoted(trade["symbol"])},'
            f'"side":{quoted(trade["side"])},"quantity":"{trade["quantity"]}",'
            f'"entry_time":"{trade["entry_time"]}","entry_ms":{entry_ms},'
            f'"entry_price":"{trade["entry_price"]}","exit_time":"{trade["exit_time"]}",'
            f'"exit_ms":{exit_ms},"exit_price":"{trade["exit_price"]}",'
            f'"realized_pnl":"{trade["realized_pnl"]}","fees":"{trade["fees"]}",'
            f'"funding":"{trade["funding"]}","net_pnl":"{trade["net_pnl"]}",'
            f'"liquidated":{"true" if liquidated else "false"},'
            f'"exit_reason":{quoted(trade["exit_reason"])}}}'
        )
    except TypeError:
        return _compact(trade)  # a text field that is not text


def result_json(result: Mapping[str, Any]) -> str:
    """Return the compact text `json.dumps` writes for a result `result_document` built."""
    # Compact: only without indentation does json use its C encoder. A result never holds a
    # container inside itself, so the check for cycles (an entry in a dict per list and dict)
    # only costs: the text is the same without it.
    parts = []
    for key, value in result.items():
        if key == "trades" and type(value) is list:
            text = "[" + ",".join([_trade_json(trade) for trade in value]) + "]"
        else:
            text = _compact(value)
        parts.append(f"{encode_basestring_ascii(key)}:{text}")
    return "{" + ",".join(parts) + "}"


def trades_digest(trades: Sequence[Mapping[str, Any]]) -> str:
    """Return a SHA-256 over the trades' figures, as `trade_document` writes them."""
    # One update over the trades' texts joined: the same bytes as one update a trade.
    return hashlib.sha256("".join([_digest_text(trade) for trade in trades]).encode()).hexdigest()
