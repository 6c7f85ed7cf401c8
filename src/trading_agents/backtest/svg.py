"""Small charts drawn as inline SVG: a page that needs no script and never reaches the network."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import UTC, datetime

WIDTH, HEIGHT = 720, 260
_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 64, 16, 12, 28
_TICKS = 5


class _Frame:
    """Map data coordinates into the plot area of one chart."""

    def __init__(self, xs: Sequence[float], ys: Sequence[float], square: bool = False) -> None:
        self.x0, self.x1 = _span(xs)
        self.y0, self.y1 = _span(ys)
        if square:  # one scale on both axes, so the diagonal means "equal"
            low, high = min(self.x0, self.y0), max(self.x1, self.y1)
            self.x0 = self.y0 = low
            self.x1 = self.y1 = high
        self.width = WIDTH - _PAD_LEFT - _PAD_RIGHT
        self.height = HEIGHT - _PAD_TOP - _PAD_BOTTOM

    def x(self, value: float) -> float:
        """Return the horizontal pixel of a data value."""
        return _PAD_LEFT + (value - self.x0) / (self.x1 - self.x0) * self.width

    def y(self, value: float) -> float:
        """Return the vertical pixel of a data value."""
        return _PAD_TOP + (1 - (value - self.y0) / (self.y1 - self.y0)) * self.height


def _span(values: Sequence[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if low == high:  # a flat series still gets an axis around it
        pad = abs(low) * 0.01 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.04
    return low - pad, high + pad


def _number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _day(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def _axes(frame: _Frame, x_label: str, y_label: str, time_axis: bool) -> list[str]:
    parts = []
    for i in range(_TICKS + 1):
        value = frame.y0 + (frame.y1 - frame.y0) * i / _TICKS
        y = frame.y(value)
        parts.append(
            f'<line class="grid" x1="{_PAD_LEFT}" x2="{WIDTH - _PAD_RIGHT}" y1="{y:.1f}"'
            f' y2="{y:.1f}"/><text class="tick" x="{_PAD_LEFT - 6}" y="{y + 4:.1f}"'
            f' text-anchor="end">{_number(value)}</text>'
        )
    for i in range(_TICKS + 1):
        value = frame.x0 + (frame.x1 - frame.x0) * i / _TICKS
        label = _day(value) if time_axis else _number(value)
        anchor = "end" if i == _TICKS else "middle"  # the last label stays inside the frame
        parts.append(
            f'<text class="tick" x="{frame.x(value):.1f}" y="{HEIGHT - 8}"'
            f' text-anchor="{anchor}">{label}</text>'
        )
    parts.append(
        f'<text class="axis" x="{WIDTH - _PAD_RIGHT}" y="{HEIGHT - _PAD_BOTTOM - 4}"'
        f' text-anchor="end">{html.escape(x_label)}</text>'
        f'<text class="axis" x="{_PAD_LEFT + 4}" y="{_PAD_TOP + 12}">{html.escape(y_label)}</text>'
    )
    return parts


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def line_chart(
    title: str,
    series: Sequence[tuple[float, float]],
    y_label: str,
    breaks: Sequence[float] = (),
) -> str:
    """Draw one series over time (milliseconds), with dashed lines where `breaks` fall."""
    if not series:
        return f'<p class="empty">{html.escape(title)}: nothing to draw</p>'
    frame = _Frame([x for x, _ in series], [y for _, y in series])
    parts = _axes(frame, "", y_label, time_axis=True)
    for moment in breaks:
        x = frame.x(moment)
        parts.append(
            f'<line class="break" x1="{x:.1f}" x2="{x:.1f}" y1="{_PAD_TOP}"'
            f' y2="{HEIGHT - _PAD_BOTTOM}"/>'
        )
    points = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in series)
    parts.append(f'<polyline class="line" points="{points}"/>')
    return _svg(title, parts)


def scatter_chart(
    title: str,
    points: Sequence[tuple[float, float, str]],
    x_label: str,
    y_label: str,
) -> str:
    """Draw points (x, y, tooltip) on one scale, with the diagonal where y equals x."""
    finite = [(x, y, tip) for x, y, tip in points if math.isfinite(x) and math.isfinite(y)]
    if not finite:
        return f'<p class="empty">{html.escape(title)}: nothing to draw</p>'
    frame = _Frame([x for x, _, _ in finite], [y for _, y, _ in finite], square=True)
    parts = _axes(frame, x_label, y_label, time_axis=False)
    parts.append(
        f'<line class="diagonal" x1="{frame.x(frame.x0):.1f}" y1="{frame.y(frame.y0):.1f}"'
        f' x2="{frame.x(frame.x1):.1f}" y2="{frame.y(frame.y1):.1f}"/>'
    )
    for x, y, tip in finite:
        parts.append(
            f'<circle class="dot" cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="4">'
            f"<title>{html.escape(tip)}</title></circle>"
        )
    return _svg(title, parts)


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """Draw labelled horizontal bars of shares between zero and one."""
    if not bars:
        return f'<p class="empty">{html.escape(title)}: nothing to draw</p>'
    row = 26
    height = _PAD_TOP + row * len(bars) + 8
    label_width = 220
    span = WIDTH - label_width - _PAD_RIGHT - 60
    parts = []
    for i, (label, share) in enumerate(bars):
        y = _PAD_TOP + i * row
        length = max(0.0, min(1.0, share)) * span
        parts.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
            f"{html.escape(label)}</text>"
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{length:.1f}" height="16"/>'
            f'<text class="tick" x="{label_width + length + 6:.1f}" y="{y + 16}">{share:.0%}</text>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )
