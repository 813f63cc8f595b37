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
#: The same in projector mode (:meth:`kasvudata_utils.apps.common.BaseApp.set_projector`).
PROJECTOR_FONT_PX = 18
#: Average glyph width of the chart font (DejaVu Sans / Arial) as a share of its size, to size margins.
CHAR_EM = 0.6


def text_width(text: str, font_px: float) -> float:
    """Estimated drawn width (px) of ``text`` at ``font_px``: generous, so a label is never cut."""
    return len(str(text)) * font_px * CHAR_EM


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


def _legend_rows(legend, font_px: float, x0: float = 70) -> list[list[tuple[float, tuple]]]:
    """The legend items laid out left to right, wrapping to a new row before the chart's right edge."""
    rows: list[list[tuple[float, tuple]]] = [[]]
    x = x0
    for item in legend:
        w = 27 + text_width(item[2], font_px) + 16
        if rows[-1] and x + w > SVG_W - 4:
            rows.append([])
            x = x0
        rows[-1].append((x, item))
        x += w
    return rows


def _top(legend, font_px: float) -> float:
    """Top edge of the plot area: below the title and the legend rows."""
    return 22 + (font_px + 6) * (len(_legend_rows(legend, font_px)) + 1) - 4


def _svg(body: str, title: str, legend: list[tuple[str, str, str]], font_px: float = FONT_PX,
         height: float = SVG_H) -> str:
    """Wrap ``body`` in an SVG with a title and a legend of ``(colour, dash, label)``."""
    items = []
    for r, row in enumerate(_legend_rows(legend, font_px)):
        y = 22 + (font_px + 6) * (r + 1)
        for x, (colour, dash, label) in row:
            items.append(f'<line x1="{x:.0f}" y1="{y - font_px * 0.35:.1f}" x2="{x + 22:.0f}" '
                         f'y2="{y - font_px * 0.35:.1f}" stroke="{colour}" stroke-width="3" '
                         f'stroke-dasharray="{dash}"/><text x="{x + 27:.0f}" y="{y:.1f}" font-size="{font_px}">'
                         f'{html.escape(label)}</text>')
    title_px = font_px + (TITLE_PX - FONT_PX)
    return (f'<svg class="kd-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_W} {height:.0f}" '
            f'width="100%" style="max-width:{SVG_W}px;font-family:sans-serif" role="img" '
            f'aria-label="{html.escape(title)}"><text x="{SVG_W / 2}" y="{title_px + 2}" font-size="{title_px}" '
            f'text-anchor="middle" font-weight="bold">{html.escape(title)}</text>{"".join(items)}{body}</svg>')


def svg_line_chart(x, series, title: str, fmt=str, font_px: float = FONT_PX) -> str:
    """A line chart as SVG text. ``series`` is a list of ``(label, values, colour, dash)``; NaN breaks a line.

    ``font_px`` is the size of every text but the title (:data:`PROJECTOR_FONT_PX` in projector mode);
    margins and legend rows grow with it so that no tick label or legend text is cut.
    """
    legend = [(c, d, lab) for lab, _, c, d in series]
    vals = [v for _, ys, _, _ in series for v in ys if v is not None and math.isfinite(v)]
    ticks = nice_ticks(min(vals), max(vals)) if vals else [0.0, 1.0]
    right, top, bottom = 12 + text_width("2000", font_px) / 2, _top(legend, font_px), font_px + 18
    left = 14 + max(text_width(fmt(tv), font_px) for tv in ticks)
    y0, y1 = ticks[0], ticks[-1]
    xs = list(x)
    x0, x1 = (min(xs), max(xs)) if xs else (0, 1)
    inset = text_width("2000", font_px) / 2  # the first year's label clears the lowest y tick label
    px = lambda v: left + inset + (v - x0) / ((x1 - x0) or 1) * (SVG_W - left - right - inset)  # noqa: E731
    py = lambda v: SVG_H - bottom - (v - y0) / ((y1 - y0) or 1) * (SVG_H - top - bottom)  # noqa: E731
    out = []
    for tv in ticks:
        out.append(f'<line x1="{left:.1f}" x2="{SVG_W - right:.1f}" y1="{py(tv):.1f}" y2="{py(tv):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 6:.1f}" y="{py(tv) + font_px * 0.3:.1f}" '
                   f'font-size="{font_px}" text-anchor="end">{html.escape(fmt(tv))}</text>')
    step = max(1, math.ceil(len(xs) * (text_width("2000", font_px) + 10) / (SVG_W - left - right)))
    for xv in xs[::step]:
        out.append(f'<text x="{px(xv):.1f}" y="{SVG_H - bottom + font_px + 4}" font-size="{font_px}" '
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
    return _svg("".join(out), title, legend, font_px)


def svg_bar_chart(categories, series, title: str, fmt=str, font_px: float = FONT_PX) -> str:
    """Horizontal grouped bars as SVG text; ``series`` is a list of ``(label, values, colour)``.

    The left margin fits the longest category name (up to 40 % of the width; a longer name wraps
    onto two lines) and the right margin half the last tick label, so that no label is cut.
    """
    cats = list(categories)
    legend = [(c, "", lab) for lab, _, c in series]
    vals = [v for _, ys, _ in series for v in ys if math.isfinite(v)] + [0.0]
    ticks = nice_ticks(0.0, max(vals))
    lines = {cat: _wrap(str(cat), font_px, SVG_W * 0.4) for cat in cats}
    left = 10 + max((text_width(x, font_px) for ls in lines.values() for x in ls), default=0)
    right = 6 + text_width(fmt(ticks[-1]), font_px) / 2
    top, bottom = _top(legend, font_px), font_px + 14
    xmax = ticks[-1] or 1
    px = lambda v: left + v / xmax * (SVG_W - left - right)  # noqa: E731
    band = (SVG_H - top - bottom) / max(len(cats), 1)
    bar = band * 0.8 / max(len(series), 1)
    out = []
    for tv in ticks:
        out.append(f'<line x1="{px(tv):.1f}" x2="{px(tv):.1f}" y1="{top}" y2="{SVG_H - bottom}" stroke="#ddd"/>'
                   f'<text x="{px(tv):.1f}" y="{SVG_H - bottom + font_px + 3}" font-size="{font_px}" '
                   f'text-anchor="middle">{html.escape(fmt(tv))}</text>')
    for i, cat in enumerate(cats):
        yc = top + band * i
        ls = lines[cat]
        y_first = yc + band / 2 + font_px * 0.3 - (len(ls) - 1) * (font_px + 1) / 2
        spans = "".join(f'<tspan x="{left - 6:.1f}" y="{y_first + k * (font_px + 1):.1f}">{html.escape(x)}</tspan>'
                        for k, x in enumerate(ls))
        out.append(f'<text font-size="{font_px}" text-anchor="end">{spans}</text>')
        for j, (label, ys, colour) in enumerate(series):
            v = ys[i] if math.isfinite(ys[i]) else 0.0
            out.append(f'<rect x="{left}" y="{yc + band * 0.1 + j * bar:.1f}" width="{max(px(v) - left, 0):.1f}" '
                       f'height="{bar - 1:.1f}" fill="{colour}"><title>{html.escape(label)}: '
                       f'{html.escape(fmt(v))}</title></rect>')
    return _svg("".join(out), title, legend, font_px)


def _wrap(text: str, font_px: float, width: float) -> list[str]:
    """``text`` on one line, or on two split at a space when wider than ``width`` px."""
    if text_width(text, font_px) <= width or " " not in text:
        return [text]
    words, best = text.split(" "), None
    for k in range(1, len(text.split(" "))):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        w = max(text_width(a, font_px), text_width(b, font_px))
        if best is None or w < best[0]:
            best = (w, [a, b])
    return best[1]

