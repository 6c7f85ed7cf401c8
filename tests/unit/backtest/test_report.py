"""The backtest report page: self-contained, escaped, and complete on any result."""

from __future__ import annotations

import json
import re
from types import MappingProxyType
from typing import Any

import pytest

from tests.support.backtest_results import backtest_result
from trading_agents.backtest.report import TABLE_EDGE_ROWS, chart_data, render_report

HOSTILE = "</script><script>alert(1)</script>"
_DATA_TAG = re.compile(
    r'<script type="application/json" id="report-data">(?P<json>.*?)</script>', re.DOTALL
)


def embedded_data(page: str) -> dict[str, Any]:
    """Return the JSON the page's charts are drawn from."""
    found = _DATA_TAG.search(page)
    assert found is not None, "no report-data script tag"
    data: dict[str, Any] = json.loads(found["json"])
    return data


def trade_rows(page: str) -> list[str]:
    """Return the rows of the trade table's body."""
    body = page.split('<table class="trades"', 1)[1].split("<tbody>", 1)[1]
    return re.findall(r"<tr[ >].*?</tr>", body.split("</tbody>", 1)[0])


def test_the_page_loads_nothing_from_anywhere_else() -> None:
    page = render_report(backtest_result())

    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert "@import" not in page
    assert "url(" not in page
    assert not re.search(r"<script[^>]*\ssrc=", page, re.IGNORECASE)
    assert "default-src 'none'" in page  # the browser itself refuses anything remote


def test_the_page_has_one_document_with_inline_style_and_script() -> None:
    page = render_report(backtest_result())

    assert page.startswith("<!doctype html>")
    assert page.count("<style>") == 1
    assert page.count("<script") == 2
    assert page.count("</script>") == 2
    assert page.rstrip().endswith("</html>")


def test_hostile_text_cannot_leave_its_element() -> None:
    result = backtest_result(trades=4, symbols=(HOSTILE, "ETHUSDT"))
    result["agent"] = '<img src=x onerror="alert(2)">'
    result["strategy"] = "a & b"
    result["trades"][0]["trade_id"] = HOSTILE

    page = render_report(result)

    assert HOSTILE not in page
    assert "<img" not in page
    assert page.count("<script") == 2  # the hostile "<script>" never became a tag
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "a &amp; b" in page
    data = embedded_data(page)
    assert HOSTILE in data["prices"]
    assert data["trades"][0][7] == HOSTILE


def test_the_data_tag_holds_the_curve_the_prices_and_every_trade() -> None:
    result = backtest_result(trades=30, equity_points=120, price_points=400)

    data = embedded_data(render_report(result))

    assert data["initial_equity"] == 10000.0
    assert len(data["equity"]) == 120
    first = result["equity_curve"][0]
    assert data["equity"][0] == [first["ts_ms"], float(first["equity"]), float(first["drawdown"])]
    assert {symbol: len(series) for symbol, series in data["prices"].items()} == {
        "BTCUSDT": 400,
        "ETHUSDT": 400,
    }
    trade = result["trades"][0]
    assert data["trades"][0] == [
        trade["symbol"],
        trade["side"],
        trade["entry_ms"],
        trade["entry_price"],
        trade["exit_ms"],
        trade["exit_price"],
        trade["net_pnl"],
        trade["trade_id"],
    ]
    assert len(data["trades"]) == 30


def hostile_result() -> dict[str, Any]:
    """Return a result whose texts need escaping, in JSON and in the page."""
    result = backtest_result(trades=4, symbols=(HOSTILE, "ÉTH\u2603"))
    result["trades"][0]["trade_id"] = 'a "quoted" \\ id\n'
    result["trades"][1]["net_pnl"] = "<&>"
    return result


def odd_times_result() -> dict[str, Any]:
    """Return a result whose trades give their times as other kinds of JSON value."""
    result = backtest_result(trades=5)
    result["trades"][0]["entry_ms"] = True
    result["trades"][1]["exit_ms"] = 1.5
    result["trades"][2]["exit_ms"] = "later"
    result["trades"][3]["exit_ms"] = None
    return result


@pytest.mark.parametrize(
    "result",
    [
        backtest_result(trades=30),
        hostile_result(),
        odd_times_result(),
        backtest_result(trades=0, equity_points=0, price_points=0),
        {},
    ],
    ids=["plain", "hostile-text", "odd-times", "empty", "bare"],
)
def test_the_data_tag_holds_the_chart_data_as_compact_json_that_cannot_end_the_script(
    result: dict[str, Any],
) -> None:
    text = json.dumps(chart_data(result), separators=(",", ":"), allow_nan=False)
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    found = _DATA_TAG.search(render_report(result))

    assert found is not None
    assert found["json"] == escaped


def test_a_point_that_is_not_a_finite_number_is_left_off_the_charts() -> None:
    result = backtest_result(trades=6, equity_points=8, price_points=8)
    curve = result["equity_curve"]
    for point, bad in zip(curve[:6], ("NaN", "1e999", "-Infinity", "abc", None, True), strict=True):
        point["equity"] = bad
    curve[6]["equity"] = "12.5"  # text, a Decimal's or not: read as the number it writes
    curve[7]["equity"] = 7
    result["prices"]["BTCUSDT"][0][1] = "sNaN"
    result["trades"][0]["entry_price"] = "inf"
    result["trades"][1]["exit_price"] = "not a price"

    data = embedded_data(render_report(result))

    assert [point[1] for point in data["equity"]] == [12.5, 7.0]
    assert len(data["prices"]["BTCUSDT"]) == 7
    assert len(data["trades"]) == 5  # a trade without an entry price is not drawn
    assert data["trades"][0][4] is None  # one without an exit price is drawn as still open


def test_there_is_a_chart_frame_for_equity_drawdown_and_each_symbol() -> None:
    page = render_report(backtest_result())

    assert re.findall(r'data-chart="([^"]+)"', page) == [
        "equity",
        "drawdown",
        "price-BTCUSDT",
        "price-ETHUSDT",
    ]


def test_the_header_names_the_run() -> None:
    page = render_report(backtest_result())

    for fact in ("atlas", "reference", "rules", "BTCUSDT, ETHUSDT", "1m", "146,278", "0.81 s"):
        assert fact in page
    assert "2025-05-04 15:33:00 → 2025-06-24 00:00:00 UTC" in page


def test_every_metric_is_shown_formatted() -> None:
    result = backtest_result()
    result["metrics"] |= {
        "win_rate": "0.5833",
        "net_profit": "1234.5",
        "max_drawdown": "0.0123",
        "sharpe": 1.234,
        "profit_factor": None,
        "something_new": "42",
    }

    page = render_report(result)

    cells = dict(re.findall(r'data-metric="([^"]+)">([^<]*)</td>', page))
    assert set(cells) == set(result["metrics"])
    assert cells["win_rate"] == "58.33 %"
    assert cells["net_profit"] == "1,234.50"
    assert cells["max_drawdown"] == "1.23 %"
    assert cells["sharpe"] == "1.23"
    assert cells["profit_factor"] == "—"
    assert cells["something_new"] == "42"
    assert cells["total_trades"] == "12"


def test_each_trade_has_a_row_with_its_figures() -> None:
    result = backtest_result(trades=12)

    rows = trade_rows(render_report(result))

    assert len(rows) == 12
    for row, trade in zip(rows, result["trades"], strict=True):
        assert f"<td>{trade['trade_id']}</td>" in row
        assert f'<span class="side {trade["side"]}">' in row
        for key in ("quantity", "entry_price", "exit_price", "realized_pnl", "fees", "net_pnl"):
            assert f">{trade[key]}</td>" in row
        assert trade["entry_time"].replace("T", " ").rstrip("Z") in row


def test_a_long_trade_list_shows_its_two_ends_and_says_so() -> None:
    total = 2 * TABLE_EDGE_ROWS + 37
    result = backtest_result(trades=total, equity_points=50, price_points=300)

    page = render_report(result)

    rows = trade_rows(page)
    assert len(rows) == 2 * TABLE_EDGE_ROWS + 1
    assert rows[TABLE_EDGE_ROWS].startswith('<tr class="gap">')
    assert "37 trades" in rows[TABLE_EDGE_ROWS]
    assert f"<td>{result['trades'][0]['trade_id']}</td>" in rows[0]
    assert f"<td>{result['trades'][-1]['trade_id']}</td>" in rows[-1]
    assert f"<td>{result['trades'][TABLE_EDGE_ROWS]['trade_id']}</td>" not in page
    assert f"Showing the first and last {TABLE_EDGE_ROWS} of {total:,} trades" in page
    assert len(embedded_data(page)["trades"]) == total  # the charts still get every trade


def test_a_run_without_trades_or_equity_still_renders() -> None:
    result = backtest_result(trades=0, equity_points=0, price_points=0)

    page = render_report(result)

    assert "No trades." in page
    assert 'data-chart="equity"' in page
    assert embedded_data(page) == {
        "initial_equity": 10000.0,
        "equity": [],
        "prices": {"BTCUSDT": [], "ETHUSDT": []},
        "trades": [],
    }


def test_a_bare_result_renders_with_dashes() -> None:
    page = render_report({})

    assert "No trades." in page
    assert "No metrics." in page
    assert "No prices." in page
    assert "<title>Backtest</title>" in page
    assert embedded_data(page)["equity"] == []


def test_missing_strategy_and_ratios_show_a_dash() -> None:
    result = backtest_result()
    result["strategy"] = None
    result["metrics"] |= {"sharpe": None, "sortino": None}

    page = render_report(result)

    assert "<dt>Strategy</dt><dd>—</dd>" in page
    cells = dict(re.findall(r'data-metric="([^"]+)">([^<]*)</td>', page))
    assert cells["sharpe"] == cells["sortino"] == "—"


def test_trades_as_read_only_mappings_render_as_dicts_do() -> None:
    result = backtest_result(trades=6)
    read_only = {**result, "trades": [MappingProxyType(trade) for trade in result["trades"]]}

    assert render_report(read_only) == render_report(result)
