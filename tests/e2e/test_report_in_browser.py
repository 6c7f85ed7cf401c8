"""The report page in headless Chromium: its script draws every chart, line and trade marker."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.support.backtest_results import backtest_result
from tests.support.browser import Chromium, read_png, require_chromium
from trading_agents.backtest.report import TABLE_EDGE_ROWS, render_report

EQUITY_POINTS = 1_500
PRICE_POINTS = 2_000
TRADES = 40
BLUE, GREEN, RED = (0x25, 0x63, 0xEB), (0x05, 0x96, 0x69), (0xDC, 0x26, 0x26)  # report's CSS


@dataclass
class Chart:
    """The elements the page's script drew inside one chart's root svg."""

    name: str
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def series(self) -> list[int]:
        """Return the number of points of each drawn line."""
        counts = []
        for tag, attrs in self.elements:
            if "series" not in attrs.get("class", "").split():
                continue
            if tag == "path":
                counts.append(len(re.findall(r"[ML]", attrs.get("d", ""))))
            elif tag == "polyline":
                counts.append(len(attrs.get("points", "").split()))
        return counts

    def markers(self) -> list[dict[str, str]]:
        """Return the attributes of every marker element."""
        return [attrs for _, attrs in self.elements if "marker" in attrs.get("class", "").split()]


class ChartReader(HTMLParser):
    """Collect the body's data attributes and each chart svg's drawn elements."""

    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str] = {}
        self.charts: dict[str, Chart] = {}
        self.table_rows = 0
        self._current: Chart | None = None
        self._in_trades = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note the element under the chart being read."""
        values = {name: value or "" for name, value in attrs}
        if tag == "body":
            self.body = values
        elif tag == "svg" and "data-chart" in values:
            self._current = self.charts[values["data-chart"]] = Chart(values["data-chart"])
        elif self._current is not None:
            self._current.elements.append((tag, values))
        elif tag == "table":
            self._in_trades = values.get("class") == "trades"
        elif tag == "tr" and self._in_trades:
            self.table_rows += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Read a self-closed element like an opened one."""
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Leave the chart at the end of its svg."""
        if tag == "svg":
            self._current = None
        elif tag == "table":
            self._in_trades = False


def read_dom(dom: str) -> ChartReader:
    """Return the charts and body attributes of a dumped DOM."""
    reader = ChartReader()
    reader.feed(dom)
    reader.close()
    return reader


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    """Return headless Chromium with a throwaway profile, or skip (fail on CI) without it."""
    return Chromium(require_chromium(), tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    """Return a run with a few dozen trades over two symbols."""
    return backtest_result(
        trades=TRADES, equity_points=EQUITY_POINTS, price_points=PRICE_POINTS, seed=11
    )


@pytest.fixture(scope="module")
def page(result: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the report written to a file."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(result), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def drawn(chromium: Chromium, page: Path) -> ChartReader:
    """Return what the page holds after Chromium ran its script."""
    return read_dom(chromium.dump_dom(page))


def test_the_script_finishes_and_marks_the_page_ready(drawn: ChartReader) -> None:
    assert "data-charts-error" not in drawn.body, drawn.body["data-charts-error"]
    assert drawn.body.get("data-charts-ready") == "true"


def test_equity_and_drawdown_are_lines_through_every_point(drawn: ChartReader) -> None:
    assert drawn.charts["equity"].series() == [EQUITY_POINTS]
    assert drawn.charts["drawdown"].series() == [EQUITY_POINTS]


def test_each_symbol_has_a_price_line_with_a_marker_per_entry_and_exit(
    drawn: ChartReader, result: dict[str, Any]
) -> None:
    for symbol in ("BTCUSDT", "ETHUSDT"):
        chart = drawn.charts[f"price-{symbol}"]
        trades = [trade for trade in result["trades"] if trade["symbol"] == symbol]
        kinds = Counter(marker["class"] for marker in chart.markers())

        assert chart.series() == [PRICE_POINTS]
        assert kinds == {
            "marker entry long": sum(trade["side"] == "long" for trade in trades),
            "marker entry short": sum(trade["side"] == "short" for trade in trades),
            "marker exit": len(trades),
        }


def test_a_marker_tells_the_time_price_and_pnl_of_its_trade(
    drawn: ChartReader, result: dict[str, Any]
) -> None:
    trade = result["trades"][0]
    labels = [m["aria-label"] for m in drawn.charts[f"price-{trade['symbol']}"].markers()]
    entry_time = trade["entry_time"][:16].replace("T", " ")

    assert any(
        trade["trade_id"] in label
        and f"{entry_time} UTC @ {trade['entry_price']}" in label
        and f"Net PnL {trade['net_pnl']}" in label
        for label in labels
    ), labels[:4]


def test_the_screenshot_shows_the_drawn_charts(chromium: Chromium, page: Path) -> None:
    png = page.with_suffix(".png")

    chromium.screenshot(page, png, width=1280, height=2200)

    image = read_png(png)
    colours = image.colours()
    background_share = colours.most_common(1)[0][1] / (image.width * image.height)
    assert (image.width, image.height) == (1280, 2200)
    assert background_share < 0.9
    assert len(colours) > 500  # text, lines and markers are antialiased into many shades
    assert colours[BLUE] > 300  # the equity line
    assert colours[GREEN] > 50  # long entries and winning exits
    assert colours[RED] > 50  # short entries, losing exits and the drawdown line


def test_a_long_run_still_draws_every_point_and_trade(chromium: Chromium, tmp_path: Path) -> None:
    trades, points, prices = 50_000, 10_000, 5_000
    result = backtest_result(trades=trades, equity_points=points, price_points=prices)
    page = tmp_path / "report.html"
    page.write_text(render_report(result), encoding="utf-8")

    drawn = read_dom(chromium.dump_dom(page, budget_ms=1000))

    assert drawn.body.get("data-charts-ready") == "true"
    assert drawn.charts["equity"].series() == [points]
    assert drawn.charts["price-BTCUSDT"].series() == [prices]
    # So many markers are drawn as one path per kind, each with a shape per trade.
    markers = drawn.charts["price-BTCUSDT"].markers() + drawn.charts["price-ETHUSDT"].markers()
    shapes: Counter[str] = Counter()
    for marker in markers:
        shapes[marker["class"]] += marker["d"].count("M")
    longs = sum(trade["side"] == "long" for trade in result["trades"])
    assert shapes == {
        "marker entry long": longs,
        "marker entry short": trades - longs,
        "marker exit": trades,
    }
    assert drawn.table_rows == 1 + 2 * TABLE_EDGE_ROWS + 1  # head, both ends and the gap
