"""Render a backtest result as one self-contained HTML page."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

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
            _header(result),
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
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<main>\n{body}\n</main>\n<div id="tip" role="tooltip" hidden></div>\n'
        f'<script type="application/json" id="report-data">{_json_for_script(result)}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def chart_data(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the page's script draws: equity, drawdown, prices and trade markers."""
    equity = []
    for point in result.get("equity_curve") or []:
        value = _float(point.get("equity"))
        if value is not None and isinstance(point.get("ts_ms"), int):
            equity.append([point["ts_ms"], value, _float(point.get("drawdown")) or 0.0])
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
    markers = [
        [
            str(trade.get("symbol")),
            "short" if trade.get("side") == "short" else "long",
            trade["entry_ms"],
            str(trade.get("entry_price")),
            trade.get("exit_ms") if _float(trade.get("exit_price")) is not None else None,
            str(trade.get("exit_price")),
            str(trade.get("net_pnl")),
            str(trade.get("trade_id")),
        ]
        for trade in result.get("trades") or []
        if isinstance(trade.get("entry_ms"), int) and _float(trade.get("entry_price")) is not None
    ]
    return {
        "initial_equity": _float(result.get("initial_equity")),
        "equity": equity,
        "prices": prices,
        "trades": markers,
    }


def _json_for_script(result: Mapping[str, Any]) -> str:
    """Return the chart data as JSON that cannot end or confuse the script element holding it."""
    text = json.dumps(chart_data(result), separators=(",", ":"), allow_nan=False)
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


def _header(result: Mapping[str, Any]) -> str:
    """Return the page title and the facts of the run."""
    start, end = result.get("from"), result.get("to")
    period = f"{_time(start)} → {_time(end)} UTC" if start or end else _DASH
    elapsed = _decimal(result.get("elapsed_s"))
    facts = (
        ("Agent", _text(result.get("agent"))),
        ("Strategy", _text(result.get("strategy"))),
        ("Brain", _text(result.get("brain"))),
        ("Symbols", _text(", ".join(_symbols(result)) or None)),
        ("Interval", _text(result.get("interval"))),
        ("Period", period),
        ("Candles", _count(result.get("candles"))),
        ("Elapsed", _DASH if elapsed is None else f"{elapsed:,.2f} s"),
        ("Initial equity", _money(result.get("initial_equity"))),
        ("Final equity", _money(result.get("final_equity"))),
    )
    rows = "".join(
        f'<div class="{"wide" if label == "Period" else ""}"><dt>{label}</dt><dd>{value}</dd></div>'
        for label, value in facts
    )
    return (
        f'<header><p class="kicker">Backtest report</p><h1>{_text(result.get("agent"))}'
        f'</h1>\n<dl class="facts">{rows}</dl></header>'
    )


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
    "",
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
        liquidated = '<span class="badge">liquidated</span>' if trade.get("liquidated") else ""
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
            f"<td>{liquidated}</td>",
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
    number = _decimal(value)
    return None if number is None or not math.isfinite(float(number)) else float(number)


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

_STYLE = """
:root{--bg:#f4f5f7;--card:#fff;--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--grid:#eef0f3;
--blue:#2563eb;--green:#059669;--red:#dc2626;--amber:#d97706}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
main{max-width:1280px;margin:0 auto;padding:24px clamp(12px,3vw,32px) 48px}
header,section{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:18px 20px;margin:0 0 16px}
.kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-size:11px}
h1{margin:2px 0 12px;font-size:24px}
h2{margin:0 0 10px;font-size:15px}
h2:not(:first-child){margin-top:18px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px 20px;
margin:0}
.facts .wide{grid-column:span 2}
.facts dt{color:var(--muted);font-size:12px}
.facts dd{margin:0;font-weight:500;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;
background:none;border:0;padding:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card span{display:block;color:var(--muted);font-size:12px}
.card strong{font-size:20px;font-weight:600}
.pos{color:var(--green)}.neg{color:var(--red)}
.metric-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px 24px;
align-items:start}
table{border-collapse:collapse;width:100%}
caption{text-align:left;color:var(--muted);font-size:12px;padding-bottom:4px}
.metrics th,.metrics td{padding:5px 0;border-bottom:1px solid var(--line);font-weight:400}
.metrics th{text-align:left;color:var(--muted)}.metrics td{text-align:right}
.plot{position:relative;width:100%}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
figure{margin:0 0 12px}figcaption{font-weight:600;margin-bottom:4px}
.grid line{stroke:var(--grid)}.grid .axis{stroke:#cbd0d8}
.grid text{fill:var(--muted);font-size:11px}.ylabel{text-anchor:end}.xlabel{text-anchor:middle}
.series{fill:none;stroke-width:1.5;stroke-linejoin:round}
.series.equity{stroke:var(--blue)}.series.price{stroke:#475569;stroke-width:1.2}
.area.drawdown{fill:rgba(220,38,38,.14);stroke:none}.series.drawdown{stroke:var(--red);stroke-width:1.2}
.markers.dense{opacity:.5}
.baseline{stroke:var(--muted);stroke-dasharray:4 4}
.marker.entry.long,.key.long{fill:var(--green)}
.marker.entry.short,.key.short{fill:var(--red)}
.marker.exit,.key.exit{fill:#fff;stroke:var(--ink);stroke-width:1.3}
.marker.exit[data-outcome=loss]{stroke:var(--red)}.marker.exit[data-outcome=win]{stroke:var(--green)}
.hover line{stroke:var(--muted);stroke-dasharray:3 3}.hover circle{fill:var(--ink)}
.hover{pointer-events:none}
.empty-chart{fill:var(--muted);font-size:13px;text-anchor:middle}
.legend{display:flex;gap:18px;margin:0 0 10px;color:var(--muted);font-size:12px}
.legend span{display:inline-flex;align-items:center;gap:6px}.legend svg{width:12px;height:12px}
.note,.empty{color:var(--muted);margin:0 0 8px}
.table-wrap{max-height:640px;overflow:auto;border:1px solid var(--line);border-radius:8px}
.trades{font-size:13px}
.trades th,.trades td{padding:6px 8px;border-bottom:1px solid var(--line);white-space:nowrap;
text-align:left}
.trades th{position:sticky;top:0;background:#f9fafb;font-weight:600;font-size:12px;
color:var(--muted)}
.trades tbody tr:hover{background:#f9fafb}
.trades .num{text-align:right}
.trades .gap td{text-align:center;color:var(--muted);background:#fafafa;font-style:italic}
.side{display:inline-block;padding:0 8px;border-radius:999px;font-size:12px;font-weight:600}
.side.long{background:#d1fae5;color:#065f46}.side.short{background:#fee2e2;color:#991b1b}
.badge{background:#fef3c7;color:#92400e;border-radius:4px;padding:0 6px;font-size:12px}
#tip{position:absolute;z-index:10;pointer-events:none;background:rgba(17,24,39,.94);color:#fff;
padding:6px 9px;border-radius:6px;font-size:12px;white-space:pre-line;max-width:320px}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var tip = document.getElementById("tip");
  var PAD = {t: 10, r: 14, b: 26, l: 76};
  var MAX_SINGLE_MARKERS = 3000; // beyond this each marker kind is one path, not one node each
  var DAY = 86400000;
  var TIME_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200, 129600,
    259200, 525600].map(function (m) { return m * 60000; });

  function el(parent, name, attrs) {
    var node = document.createElementNS(parent.namespaceURI, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    parent.appendChild(node);
    return node;
  }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 16).replace("T", " "); }
  function num(v, digits) {
    var options = {minimumFractionDigits: digits, maximumFractionDigits: digits};
    return v.toLocaleString("en-US", options);
  }
  function digitsFor(step) { return Math.max(0, Math.min(8, -Math.floor(Math.log10(step)))); }
  function bisect(xs, x) {
    var lo = 0, hi = xs.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (xs[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function nearest(xs, x) {
    var i = Math.min(bisect(xs, x), xs.length - 1);
    return i > 0 && x - xs[i - 1] < xs[i] - x ? i - 1 : i;
  }
  function extent(values, lo, hi) {
    for (var i = 0; i < values.length; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    return [lo, hi];
  }

  function frame(svg, height, x0, x1, y0, y1, yLabel) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = Math.max(svg.parentNode.clientWidth, 320);
    svg.setAttribute("viewBox", "0 0 " + w + " " + height);
    if (!(x1 > x0)) { x0 -= 30 * 60000; x1 = x0 + 60 * 60000; }
    var pad = y1 > y0 ? (y1 - y0) * 0.06 : Math.max(Math.abs(y0) * 0.01, 1e-6);
    y0 -= pad; y1 += pad;
    var iw = w - PAD.l - PAD.r, ih = height - PAD.t - PAD.b;
    var f = {
      w: w, h: height,
      x: function (t) { return PAD.l + (t - x0) / (x1 - x0) * iw; },
      y: function (v) { return PAD.t + (y1 - v) / (y1 - y0) * ih; },
      t: function (px) { return x0 + (px - PAD.l) / iw * (x1 - x0); }
    };
    var grid = el(svg, "g", {"class": "grid"});
    var raw = (y1 - y0) / Math.max(2, ih / 44), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = mag * (raw / mag <= 2 ? 2 : raw / mag <= 5 ? 5 : 10);
    for (var v = Math.ceil(y0 / step) * step; v <= y1; v += step) {
      var y = f.y(v);
      el(grid, "line", {x1: PAD.l, x2: w - PAD.r, y1: y, y2: y});
      el(grid, "text", {x: PAD.l - 8, y: y + 4, "class": "ylabel"}).textContent = yLabel(v, step);
    }
    var tStep = TIME_STEPS[TIME_STEPS.length - 1];
    for (var i = 0; i < TIME_STEPS.length; i++) {
      if ((x1 - x0) / TIME_STEPS[i] <= iw / 130) { tStep = TIME_STEPS[i]; break; }
    }
    for (var t = Math.ceil(x0 / tStep) * tStep; t <= x1; t += tStep) {
      var x = f.x(t);
      el(grid, "line", {x1: x, x2: x, y1: PAD.t, y2: height - PAD.b});
      el(grid, "text", {x: x, y: height - PAD.b + 17, "class": "xlabel"}).textContent =
        tStep >= DAY ? iso(t).slice(0, 10) : iso(t).slice(5);
    }
    el(grid, "line", {x1: PAD.l, x2: w - PAD.r, y1: height - PAD.b, y2: height - PAD.b,
      "class": "axis"});
    return f;
  }

  function empty(svg, height, message) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = Math.max(svg.parentNode.clientWidth, 320);
    svg.setAttribute("viewBox", "0 0 " + w + " " + height);
    el(svg, "text", {x: w / 2, y: height / 2, "class": "empty-chart"}).textContent = message;
    svg.hover = null;
  }

  function linePath(f, pts, yOf) {
    var d = [];
    for (var i = 0; i < pts.length; i++) {
      d.push((i ? "L" : "M") + f.x(pts[i][0]).toFixed(1) + "," + f.y(yOf(pts[i])).toFixed(1));
    }
    return d.join("");
  }

  function overlay(svg, f) {
    var g = el(svg, "g", {"class": "hover", visibility: "hidden"});
    svg.cross = el(g, "line", {y1: PAD.t, y2: f.h - PAD.b});
    svg.dot = el(g, "circle", {r: 3.5});
    svg.frame = f;
  }

  function drawEquity(svg) {
    var pts = data.equity;
    if (!pts.length) return empty(svg, 300, "No equity points");
    var base = data.initial_equity;
    var ys = extent(pts.map(function (p) { return p[1]; }), base == null ? Infinity : base,
      base == null ? -Infinity : base);
    var f = frame(svg, 300, pts[0][0], pts[pts.length - 1][0], ys[0], ys[1], function (v, s) {
      return num(v, digitsFor(s));
    });
    if (base != null) {
      el(svg, "line", {x1: PAD.l, x2: f.w - PAD.r, y1: f.y(base), y2: f.y(base),
        "class": "baseline"});
    }
    el(svg, "path", {d: linePath(f, pts, function (p) { return p[1]; }), "class": "series equity"});
    overlay(svg, f);
    var ts = pts.map(function (p) { return p[0]; });
    svg.hover = function (px) {
      var p = pts[nearest(ts, f.t(px))];
      return {x: f.x(p[0]), y: f.y(p[1]), text: iso(p[0]) + " UTC\nEquity " + num(p[1], 2) +
        "\nDrawdown " + num(p[2] * 100, 2) + " %"};
    };
  }

  function drawDrawdown(svg) {
    var pts = data.equity;
    if (!pts.length) return empty(svg, 170, "No equity points");
    var low = extent(pts.map(function (p) { return -p[2]; }), 0, 0)[0];
    var f = frame(svg, 170, pts[0][0], pts[pts.length - 1][0], low, 0, function (v, s) {
      return num(v * 100, digitsFor(s * 100)) + " %";
    });
    var line = linePath(f, pts, function (p) { return -p[2]; });
    var zero = f.y(0).toFixed(1);
    el(svg, "path", {d: line + "L" + f.x(pts[pts.length - 1][0]).toFixed(1) + "," + zero + "L" +
      f.x(pts[0][0]).toFixed(1) + "," + zero + "Z", "class": "area drawdown"});
    el(svg, "path", {d: line, "class": "series drawdown"});
    overlay(svg, f);
    var ts = pts.map(function (p) { return p[0]; });
    svg.hover = function (px) {
      var p = pts[nearest(ts, f.t(px))];
      return {x: f.x(p[0]), y: f.y(-p[2]), text: iso(p[0]) + " UTC\nDrawdown " +
        num(p[2] * 100, 2) + " %"};
    };
  }

  var marks = Object.create(null);
  data.trades.forEach(function (tr) {
    var list = marks[tr[0]] || (marks[tr[0]] = []);
    list.push({t: tr[2], p: +tr[3], price: tr[3], kind: "entry " + tr[1], tr: tr});
    if (tr[4] != null) list.push({t: tr[4], p: +tr[5], price: tr[5], kind: "exit", tr: tr});
  });
  for (var sym in marks) marks[sym].sort(function (a, b) { return a.t - b.t; });

  var SHAPES = {
    "entry long": [[0, -6, "l5,9h-10z"], [0, -4, "l3,6h-6z"]],
    "entry short": [[0, 6, "l5,-9h-10z"], [0, 4, "l3,-6h-6z"]],
    "exit": [[-3.5, 0, "a3.5,3.5 0 1,0 7,0a3.5,3.5 0 1,0 -7,0z"],
      [-2, 0, "a2,2 0 1,0 4,0a2,2 0 1,0 -4,0z"]]
  };
  function shape(kind, x, y, dense) {
    var s = SHAPES[kind][dense ? 1 : 0];
    return "M" + (+x + s[0]).toFixed(1) + "," + (+y + s[1]).toFixed(1) + s[2];
  }
  function describe(m) {
    var tr = m.tr, title = m.kind === "exit" ? "Exit of " + tr[1] : (tr[1] === "long" ?
      "Long entry" : "Short entry");
    return title + " · " + tr[7] + "\n" + tr[0] + "\n" + iso(m.t) + " UTC @ " + m.price +
      "\nNet PnL " + tr[6];
  }

  function drawMarkers(svg, f, list) {
    var dense = list.length > MAX_SINGLE_MARKERS;
    var layer = el(svg, "g", {"class": dense ? "markers dense" : "markers"});
    if (!dense) {
      list.forEach(function (m) {
        var x = +f.x(m.t).toFixed(1), y = +f.y(m.p).toFixed(1);
        var attrs = {"class": "marker " + m.kind, "aria-label": describe(m).replace(/\n/g, ", ")};
        if (m.kind === "exit") {
          attrs.cx = x; attrs.cy = y; attrs.r = 3.5;
          attrs["data-outcome"] = +m.tr[6] < 0 ? "loss" : "win";
          el(layer, "circle", attrs);
        } else {
          attrs.d = shape(m.kind, x, y, false);
          el(layer, "path", attrs);
        }
      });
      return;
    }
    var paths = {"entry long": [], "entry short": [], "exit win": [], "exit loss": []};
    list.forEach(function (m) {
      var key = m.kind === "exit" ? (+m.tr[6] < 0 ? "exit loss" : "exit win") : m.kind;
      paths[key].push(shape(m.kind, f.x(m.t), f.y(m.p), true));
    });
    for (var key in paths) {
      if (!paths[key].length) continue;
      var exit = key.indexOf("exit") === 0;
      var attrs = {"class": exit ? "marker exit" : "marker " + key, d: paths[key].join("")};
      if (exit) attrs["data-outcome"] = key.slice(5);
      el(layer, "path", attrs);
    }
  }

  function drawPrice(svg, symbol) {
    var pts = data.prices[symbol] || [], list = marks[symbol] || [];
    if (!pts.length && !list.length) return empty(svg, 280, "No prices");
    var ts = pts.map(function (p) { return p[0]; }), mts = list.map(function (m) { return m.t; });
    var ends = mts.length ? [mts[0], mts[mts.length - 1]] : [];
    var xs = extent(ts.concat(ends), Infinity, -Infinity);
    var ys = extent(pts.map(function (p) { return p[1]; }), Infinity, -Infinity);
    ys = extent(list.map(function (m) { return m.p; }), ys[0], ys[1]);
    var f = frame(svg, 280, xs[0], xs[1], ys[0], ys[1], function (v, s) {
      return num(v, digitsFor(s));
    });
    drawMarkers(svg, f, list);
    if (pts.length) {
      var price = el(svg, "path", {d: linePath(f, pts, function (p) { return p[1]; }),
        "class": "series price"});
      // Sparse markers sit on the line; a dense cloud of them goes under it so the price shows.
      if (list.length <= MAX_SINGLE_MARKERS) svg.insertBefore(price, svg.querySelector(".markers"));
    }
    overlay(svg, f);
    svg.hover = function (px, py) {
      var best = null, bestDist = 64;
      for (var i = bisect(mts, f.t(px - 8)); i < list.length && list[i].t <= f.t(px + 8); i++) {
        var dx = f.x(list[i].t) - px, dy = f.y(list[i].p) - py, dist = dx * dx + dy * dy;
        if (dist < bestDist) { best = list[i]; bestDist = dist; }
      }
      if (best) return {x: f.x(best.t), y: f.y(best.p), text: describe(best)};
      if (!pts.length) return null;
      var p = pts[nearest(ts, f.t(px))];
      return {x: f.x(p[0]), y: f.y(p[1]), text: symbol + "\n" + iso(p[0]) + " UTC\nClose " + p[1]};
    };
  }

  function drawAll() {
    document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
      var name = svg.getAttribute("data-chart");
      if (name === "equity") drawEquity(svg);
      else if (name === "drawdown") drawDrawdown(svg);
      else if (name.indexOf("price-") === 0) drawPrice(svg, name.slice(6));
    });
  }

  function hide(svg) {
    tip.hidden = true;
    if (svg.cross) svg.cross.parentNode.setAttribute("visibility", "hidden");
  }
  function track(svg, event) {
    var box = svg.getBoundingClientRect(), f = svg.frame;
    if (!svg.hover || !f) return hide(svg);
    var px = (event.clientX - box.left) * f.w / box.width;
    var py = (event.clientY - box.top) * f.h / box.height;
    if (px < PAD.l || px > f.w - PAD.r) return hide(svg);
    var hit = svg.hover(px, py);
    if (!hit) return hide(svg);
    svg.cross.setAttribute("x1", hit.x); svg.cross.setAttribute("x2", hit.x);
    svg.dot.setAttribute("cx", hit.x); svg.dot.setAttribute("cy", hit.y);
    svg.cross.parentNode.setAttribute("visibility", "visible");
    tip.textContent = hit.text;
    tip.hidden = false;
    var left = event.pageX + 14;
    if (left + tip.offsetWidth > window.scrollX + document.documentElement.clientWidth) {
      left = event.pageX - tip.offsetWidth - 14;
    }
    tip.style.left = left + "px";
    tip.style.top = event.pageY + 14 + "px";
  }

  var started = performance.now();
  try {
    drawAll();
  } catch (error) {
    document.body.dataset.chartsError = String(error);
    throw error;
  }
  document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
    svg.addEventListener("mousemove", function (event) { track(svg, event); });
    svg.addEventListener("mouseleave", function () { hide(svg); });
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(drawAll, 150);
  });
  document.body.dataset.chartsMs = String(Math.round(performance.now() - started));
  document.body.dataset.chartsReady = "true";
})();
"""
