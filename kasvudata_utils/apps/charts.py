"""Light SVG charts for the workshop apps (no matplotlib in widget callbacks).

A slider must answer in well under 300 ms on a loaded workshop server; rendering a
matplotlib figure to PNG takes 0.2–0.8 s, writing a few SVG elements takes
milliseconds and adds nothing to a kernel's memory. The charts are plain SVG text
shown in an ``ipywidgets.HTML`` (``kd-chart``), readable on a projector: no chart text is
smaller than 14 px at the chart's full width (issue 17), and ticks step by 1, 2 or 5 × 10^k, never
2.5 (an integer format would print 2.5-point steps as 102, 100, 98, 95 …).

>>> nice_ticks(0, 97)
[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
>>> svg_line_chart([2020, 2021], [("A", [1.0, 2.0], "#e6550d", "")], "T").startswith("<svg")
True
"""
from __future__ import annotations

import html
import math

SVG_W, SVG_H = 600, 290


#: Smallest chart text (ticks, legend, categories) in px at the chart's full width; the title is larger.
FONT_PX, TITLE_PX = 14, 16


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round tick values covering ``[lo, hi]`` with steps of 1, 2 or 5 × 10^k (about ``n`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi - lo < 1e-12:
        lo, hi = lo - (abs(lo) * 0.1 or 1), hi + (abs(hi) * 0.1 or 1)
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while v < hi + step * 0.999:
        ticks.append(round(float(v), 10))
        v += step
    return ticks


def _svg(body: str, title: str, legend: list[tuple[str, str, str]]) -> str:
    """Wrap ``body`` in an SVG with a title and a legend of ``(colour, dash, label)``."""
    items, x = [], 70
    for colour, dash, label in legend:
        items.append(f'<line x1="{x}" y1="38" x2="{x + 22}" y2="38" stroke="{colour}" stroke-width="3" '
                     f'stroke-dasharray="{dash}"/><text x="{x + 27}" y="43" font-size="{FONT_PX}">'
                     f'{html.escape(label)}</text>')
        x += 40 + 8 * len(label)
    return (f'<svg class="kd-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_W} {SVG_H}" '
            f'width="100%" style="max-width:{SVG_W}px;font-family:sans-serif" role="img" '
            f'aria-label="{html.escape(title)}"><text x="{SVG_W / 2}" y="18" font-size="{TITLE_PX}" '
            f'text-anchor="middle" font-weight="bold">{html.escape(title)}</text>{"".join(items)}{body}</svg>')


def svg_line_chart(x, series, title: str, fmt=str) -> str:
    """A line chart as SVG text. ``series`` is a list of ``(label, values, colour, dash)``; NaN breaks a line."""
    left, right, top, bottom = 86, 16, 54, 36
    vals = [v for _, ys, _, _ in series for v in ys if v is not None and math.isfinite(v)]
    ticks = nice_ticks(min(vals), max(vals)) if vals else [0.0, 1.0]
    y0, y1 = ticks[0], ticks[-1]
    xs = list(x)
    x0, x1 = (min(xs), max(xs)) if xs else (0, 1)
    px = lambda v: left + (v - x0) / ((x1 - x0) or 1) * (SVG_W - left - right)  # noqa: E731
    py = lambda v: SVG_H - bottom - (v - y0) / ((y1 - y0) or 1) * (SVG_H - top - bottom)  # noqa: E731
    out = []
    for tv in ticks:
        out.append(f'<line x1="{left}" x2="{SVG_W - right}" y1="{py(tv):.1f}" y2="{py(tv):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{py(tv) + 4:.1f}" font-size="{FONT_PX}" text-anchor="end">'
                   f'{html.escape(fmt(tv))}</text>')
    step = max(1, len(xs) // 8)
    for xv in xs[::step]:
        out.append(f'<text x="{px(xv):.1f}" y="{SVG_H - bottom + 18}" font-size="{FONT_PX}" '
                   f'text-anchor="middle">{xv}</text>')
    for _label, ys, colour, dash in series:
        seg = []
        for xv, yv in list(zip(xs, ys, strict=False)) + [(None, None)]:
            if xv is not None and yv is not None and math.isfinite(yv):
                seg.append(f"{px(xv):.1f},{py(yv):.1f}")
                out.append(f'<circle cx="{px(xv):.1f}" cy="{py(yv):.1f}" r="3" fill="{colour}"/>')
            elif seg:
                out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2.5" '
                           f'stroke-dasharray="{dash}"/>')
                seg = []
    return _svg("".join(out), title, [(c, d, lab) for lab, _, c, d in series])


def svg_bar_chart(categories, series, title: str, fmt=str) -> str:
    """Horizontal grouped bars as SVG text; ``series`` is a list of ``(label, values, colour)``."""
    cats = list(categories)
    left, right, top, bottom = 200, 20, 54, 28
    vals = [v for _, ys, _ in series for v in ys if math.isfinite(v)] + [0.0]
    ticks = nice_ticks(0.0, max(vals))
    xmax = ticks[-1] or 1
    px = lambda v: left + v / xmax * (SVG_W - left - right)  # noqa: E731
    band = (SVG_H - top - bottom) / max(len(cats), 1)
    bar = band * 0.8 / max(len(series), 1)
    out = []
    for tv in ticks:
        out.append(f'<line x1="{px(tv):.1f}" x2="{px(tv):.1f}" y1="{top}" y2="{SVG_H - bottom}" stroke="#ddd"/>'
                   f'<text x="{px(tv):.1f}" y="{SVG_H - bottom + 17}" font-size="{FONT_PX}" text-anchor="middle">'
                   f'{html.escape(fmt(tv))}</text>')
    for i, cat in enumerate(cats):
        yc = top + band * i
        out.append(f'<text x="{left - 6}" y="{yc + band / 2 + 4:.1f}" font-size="{FONT_PX}" text-anchor="end">'
                   f'{html.escape(str(cat))}</text>')
        for j, (label, ys, colour) in enumerate(series):
            v = ys[i] if math.isfinite(ys[i]) else 0.0
            out.append(f'<rect x="{left}" y="{yc + band * 0.1 + j * bar:.1f}" width="{max(px(v) - left, 0):.1f}" '
                       f'height="{bar - 1:.1f}" fill="{colour}"><title>{html.escape(label)}: '
                       f'{html.escape(fmt(v))}</title></rect>')
    return _svg("".join(out), title, [(c, "", lab) for lab, _, c in series])

