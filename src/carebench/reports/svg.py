"""Small inline SVG charts for the HTML reports: plain shapes and text, no scripts, no external references."""

from __future__ import annotations

import math
from datetime import date
from html import escape

from ..app.present import money, number, short_date

INK = "#1f2933"
MUTED = "#7b8794"
LINE = "#2f6fab"
TARGET = "#2e7d32"
BAND_FILL = {"red": "#fde2e1", "yellow": "#fff4cc", "green": "#e3f4e4"}


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    label = escape(title, quote=True)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{label}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11, fill: str = MUTED) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'


def line_chart(
    points: list[tuple[date, float]],
    title: str,
    *,
    target: float | None = None,
    unit: str = "",
    health_bands: bool = False,
    width: int = 560,
    height: int = 170,
) -> str:
    """Values over time (x proportional to the date), with an optional target line or the health bands behind."""
    left, right, top, bottom = 48, 16, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in points]
    if health_bands:
        low, high = max(0.0, math.floor(min(values + [6.0])) - 1), 10.0
    else:
        known = values + ([target] if target is not None else [])
        low, high = min(known), max(known)
        pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    first = points[0][0].toordinal()
    span_x = (points[-1][0].toordinal() - first) or 1

    def x(day: date) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        return left + (day.toordinal() - first) / span_x * plot_w

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * plot_h

    body: list[str] = []
    if health_bands:
        for band, lo, hi in (("red", low, 6.0), ("yellow", 6.0, 8.0), ("green", 8.0, high)):
            if hi > lo:
                body.append(f'<rect x="{left}" y="{y(hi):.1f}" width="{plot_w}" height="{y(lo) - y(hi):.1f}" fill="{BAND_FILL[band]}"/>')
        for mark in (6.0, 8.0):
            body.append(_text(left - 6, y(mark) + 4, number(mark), "end"))
        body.append(_text(left - 6, y(high) + 4, number(high), "end"))
    else:
        body.append(_text(left - 6, y(max(values)) + 4, number(max(values)), "end"))
        if y(min(values)) - y(max(values)) >= 14:  # room for a second label
            body.append(_text(left - 6, y(min(values)) + 4, number(min(values)), "end"))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{MUTED}" stroke-width="1"/>')
    if target is not None:
        body.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{left + plot_w}" y2="{y(target):.1f}" stroke="{TARGET}" '
            'stroke-width="1.5" stroke-dasharray="5 4"/>'
        )
        body.append(_text(left + plot_w, y(target) - 4, f"target {number(target)}{unit}", "end", fill=TARGET))
    path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
    if len(points) > 1:
        body.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2" stroke-linejoin="round"/>')
    for d, v in points if len(points) <= 24 else points[-1:]:
        body.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3" fill="{LINE}"/>')
    body.append(_text(left, height - 8, short_date(points[0][0])))
    if len(points) > 1:
        body.append(_text(left + plot_w, height - 8, short_date(points[-1][0]), "end"))
    return _frame(width, height, title, body)


def bar_chart(bars: list[tuple[str, float]], title: str, *, width: int = 560, height: int = 170) -> str:
    """One bar per label (months of savings, say), the amount written above each."""
    left, right, top, bottom = 12, 12, 18, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    high = max([v for _, v in bars] + [0.0]) or 1.0
    low = min([v for _, v in bars] + [0.0])
    span = high - low
    slot = plot_w / max(len(bars), 1)
    zero = top + high / span * plot_h
    body = [f'<line x1="{left}" y1="{zero:.1f}" x2="{left + plot_w}" y2="{zero:.1f}" stroke="{MUTED}" stroke-width="1"/>']
    for i, (label, value) in enumerate(bars):
        bar_h = abs(value) / span * plot_h
        bx = left + i * slot + slot * 0.15
        by = zero - bar_h if value >= 0 else zero
        body.append(f'<rect x="{bx:.1f}" y="{by:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" fill="{LINE}"/>')
        body.append(_text(bx + slot * 0.35, by - 4 if value >= 0 else by + bar_h + 12, money(value), "middle", 10, INK))
        body.append(_text(bx + slot * 0.35, height - 8, label, "middle"))
    return _frame(width, height, title, body)
