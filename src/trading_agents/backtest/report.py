"""Render a backtest result as one self-contained HTML page."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from trading_agents.core.shipped import shipped

TABLE_EDGE_ROWS = 500  # a longer trade list shows this many rows from each end
_DASH = "—"

Formatter = Callable[[Any], str]


def render_report(result: Mapping[str, Any]) -> str:
    """Return the report page for a backtest result, with every style and script inline."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    trades: Sequence[Mapping[str, Any]] = result.get("trades") or []
    symbols = _symbols(result)
    title = " · ".join(_text(part) for part in ("Backtest", result.get("agent")) if part)
    body = "\n".join(
        (
            _header(result, symbols),
            _highlights(result, metrics),
            _metrics_section(metrics),
            _charts_section(symbols),
            _trades_section(trades),
        )
    )
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # The page must never reach the network: the browser enforces it, not just the author.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{title}</title>\n<style>{_asset('report.css')}</style>\n</head>\n<body>\n"
        f'<main>\n{body}\n</main>\n<div id="tip" role="tooltip" hidden></div>\n'
        f'<script type="application/json" id="report-data">{_json_for_script(result)}</script>\n'
        f"<script>{_asset('report.js')}</script>\n</body>\n</html>\n"
    )


def chart_data(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the page's script draws: equity, drawdown, prices and trade markers."""
    equity = []
    for point in result.get("equity_curve") or []:
        value = _float(point.get("equity"))
        ts_ms = point.get("ts_ms")
        if value is not None and isinstance(ts_ms, int):
            equity.append([ts_ms, value, _float(point.get("drawdown")) or 0.0])
    prices = {
        str(symbol): [
            [int(ts), close]
            for ts, raw in series
            if (close := _float(raw)) is not None
            and isinstance(ts, int | float)
            and math.isfinite(ts)
        ]
        for symbol, series in (result.get("prices") or {}).items()
    }
    markers = []
    for item in result.get("trades") or []:
        # Each value read once, from a dict as such: a year's run draws some 18,000 trades.
        trade = _as_dict(item)
        entry_ms, entry_price = trade.get("entry_ms"), trade.get("entry_price")
        if not isinstance(entry_ms, int) or _float(entry_price) is None:
            continue
        exit_price = trade.get("exit_price")
        markers.append(
            [
                str(trade.get("symbol")),
                "short" if trade.get("side") == "short" else "long",
                entry_ms,
                str(entry_price),
                trade.get("exit_ms") if _float(exit_price) is not None else None,
                str(exit_price),
                str(trade.get("net_pnl")),
                str(trade.get("trade_id")),
            ]
        )
    return {
        "initial_equity": _float(result.get("initial_equity")),
        "equity": equity,
        "prices": prices,
        "trades": markers,
    }


def _as_dict(mapping: Any) -> dict[str, Any]:
    """Return the mapping as a dict, itself when it is one (compiled, a dict's get is direct)."""
    return mapping if isinstance(mapping, dict) else dict(mapping.items())


def _json_for_script(result: Mapping[str, Any]) -> str:
    """Return the chart data as JSON that cannot end or confuse the script element holding it."""
    # chart_data builds fresh lists, never one inside itself: no need to check for cycles.
    data = chart_data(result)
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, check_circular=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _symbols(result: Mapping[str, Any]) -> list[str]:
    """Return the run's symbols in order, then any symbol seen only in prices or trades."""
    found: dict[str, None] = {}
    for symbol in result.get("symbols") or []:
        found[str(symbol)] = None
    for symbol in result.get("prices") or {}:
        found[str(symbol)] = None
    for trade in result.get("trades") or []:
        found[str(trade.get("symbol"))] = None
    return list(found)


def _header(result: Mapping[str, Any], symbols: Sequence[str]) -> str:
    """Return the page title and the facts of the run; `symbols` are `_symbols(result)`."""
    start, end = result.get("from"), result.get("to")
    period = f"{_time(start)} → {_time(end)} UTC" if start or end else _DASH
    elapsed = _decimal(result.get("elapsed_s"))
    facts = (
        ("Agent", _text(result.get("agent"))),
        ("Strategy", _text(result.get("strategy"))),
        ("Brain", _text(result.get("brain"))),
        ("Symbols", _text(", ".join(symbols) or None)),
        ("Interval", _text(result.get("interval"))),
        ("Period", period),
        ("Candles", _count(result.get("candles"))),
        ("Elapsed", _DASH if elapsed is None else f"{elapsed:,.2f} s"),
        ("Initial equity", _money(result.get("initial_equity"))),
        ("Final equity", _money(result.get("final_equity"))),
        *_llm_facts(result.get("llm")),
        *_gap_facts(result.get("gaps")),
    )
    rows = "".join(
        f'<div class="{"wide" if label in _WIDE else ""}"><dt>{label}</dt><dd>{value}</dd></div>'
        for label, value in facts
    )
    return (
        f'<header><p class="kicker">Backtest report</p><h1>{_text(result.get("agent"))}'
        f'</h1>\n<dl class="facts">{rows}</dl></header>'
    )


_WIDE = ("Period", "Training data", "Gaps stepped over")


def _gap_facts(gaps: Any) -> list[tuple[str, str]]:
    """Return the gaps in the candles the run stepped over (--gaps skip), if any."""
    if not isinstance(gaps, list) or not gaps:
        return []
    shown = "; ".join(
        f"{_time(gap.get('from'))} → {_time(gap.get('to'))} ({_count(gap.get('missing_candles'))}"
        " candles)"
        for gap in gaps
        if isinstance(gap, Mapping)
    )
    return [("Gaps stepped over", shown)]


def _llm_facts(llm: Any) -> list[tuple[str, str]]:
    """Return the LLM brain's use, and whether the period is in the model's training data."""
    if not isinstance(llm, Mapping):
        return []
    used = (
        f"{_text(llm.get('model'))}: {_count(llm.get('calls'))} calls,"
        f" {_text(llm.get('cost_usd'))} USD"
    )
    return [("LLM", used), ("Training data", _text(llm.get("note")))]


def _highlights(result: Mapping[str, Any], metrics: Mapping[str, Any]) -> str:
    """Return the few figures a reader looks at first, as cards."""
    initial, final = _decimal(result.get("initial_equity")), _decimal(result.get("final_equity"))
    growth = (final - initial) / initial if initial and final is not None else None
    cards = (
        ("Net profit", _money(metrics.get("net_profit")), _tone(metrics.get("net_profit"))),
        ("Return", _percent(growth), _tone(growth)),
        ("Max drawdown", _percent(metrics.get("max_drawdown")), ""),
        ("Win rate", _percent(metrics.get("win_rate")), ""),
        ("Profit factor", _ratio(metrics.get("profit_factor")), ""),
        ("Sharpe", _ratio(metrics.get("sharpe")), ""),
        ("Trades", _count(metrics.get("total_trades")), ""),
    )
    items = "".join(
        f'<div class="card"><span>{label}</span><strong class="{tone}">{value}</strong></div>'
        for label, value, tone in cards
    )
    return f'<section class="cards" aria-label="Highlights">{items}</section>'


def _metrics_section(metrics: Mapping[str, Any]) -> str:
    """Return every metric, known ones grouped and formatted, unknown ones as given."""
    known = {key for _, rows in _METRIC_GROUPS for key, _, _ in rows}
    groups = [
        (name, [(label, key, fmt) for key, label, fmt in rows if key in metrics])
        for name, rows in _METRIC_GROUPS
    ]
    others = [(key.replace("_", " ").capitalize(), key, _plain) for key in metrics]
    groups.append(("Other", [row for row in others if row[1] not in known]))
    tables = "".join(
        f'<table class="metrics"><caption>{name}</caption><tbody>'
        + "".join(
            f'<tr><th scope="row">{_text(label)}</th>'
            f'<td title="{_text(metrics[key])}" data-metric="{_text(key)}">'
            f"{fmt(metrics[key])}</td></tr>"
            for label, key, fmt in rows
        )
        + "</tbody></table>"
        for name, rows in groups
        if rows
    )
    if not tables:
        tables = '<p class="empty">No metrics.</p>'
    return f'<section><h2>Metrics</h2><div class="metric-grid">{tables}</div></section>'


def _charts_section(symbols: Iterable[str]) -> str:
    """Return the chart frames the page's script draws into."""
    prices = "".join(
        f'<figure><figcaption>{_text(symbol)}</figcaption><div class="plot">'
        f'<svg class="chart" data-chart="price-{_text(symbol)}" role="img" '
        f'aria-label="{_text(symbol)} price with trades"></svg></div></figure>'
        for symbol in symbols
    )
    legend = (
        '<p class="legend"><span><svg viewBox="0 0 12 12"><path class="key long" '
        'd="M6 1l5 9H1z"/></svg>Long entry</span><span><svg viewBox="0 0 12 12">'
        '<path class="key short" d="M6 11l5-9H1z"/></svg>Short entry</span><span>'
        '<svg viewBox="0 0 12 12"><circle class="key exit" cx="6" cy="6" r="4"/></svg>Exit'
        "</span></p>"
    )
    return (
        '<section><h2>Equity</h2><div class="plot"><svg class="chart" data-chart="equity" '
        'role="img" aria-label="Equity over time"></svg></div>'
        '<h2>Drawdown</h2><div class="plot"><svg class="chart" data-chart="drawdown" '
        'role="img" aria-label="Drawdown over time"></svg></div>'
        '<noscript><p class="empty">The charts need JavaScript.</p></noscript></section>\n'
        f"<section><h2>Prices and trades</h2>{legend}{prices or _no('No prices.')}</section>"
    )


_TRADE_COLUMNS = (
    "#",
    "Trade",
    "Symbol",
    "Side",
    "Quantity",
    "Entry time",
    "Entry price",
    "Exit time",
    "Exit price",
    "Realized PnL",
    "Fees",
    "Funding",
    "Net PnL",
    "Exit",
)


def _trades_section(trades: Sequence[Mapping[str, Any]]) -> str:
    """Return the trade list, cut to its two ends when it is long."""
    total = len(trades)
    if total == 0:
        return f"<section><h2>Trades</h2>{_no('No trades.')}</section>"
    head = "".join(f'<th scope="col">{name}</th>' for name in _TRADE_COLUMNS)
    if total > 2 * TABLE_EDGE_ROWS:
        hidden = total - 2 * TABLE_EDGE_ROWS
        note = (
            f"Showing the first and last {TABLE_EDGE_ROWS:,} of {total:,} trades; "
            f"{hidden:,} in between are left out here but drawn on the price charts."
        )
        gap = (
            f'<tr class="gap"><td colspan="{len(_TRADE_COLUMNS)}">{hidden:,} trades '
            f"(#{TABLE_EDGE_ROWS + 1:,} to #{total - TABLE_EDGE_ROWS:,}) not shown</td></tr>"
        )
        rows = (
            _trade_rows(trades[:TABLE_EDGE_ROWS], 1)
            + gap
            + _trade_rows(trades[-TABLE_EDGE_ROWS:], total - TABLE_EDGE_ROWS + 1)
        )
        shown = 2 * TABLE_EDGE_ROWS
    else:
        note = f"{total:,} trades."
        rows = _trade_rows(trades, 1)
        shown = total
    return (
        f'<section><h2>Trades</h2><p class="note">{note}</p><div class="table-wrap">'
        f'<table class="trades" data-total="{total}" data-shown="{shown}"><thead><tr>{head}'
        f"</tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def _trade_rows(trades: Iterable[Mapping[str, Any]], first: int) -> str:
    """Return one table row per trade, numbered from `first`."""
    rows = []
    for number, trade in enumerate(trades, first):
        side = trade.get("side")
        side_class = side if side in ("long", "short") else "other"
        # A result written before exit reasons were recorded still marks its liquidations.
        reason = str(trade.get("exit_reason") or ("liquidation" if trade.get("liquidated") else ""))
        label = _text(reason.replace("_", " "))
        exit_badge = f'<span class="badge exit {_text(reason)}">{label}</span>' if reason else ""
        cells = (
            f'<td class="num">{number:,}</td>',
            f"<td>{_text(trade.get('trade_id'))}</td>",
            f"<td>{_text(trade.get('symbol'))}</td>",
            f'<td><span class="side {side_class}">{_text(side)}</span></td>',
            f'<td class="num">{_text(trade.get("quantity"))}</td>',
            f"<td>{_time(trade.get('entry_time'))}</td>",
            f'<td class="num">{_text(trade.get("entry_price"))}</td>',
            f"<td>{_time(trade.get('exit_time'))}</td>",
            f'<td class="num">{_text(trade.get("exit_price"))}</td>',
            f'<td class="num">{_text(trade.get("realized_pnl"))}</td>',
            f'<td class="num">{_text(trade.get("fees"))}</td>',
            f'<td class="num">{_text(trade.get("funding"))}</td>',
            f'<td class="num {_tone(trade.get("net_pnl"))}">{_text(trade.get("net_pnl"))}</td>',
            f"<td>{exit_badge}</td>",
        )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return "".join(rows)


def _no(message: str) -> str:
    """Return a paragraph saying there is nothing to show."""
    return f'<p class="empty">{message}</p>'


def _decimal(value: object) -> Decimal | None:
    """Return the value as a finite Decimal, or None when it is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _float(value: object) -> float | None:
    """Return the value as a finite float for drawing, or None."""
    if value is None or isinstance(value, bool):
        return None
    # float() reads every decimal string Decimal() reads and rounds it correctly, as
    # float(Decimal(text)) does; a year's chart reads some 100,000 of them.
    try:
        number = float(value if isinstance(value, int | float) else str(value))
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    """Return the value escaped for HTML text or a quoted attribute, or a dash for None."""
    return _DASH if value is None else html.escape(str(value), quote=True)


def _time(value: object) -> str:
    """Return an ISO 8601 UTC time as "2025-05-04 15:33:00"."""
    if value is None:
        return _DASH
    return _text(str(value).replace("T", " ").removesuffix("Z").removesuffix("+00:00"))


def _tone(value: object) -> str:
    """Return the CSS class that colours a signed amount."""
    number = _decimal(value)
    if number is None or number == 0:
        return ""
    return "pos" if number > 0 else "neg"


def _formatted(value: object, render: Callable[[Decimal], str]) -> str:
    """Return the number rendered, the raw text when it is not a number, a dash for None."""
    number = _decimal(value)
    return _text(value) if number is None else render(number)


def _money(value: object) -> str:
    """Return an amount with two decimals and thousands separators."""
    return _formatted(value, lambda d: f"{d:,.2f}".replace("-0.00", "0.00"))


def _percent(value: object) -> str:
    """Return a fraction as a percentage."""
    return _formatted(value, lambda d: f"{d * 100:,.2f} %".replace("-0.00", "0.00"))


def _ratio(value: object) -> str:
    """Return a ratio with two decimals."""
    return _formatted(value, lambda d: f"{d:,.2f}")


def _count(value: object) -> str:
    """Return a whole number with thousands separators."""
    return _formatted(value, lambda d: f"{d:,.0f}")


def _plain(value: object) -> str:
    """Return the value as given."""
    return _text(value)


_METRIC_GROUPS: tuple[tuple[str, tuple[tuple[str, str, Formatter], ...]], ...] = (
    (
        "Profit and loss",
        (
            ("net_profit", "Net profit", _money),
            ("total_profit", "Gross profit", _money),
            ("total_loss", "Gross loss", _money),
            ("realized_pnl", "Realized PnL", _money),
            ("fees", "Fees", _money),
            ("funding", "Funding", _money),
        ),
    ),
    (
        "Trades",
        (
            ("total_trades", "Trades", _count),
            ("winning_trades", "Winning trades", _count),
            ("losing_trades", "Losing trades", _count),
            ("win_rate", "Win rate", _percent),
            ("profit_factor", "Profit factor", _ratio),
            ("exposure_time", "Time in market", _percent),
        ),
    ),
    (
        "Risk",
        (
            ("max_drawdown", "Max drawdown", _percent),
            ("current_drawdown", "Current drawdown", _percent),
            ("sharpe", "Sharpe ratio", _ratio),
            ("sortino", "Sortino ratio", _ratio),
        ),
    ),
)


@cache
def _asset(name: str) -> str:
    """Return the page's stylesheet or script, shipped beside this module."""
    return shipped("backtest", "assets", name).read_text("utf-8")
