"""Render an optimisation's result as one self-contained HTML page (no script, no network)."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from trading_agents.backtest.svg import bar_chart, line_chart, scatter_chart

_DASH = "—"
_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #5b6475; margin: 0 0 16px; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.card { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 8px 10px; }
.card b { display: block; font-size: 18px; } .card span { color: #5b6475; font-size: 12px; }
.note { color: #5b6475; font-size: 13px; max-width: 760px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e8ee; padding: 4px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.chosen td { background: #eef6ee; font-weight: 600; }
svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid #dde1e8; }
.grid { stroke: #e9ecf1; } .tick, .axis { fill: #5b6475; font-size: 11px; }
.line { fill: none; stroke: #2563eb; stroke-width: 1.5; }
.break { stroke: #9aa3b2; stroke-dasharray: 4 4; } .diagonal { stroke: #9aa3b2; }
.dot { fill: #2563eb; fill-opacity: 0.45; } .bar { fill: #2563eb; }
.wide { overflow-x: auto; } .wide td.n { white-space: nowrap; }
.bad { color: #b42318; } .good { color: #1a7f37; }
"""


def render_optimize_report(result: Mapping[str, Any]) -> str:
    """Return the report page of an optimisation result, with every style inline."""
    folds: Sequence[Mapping[str, Any]] = result.get("folds") or []
    objective = str((result.get("objective") or {}).get("name", "objective"))
    body = "\n".join(
        (
            _header(result),
            _highlights(result),
            _equity_section(result, folds),
            _folds_section(folds, objective),
            _scatter_section(folds, objective),
            _importance_section(folds),
            _trials_section(folds, objective),
        )
    )
    title = f"Optimisation · {_text(result.get('agent'))}"
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n</main>\n</body>\n</html>\n"
    )


def _header(result: Mapping[str, Any]) -> str:
    search = result.get("search") or {}
    symbols = ", ".join(_text(s) for s in result.get("symbols") or [])
    line = (
        f"{symbols} · {_text(result.get('from'))} to {_text(result.get('to'))} ·"
        f" {_text(search.get('trials_per_fold'))} trials a fold,"
        f" {_text(search.get('folds'))} {_text(search.get('fold_mode'))} folds · objective"
        f" {_text((result.get('objective') or {}).get('name'))} · seed {_text(result.get('seed'))}"
    )
    strategy = result.get("strategy")
    name = _text(result.get("agent")) + (f" ({_text(strategy)})" if strategy else "")
    return (
        f'<h1>Walk-forward optimisation: {name}</h1>\n<p class="sub">{line}</p>\n'
        f'<p class="sub">Reproduce: <code>{_text(result.get("command"))}</code></p>'
    )


def _highlights(result: Mapping[str, Any]) -> str:
    joined = result.get("out_of_sample") or {}
    metrics = joined.get("metrics") or {}
    overfitting = result.get("overfitting") or {}
    profit = metrics.get("net_profit")
    pbo, dsr = overfitting.get("pbo_mean"), overfitting.get("dsr_last_fold")
    cards = [
        ("out-of-sample net profit", _money(profit), _sign(profit)),
        ("out-of-sample max drawdown", _percent(metrics.get("max_drawdown")), ""),
        ("out-of-sample trades", _text(metrics.get("total_trades")), ""),
        ("final equity", _money(joined.get("final_equity")), ""),
        ("PBO (mean of folds)", _share(pbo), _risk(pbo, 0.5)),
        ("DSR (last fold)", _share(dsr), _trust(dsr)),
    ]
    items = "".join(
        f'<div class="card"><b class="{tone}">{value}</b><span>{label}</span></div>'
        for label, value, tone in cards
    )
    return (
        f'<div class="cards">{items}</div>\n<p class="note">The PBO is the probability that the'
        " configuration best in sample ranks below the median out of sample (combinatorially"
        " symmetric cross-validation over the trials' hourly returns); above one half, the"
        " search picks noise more often than not. The DSR is the probability that the chosen"
        " configuration's Sharpe ratio is above the best that as many trials without skill"
        " would show; below 0.95 it is not evidence of skill.</p>"
    )


def _equity_section(result: Mapping[str, Any], folds: Sequence[Mapping[str, Any]]) -> str:
    joined = result.get("out_of_sample") or {}
    series = [
        (float(point["ts_ms"]), float(point["equity"]))
        for point in joined.get("equity_curve") or []
        if _is_number(point.get("equity")) and isinstance(point.get("ts_ms"), int)
    ]
    breaks = [
        float(_ms((fold.get("test") or {}).get("from"))) for fold in folds[1:] if fold.get("test")
    ]
    chart = line_chart("Out-of-sample equity, the test windows joined", series, "USDT", breaks)
    return (
        "<h2>Out-of-sample equity</h2>\n"
        '<p class="note">Each fold\'s chosen parameters traded its test window, starting from the'
        " equity the previous test ended with; dashed lines mark where one test gives way to"
        f" the next.</p>\n{chart}"
    )


def _folds_section(folds: Sequence[Mapping[str, Any]], objective: str) -> str:
    rows = []
    for fold in folds:
        statistics = fold.get("overfitting") or {}
        pbo = (statistics.get("pbo") or {}).get("probability")
        dsr = (statistics.get("dsr") or {}).get("probability")
        in_sample = (fold.get("in_sample") or {}).get(objective)
        out = fold.get("out_of_sample") or {}
        params = ", ".join(f"{k}={v}" for k, v in (fold.get("params") or {}).items())
        rows.append(
            f"<tr><td>{_text(fold.get('fold'))}</td><td>{_window(fold.get('train'))}</td>"
            f"<td>{_window(fold.get('test'))}</td><td>{html.escape(params)}</td>"
            f'<td class="n">{_score(in_sample)}</td><td class="n">{_score(out.get(objective))}</td>'
            f'<td class="n">{_money((out.get("metrics") or {}).get("net_profit"))}</td>'
            f'<td class="n">{_share(pbo)}</td><td class="n">{_share(dsr)}</td></tr>'
        )
    return (
        "<h2>Folds</h2>\n<table><thead><tr><th>fold</th><th>train</th><th>test</th>"
        f"<th>chosen parameters</th><th>in-sample {html.escape(objective)}</th>"
        f"<th>out-of-sample {html.escape(objective)}</th><th>out-of-sample profit</th>"
        f"<th>PBO</th><th>DSR</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _scatter_section(folds: Sequence[Mapping[str, Any]], objective: str) -> str:
    points: list[tuple[float, float, str]] = []
    for fold in folds:
        pairs = ((fold.get("overfitting") or {}).get("pbo") or {}).get("degradation") or []
        for in_sample, out_of_sample in pairs:
            tip = f"fold {fold.get('fold')}: {in_sample:.4f} in sample, {out_of_sample:.4f} out"
            points.append((float(in_sample), float(out_of_sample), tip))
    chart = scatter_chart(
        "The in-sample best's Sharpe ratio in sample and out of sample, per CSCV split",
        points,
        "in sample (per hour)",
        "out of sample (per hour)",
    )
    return (
        "<h2>In sample against out of sample</h2>\n"
        '<p class="note">For each split of the training window into halves, the trial best on'
        " one half and how it did on the other. On the diagonal, the result held; a cloud"
        " far below it is the signature of overfitting.</p>\n"
        f"{chart}"
    )


def _importance_section(folds: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for fold in folds:
        importance: Mapping[str, float] = fold.get("importance") or {}
        bars = sorted(
            ((str(name), float(share)) for name, share in importance.items()),
            key=lambda bar: -bar[1],
        )
        note = fold.get("importance_note")
        chart = (
            bar_chart(f"Parameter importance, fold {fold.get('fold')}", bars)
            if bars
            else f'<p class="empty">{html.escape(str(note or "not measured"))}</p>'
        )
        parts.append(f"<h3>Fold {_text(fold.get('fold'))}</h3>\n{chart}")
    return (
        '<h2>Parameter importance</h2>\n<p class="note">How much each parameter mattered to'
        " the objective over the fold's trials (Optuna's PED-ANOVA: how far the best trials'"
        " values of it lie from all the trials').</p>\n" + "\n".join(parts)
    )


def _trials_section(folds: Sequence[Mapping[str, Any]], objective: str) -> str:
    parts = []
    for fold in folds:
        trials = fold.get("trials") or []
        names = sorted({name for trial in trials for name in (trial.get("params") or {})})
        head = "".join(f"<th>{html.escape(name)}</th>" for name in names)
        rows = []
        for trial in trials:
            chosen = ' class="chosen"' if trial.get("number") == fold.get("best_trial") else ""
            params = trial.get("params") or {}
            cells = "".join(f'<td class="n">{_text(params.get(name))}</td>' for name in names)
            metrics = trial.get("metrics") or {}
            rows.append(
                f"<tr{chosen}><td>{_text(trial.get('number'))}</td>"
                f"<td>{_text(trial.get('state'))}</td>"
                f'<td class="n">{_score(trial.get("value"))}</td>{cells}'
                f'<td class="n">{_money(metrics.get("net_profit"))}</td>'
                f'<td class="n">{_text(metrics.get("total_trades"))}</td>'
                f"<td>{_text(trial.get('reason') or '')}</td></tr>"
            )
        parts.append(
            f'<h3>Fold {_text(fold.get("fold"))}</h3>\n<div class="wide"><table><thead><tr>'
            "<th>trial</th>"
            f"<th>state</th><th>{html.escape(objective)}</th>{head}<th>net profit</th>"
            f"<th>trades</th><th>note</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "<h2>Trials (in sample)</h2>\n" + "\n".join(parts)


def _text(value: Any) -> str:
    if value is None or value == "":
        return _DASH
    if isinstance(value, dict | list):
        return html.escape(json.dumps(value))
    return html.escape(str(value))


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


def _is_number(value: Any) -> bool:
    number = _decimal(value)
    return number is not None and number.is_finite()


def _money(value: Any) -> str:
    number = _decimal(value)
    return _DASH if number is None or not number.is_finite() else f"{number:,.2f}"


def _percent(value: Any) -> str:
    number = _decimal(value)
    return _DASH if number is None or not number.is_finite() else f"{number:.2%}"


def _share(value: Any) -> str:
    return f"{float(value):.2f}" if isinstance(value, int | float) else _DASH


def _score(value: Any) -> str:
    return f"{float(value):.3f}" if isinstance(value, int | float) else _DASH


def _sign(value: Any) -> str:
    number = _decimal(value)
    if number is None or not number.is_finite() or number == 0:
        return ""
    return "good" if number > 0 else "bad"


def _risk(value: Any, limit: float) -> str:
    return "" if not isinstance(value, int | float) else "bad" if value > limit else "good"


def _trust(value: Any) -> str:
    return "" if not isinstance(value, int | float) else "good" if value >= 0.95 else "bad"


def _window(window: Any) -> str:
    if not isinstance(window, Mapping):
        return _DASH
    return f"{_text(window.get('from'))[:10]} to {_text(window.get('to'))[:10]}"


def _ms(moment: Any) -> int:
    return int(datetime.fromisoformat(str(moment).replace("Z", "+00:00")).timestamp() * 1000)
