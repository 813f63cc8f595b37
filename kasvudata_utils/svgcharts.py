r"""The reports' bar and line charts written directly as SVG, without matplotlib (issue 18).

Drawing a report's ten charts with matplotlib and saving them through its SVG backend cost about
0.5 s of CPU an area report (figure, axes and tick objects, text layout, the backend), roughly half of
all the report's work in a warm kernel. The charts are simple (horizontal bars, lines over years), so
this module writes the same pictures as SVG text itself: the house style of
:mod:`kasvudata_utils.plots` (Okabe & Ito palette, its fonts and sizes at 100 dpi, left-aligned title
wrapped by :func:`~kasvudata_utils.plots.title_lines`, category labels wrapped by
:func:`~kasvudata_utils.plots.short_label`), text as text, the title as ``<title>`` and
``aria-label``, ticks at 1-2-5 steps (:func:`nice_ticks`), rates and levels from zero, numbers in the
reader's language, and the source line with the data badge at the bottom.

A suppressed value never reaches the SVG: it is removed before anything is drawn, its bar is a hatched
stub of 15 % of the axis span marked "salattu"/"suppressed", and the chart's data
(:attr:`SvgChart.kd_data`, the chart CSV) hold ``None`` for it.

>>> c = bar_chart(["C", "G"], [1.0, 2.0], suppressed=[False, True], title="t", unit="u",
...               prov={"kind": "real", "sources": []})
>>> c.kd_data
[{'label': 'C', 'value': 1.0, 'suppressed': False}, {'label': 'G', 'value': None, 'suppressed': True}]
>>> c.svg.startswith("<svg"), (c.width, c.height)
(True, (900, 320))
"""
from __future__ import annotations

import html
import math

from kasvudata_utils.labels import t
from kasvudata_utils.numbers import format_number, is_missing
from kasvudata_utils.plots import (
    AREA_COLOUR,
    NEGATIVE_COLOUR,
    NEUTRAL_COLOUR,
    PALETTE,
    POSITIVE_COLOUR,
    REFERENCE_COLOUR,
    SVG_FONTS,
    TITLE_LINE_IN,
    _label_margin,
    short_label,
    tick_decimals,
    title_lines,
)
from kasvudata_utils.provenance import sources_text

#: Pixels per inch (the charts' figure dpi) and per typographic point.
DPI = 100.0
PX_PER_PT = DPI / 72.0
#: Font sizes in points, as in :data:`kasvudata_utils.plots._RC`.
TITLE_PT, LABEL_PT, TICK_PT, VALUE_PT, FOOTER_PT, LEGEND_PT = 15.0, 13.0, 12.0, 10.0, 9.5, 12.0
#: Average advance of a character in em (DejaVu Sans, Finnish text): for layout only (wrapping, legends).
CHAR_EM = 0.6
GRID = 'stroke="#b0b0b0" stroke-opacity="0.3" stroke-width="1.1"'
SUPPRESSED_STUB = 0.15  # the hatched stub of a suppressed bar, as a share of the axis span


def _value(v):
    return None if is_missing(v) else float(v)


def _num(x: float) -> str:
    """A coordinate with at most one decimal (``12.0`` → ``12``).

    >>> _num(12.04), _num(3.0), _num(-0.04)
    ('12', '3', '0')
    """
    s = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def nice_ticks(lo: float, hi: float, nbins: int = 6, integer: bool = False) -> list[float]:
    """Ticks within ``[lo, hi]`` at a 1-2-5 step (whole steps only with ``integer``).

    The step is the smallest of 1, 2, 5 or 10 × 10^k giving at most ``nbins`` intervals over the range.

    The rule of matplotlib's ``MaxNLocator(nbins, steps=[1, 2, 5, 10])`` that the charts used: 2.5 is
    not a step, so no tick label repeats or skips after rounding.

    >>> nice_ticks(0, 1770)
    [0.0, 500.0, 1000.0, 1500.0]
    >>> nice_ticks(84.25, 100.75, integer=True)
    [85.0, 90.0, 95.0, 100.0]
    >>> nice_ticks(0, 2.6)
    [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [float(lo)] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, nbins)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10, 20) if m * mag >= raw * (1 - 1e-9))
    if integer and step < 1:
        step = 1.0
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


class SvgChart:
    """A finished chart: its SVG text, pixel size, title (the text alternative) and drawn numbers.

    Displayed in a notebook as ``image/svg+xml`` with ``width``/``height``/``alt`` metadata, like the
    report's :class:`~kasvudata_utils.reports.common.ChartImage`.
    """

    def __init__(self, svg: str, width: int, height: int, alt: str, kd_data: list[dict]):
        self.svg, self.width, self.height, self.alt, self.kd_data = svg, width, height, alt, kd_data

    def _repr_mimebundle_(self, include=None, exclude=None):
        meta = {"width": self.width, "height": self.height, **({"alt": self.alt} if self.alt else {})}
        return {"image/svg+xml": self.svg, "text/plain": self.alt or "<Figure>"}, {"image/svg+xml": meta}


class _Canvas:
    """SVG elements in pixel coordinates (origin top left), written out by :meth:`svg`."""

    def __init__(self, width: float, height: float):
        self.w, self.h = round(width), round(height)
        self.parts: list[str] = []

    def text(self, x, y, s, pt, anchor="start", weight="", colour="", baseline="", rotate=False) -> None:
        attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(pt * PX_PER_PT)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if weight:
            attrs += f' font-weight="{weight}"'
        if colour:
            attrs += f' fill="{colour}"'
        if baseline:
            attrs += f' dominant-baseline="{baseline}"'
        if rotate:
            attrs += f' transform="rotate(-90 {_num(x)} {_num(y)})"'
        self.parts.append(f"<text {attrs}>{_esc(s)}</text>")

    def lines_text(self, x, y_mid, lines: list[str], pt, anchor="end", line_h=1.2) -> None:
        """Several lines of text centred vertically on ``y_mid``."""
        step = pt * PX_PER_PT * line_h
        top = y_mid - step * (len(lines) - 1) / 2
        for i, line in enumerate(lines):
            self.text(x, top + i * step, line, pt, anchor, baseline="central")

    def rect(self, x, y, w, h, fill, extra="") -> None:
        x, w = (x + w, -w) if w < 0 else (x, w)
        self.parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
                          f'fill="{fill}"{extra}/>')

    def line(self, x1, y1, x2, y2, attrs) -> None:
        self.parts.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" {attrs}/>')

    def svg(self, alt: str) -> str:
        label = _esc(" ".join(str(alt).split()))
        aria = f' role="img" aria-label="{label}"' if label else ""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                f'viewBox="0 0 {self.w} {self.h}"{aria}>')
        defs = (f"<defs><style>text{{font-family:{SVG_FONTS}}}</style>"
                '<pattern id="kd-hatch" patternUnits="userSpaceOnUse" width="8" height="8" '
                'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" '
                f'stroke="{NEUTRAL_COLOUR}" stroke-width="1.5"/></pattern></defs>')
        return (head + (f"<title>{label}</title>" if label else "") + defs
                + f'<rect width="{self.w}" height="{self.h}" fill="#ffffff"/>' + "".join(self.parts) + "</svg>")


def _wrap(text: str, width_px: float, pt: float) -> list[str]:
    import textwrap

    chars = max(20, int(width_px / (CHAR_EM * pt * PX_PER_PT)))
    return textwrap.wrap(" ".join(str(text).split()), chars, break_on_hyphens=False) or [""]


def _frame(c: _Canvas, title: str, margins: tuple[float, float, float, float], prov: dict, lang: str,
           source: str | None) -> tuple[float, float, float, float]:
    """Title (wrapped, from the left edge), footer (source and badge); returns the plot box ``x0, y0, x1, y1``.

    ``margins`` are ``left, right, top, bottom`` in inches; the top grows by a line a wrapped title line.
    """
    left, right, top, bottom = margins
    lines = title_lines(title, c.w / DPI).split("\n") if title else []
    top += max(0, len(lines) - 1) * TITLE_LINE_IN
    x0, x1, y0, y1 = left * DPI, c.w - right * DPI, top * DPI, c.h - bottom * DPI
    step = TITLE_LINE_IN * DPI
    for i, line in enumerate(lines):  # the last line's baseline 6 pt above the plot
        c.text(0.12 * DPI, y0 - 6 * PX_PER_PT - 4 - (len(lines) - 1 - i) * step, line, TITLE_PT, weight="bold")
    src = source or sources_text(prov, lang) or t("attribution", lang)
    badge = t(f"data_{prov.get('kind', 'real')}", lang)
    if prov.get("not_for_publication"):
        badge = t("not_for_publication", lang) + " · " + badge
    foot = _wrap(f"{t('plot_source', lang)}: {src}  ·  {badge}", c.w - 20, FOOTER_PT)
    for i, line in enumerate(foot):
        c.text(9, c.h - 6 - (len(foot) - 1 - i) * FOOTER_PT * PX_PER_PT * 1.2, line, FOOTER_PT, colour="#333333")
    return x0, y0, x1, y1


def _legend(c: _Canvas, entries: list[tuple[str, str, bool]], x_mid: float, y: float) -> None:
    """One row of legend entries (``label, colour, as a line``) centred on ``x_mid``."""
    px = LEGEND_PT * PX_PER_PT
    widths = [28 + CHAR_EM * px * len(label) for label, _, _ in entries]
    x = x_mid - (sum(widths) + 20 * (len(entries) - 1)) / 2
    for (label, colour, as_line), w in zip(entries, widths, strict=True):
        if as_line:
            c.line(x, y, x + 20, y, f'stroke="{colour}" stroke-width="3.5"')
            c.parts.append(f'<circle cx="{_num(x + 10)}" cy="{_num(y)}" r="4.2" fill="{colour}"/>')
        else:
            c.rect(x, y - 7, 20, 14, colour)
        c.text(x + 26, y, label, LEGEND_PT, baseline="central")
        x += w + 20


def bar_chart(labels, values, *, title: str, unit: str, prov: dict, lang: str = "fi", suppressed=None,
              decimals: int = 0, reference_values=None, reference_label: str | None = None,
              area_label: str | None = None, source: str | None = None, colour_by_sign: bool = False,
              marker_at: float | None = None) -> SvgChart:
    """Horizontal bar chart, one bar per label (optionally a reference bar beside each), as SVG.

    The arguments are those of :func:`kasvudata_utils.plots.bar_chart`; ``marker_at`` draws a dashed
    vertical line at that value (the location quotient's 1).

    The value axis reaches from 0 (or the lowest negative value) to the highest value plus 18 % of the
    span for the value labels; a bar's length is its value on that axis. Suppressed bars are hatched
    stubs with no value label.
    """
    full = [str(x) for x in labels]
    wrapped = [short_label(x) for x in full]
    n = len(full)
    sup = [bool(s) for s in suppressed] if suppressed is not None else [False] * n
    vals = [math.nan if (s or is_missing(v)) else float(v) for v, s in zip(values, sup, strict=True)]
    refs = ([math.nan if is_missing(v) else float(v) for v in reference_values]
            if reference_values is not None else None)
    has_legend = refs is not None or bool(area_label)
    per_bar = 0.36 * (1.25 if any("\n" in x for x in wrapped) else 1.0)
    height_in = max(3.2, per_bar * n * (1.6 if refs is not None else 1) + 1.8)
    c = _Canvas(900, height_in * DPI)
    x0, y0, x1, y1 = _frame(c, title, (_label_margin(wrapped), 0.35, 0.65, 1.45 if has_legend else 1.0), prov,
                            lang, source)
    finite = [v for v in vals + (refs or []) if math.isfinite(v)]
    span = max((abs(v) for v in vals if math.isfinite(v)), default=1.0) or 1.0
    marks = [float(marker_at)] if marker_at is not None else []
    lo, hi = min([0.0] + finite + marks), max([0.0] + finite + marks)
    if hi == lo:
        hi = lo + 1.0
    rng = hi - lo
    lo_lim, hi_lim = (lo - 0.18 * rng if lo < 0 else 0.0), (hi + 0.18 * rng if hi > 0 else 0.0)
    dec = tick_decimals(span)

    def X(v: float) -> float:
        return x0 + (v - lo_lim) / (hi_lim - lo_lim) * (x1 - x0)

    for tk in nice_ticks(lo_lim, hi_lim, 6, integer=dec == 0):
        c.line(X(tk), y0, X(tk), y1, GRID)
        c.line(X(tk), y1, X(tk), y1 + 5, 'stroke="#000000" stroke-width="1.1"')
        c.text(X(tk), y1 + 8 + TICK_PT * PX_PER_PT, format_number(tk, lang, dec), TICK_PT, "middle")
    c.text((x0 + x1) / 2, y1 + 14 + (TICK_PT + LABEL_PT) * PX_PER_PT, unit, LABEL_PT, "middle")
    slot = (y1 - y0) / max(n, 1)
    h = slot * (0.4 if refs is not None else 0.7)
    for i in range(n):
        mid = y0 + slot * (i + 0.5)
        ya = mid - (h if refs is not None else h / 2)
        v = vals[i]
        if sup[i]:
            c.rect(X(0), ya, X(span * SUPPRESSED_STUB) - X(0), h, "url(#kd-hatch)",
                   f' stroke="{NEUTRAL_COLOUR}" stroke-width="1.1"')
            c.text(X(span * (SUPPRESSED_STUB + 0.02)), ya + h / 2, t("suppressed", lang), VALUE_PT,
                   colour="#555555", baseline="central")
        elif math.isfinite(v):
            colour = (POSITIVE_COLOUR if v >= 0 else NEGATIVE_COLOUR) if colour_by_sign else AREA_COLOUR
            c.rect(X(0), ya, X(v) - X(0), h, colour)
            c.text(X(v) + (4 if v >= 0 else -4), ya + h / 2, format_number(v, lang, decimals), VALUE_PT,
                   "start" if v >= 0 else "end", baseline="central")
        if refs is not None and math.isfinite(refs[i]):
            c.rect(X(0), mid, X(refs[i]) - X(0), h, REFERENCE_COLOUR)
        c.lines_text(x0 - 8, mid, wrapped[i].split("\n"), TICK_PT)
        c.line(x0 - 5, mid, x0, mid, 'stroke="#000000" stroke-width="1.1"')
    c.line(X(0), y0, X(0), y1, 'stroke="#444444" stroke-width="1.1"')
    for m in marks:
        c.line(X(m), y0, X(m), y1, 'stroke="#000000" stroke-width="1.7" stroke-dasharray="6 3"')
    c.line(x0, y0, x0, y1, 'class="kd-axis-y" stroke="#000000" stroke-width="1.1"')
    c.line(x0, y1, x1, y1, 'class="kd-axis-x" stroke="#000000" stroke-width="1.1"')
    if has_legend:
        entries = [(area_label or "", AREA_COLOUR, False)] if area_label else []
        if refs is not None:
            entries.append((reference_label or "", REFERENCE_COLOUR, False))
        _legend(c, entries, (x0 + x1) / 2, y1 + 30 + (TICK_PT + 2 * LABEL_PT) * PX_PER_PT)
    data = [{"label": lab, "value": _value(v), "suppressed": s} for lab, v, s in zip(full, vals, sup, strict=True)]
    for row, r in zip(data, refs or [], strict=False):
        row["reference_value"] = _value(r)
    alt = " ".join(str(title).split())
    return SvgChart(c.svg(alt), c.w, c.h, alt, data)


def value_limits(values, zero_baseline: bool) -> tuple[float, float]:
    """The value axis of a line chart: 5 % beyond the values, from exactly 0 with ``zero_baseline``.

    >>> value_limits([7.5, 9.5], True), value_limits([-3.0, 2.0], False)
    ((0.0, 9.975), (-3.25, 2.25))
    """
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if zero_baseline:
        lo = min(lo, 0.0)
    if hi == lo:
        hi = lo + 1.0
    rng = hi - lo
    return (0.0 if zero_baseline and lo == 0 else lo - 0.05 * rng), hi + 0.05 * rng


def line_chart(series: dict, *, title: str, unit: str, prov: dict, lang: str = "fi", source: str | None = None,
               decimals: int = 0, index_base: bool = False, zero_baseline: bool | None = None) -> SvgChart:
    """Line chart of several series over years (``series`` maps label → (years, values)), as SVG.

    The arguments are those of :func:`kasvudata_utils.plots.line_chart`.

    ``index_base`` rescales each series to 100 in its first year; the value axis starts at 0 unless the
    chart is an index or a value is negative (``zero_baseline``); otherwise it reaches 5 % beyond the
    values. A missing value breaks its line.
    """
    drawn, data = [], []
    for label, (years, values) in series.items():
        ys = [int(y) for y in years]
        v = [math.nan if is_missing(x) else float(x) for x in values]
        if index_base and v and math.isfinite(v[0]) and v[0] != 0:
            v = [x / v[0] * 100.0 for x in v]
        drawn.append((str(label), ys, v))
        data += [{"series": str(label), "year": y, "value": _value(x)} for y, x in zip(ys, v, strict=False)]
    finite = [x for _, _, v in drawn for x in v if math.isfinite(x)]
    if zero_baseline is None:
        zero_baseline = not index_base and bool(finite) and min(finite) >= 0
    lo_lim, hi_lim = value_limits(finite, zero_baseline)
    all_years = [y for _, ys, _ in drawn for y in ys] or [0, 1]
    ya_, yb_ = min(all_years), max(all_years)
    if ya_ == yb_:
        ya_, yb_ = ya_ - 1, yb_ + 1
    xlo, xhi = ya_ - 0.05 * (yb_ - ya_), yb_ + 0.05 * (yb_ - ya_)
    legend = len(drawn) > 1
    c = _Canvas(900, 500)
    x0, y0, x1, y1 = _frame(c, title, (0.95, 0.35, 0.65, 1.3 if legend else 1.0), prov, lang, source)

    def X(yr: float) -> float:
        return x0 + (yr - xlo) / (xhi - xlo) * (x1 - x0)

    def Y(v: float) -> float:
        return y1 - (v - lo_lim) / (hi_lim - lo_lim) * (y1 - y0)

    for tk in nice_ticks(lo_lim, hi_lim, 6, integer=decimals == 0):
        c.line(x0, Y(tk), x1, Y(tk), GRID)
        c.line(x0 - 5, Y(tk), x0, Y(tk), 'stroke="#000000" stroke-width="1.1"')
        c.text(x0 - 8, Y(tk), format_number(tk, lang, decimals), TICK_PT, "end", baseline="central")
    for tk in nice_ticks(xlo, xhi, 10, integer=True):
        c.line(X(tk), y0, X(tk), y1, GRID)
        c.line(X(tk), y1, X(tk), y1 + 5, 'stroke="#000000" stroke-width="1.1"')
        c.text(X(tk), y1 + 8 + TICK_PT * PX_PER_PT, str(int(tk)), TICK_PT, "middle")
    c.text(18 + LABEL_PT * PX_PER_PT / 2, (y0 + y1) / 2, unit, LABEL_PT, "middle", rotate=True)
    c.line(x0, y0, x0, y1, 'class="kd-axis-y" stroke="#000000" stroke-width="1.1"')
    c.line(x0, y1, x1, y1, 'class="kd-axis-x" stroke="#000000" stroke-width="1.1"')
    for i, (_label, ys, v) in enumerate(drawn):
        colour = PALETTE[i % len(PALETTE)]
        path, pen = [], False
        for yr, x in zip(ys, v, strict=False):
            if math.isfinite(x):
                path.append(f"{'L' if pen else 'M'}{_num(X(yr))} {_num(Y(x))}")
                pen = True
            else:
                pen = False
        if path:
            c.parts.append(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="3.5" '
                           'stroke-linejoin="round" stroke-linecap="round"/>')
        c.parts += [f'<circle cx="{_num(X(yr))}" cy="{_num(Y(x))}" r="4.2" fill="{colour}"/>'
                    for yr, x in zip(ys, v, strict=False) if math.isfinite(x)]
    if legend:
        _legend(c, [(label, PALETTE[i % len(PALETTE)], True) for i, (label, _, _) in enumerate(drawn)],
                (x0 + x1) / 2, y1 + 18 + 2 * TICK_PT * PX_PER_PT)
    alt = " ".join(str(title).split())
    return SvgChart(c.svg(alt), c.w, c.h, alt, data)
