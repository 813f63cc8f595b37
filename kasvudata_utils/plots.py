r"""One chart style for every static figure of KasvuDATA (reports, notebooks).

Readable on a projector (large type, thick lines), colour-blind safe (the
Okabe & Ito 2008 palette), and numbers formatted for the reader's language:
Finnish reports use a decimal comma and a narrow no-break space (U+202F) as the
thousands separator, ``1 234 567,9``; English ones ``1,234,567.9``. Every chart
carries a title, its unit and a footer naming the source and the data badge
(real / synthetic / mixed, :func:`kasvudata_utils.provenance.badge_text`).

Suppressed values (disclosure control) are never drawn as numbers: they show as
``–`` in tables and as a hatched, unlabelled bar marked "salattu"/"suppressed".

>>> format_number(1234567.891, "fi", 1)
'1\u202f234\u202f567,9'
>>> format_number(1234567.891, "en", 1)
'1,234,567.9'
"""
from __future__ import annotations

import math
import re

from kasvudata_utils.areas import area_name
from kasvudata_utils.labels import t
from kasvudata_utils.numbers import MINUS, SUPPRESSED_MARK, THIN_SPACE, format_number, format_pct, is_missing  # noqa: F401
from kasvudata_utils.provenance import badge_text, sources_text

# Okabe & Ito (2008) colour-blind safe palette; first colour = the area, second = the reference.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
AREA_COLOUR, REFERENCE_COLOUR = PALETTE[0], PALETTE[1]
POSITIVE_COLOUR, NEGATIVE_COLOUR = PALETTE[2], PALETTE[3]
NEUTRAL_COLOUR = "#BBBBBB"

_RC = {
    "figure.figsize": (9.0, 5.0), "figure.dpi": 100, "savefig.dpi": 110,
    "font.size": 13, "axes.titlesize": 15, "axes.titleweight": "bold", "axes.labelsize": 13,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "legend.fontsize": 12,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "lines.linewidth": 2.5, "axes.prop_cycle": None,  # set in apply_style (needs cycler)
}


_is_missing = is_missing


def _value(v):
    """A drawn value for the chart's data table: a float, or None where nothing is drawn."""
    return None if _is_missing(v) else float(v)


def chart_data(fig) -> list[dict]:
    r"""The numbers a chart of this module draws, one dict per bar, point or map area.

    Bar charts give ``label, value, suppressed`` (and ``reference_value``), line charts
    ``series, year, value`` (indexed values where the chart is an index), maps ``area_code, name,
    highlighted``; a suppressed value is ``None``, never a number. Reports offer it as the chart's CSV.

    >>> fig = bar_chart(["C", "G"], [1.0, 2.0], suppressed=[False, True], title="t", unit="u",
    ...                 prov={"kind": "real", "sources": []})
    >>> chart_data(fig)
    [{'label': 'C', 'value': 1.0, 'suppressed': False}, {'label': 'G', 'value': None, 'suppressed': True}]
    >>> figure_png(fig)[:4]
    b'\x89PNG'
    """
    return list(getattr(fig, "kd_data", []))


def readable_ticks(axis, decimals: int = 0) -> None:
    """Put an axis's ticks at 1-2-5 steps (2.5 is not one), whole numbers only with ``decimals=0``.

    So no tick label repeats or skips after rounding (102, 100, 98, 95 … came from 2.5-point steps
    shown as integers).
    """
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=decimals == 0))


def format_cell(value, suppressed: bool, lang: str = "fi", decimals: int = 0) -> str:
    """A table cell: the formatted number, or ``–`` where the cell is suppressed or missing."""
    return SUPPRESSED_MARK if suppressed else format_number(value, lang, decimals)


def apply_style() -> None:
    """Set the project's matplotlib/seaborn style (call once per kernel; idempotent)."""
    import matplotlib as mpl
    from cycler import cycler

    rc = dict(_RC)
    rc["axes.prop_cycle"] = cycler(color=PALETTE)
    mpl.rcParams.update(rc)


def tick_decimals(span: float) -> int:
    """Decimals that tell axis ticks apart on an axis reaching ``span`` (LQ 0…2 needs 1, personnel none).

    >>> tick_decimals(2500), tick_decimals(2.2), tick_decimals(0.3)
    (0, 1, 2)
    """
    span = abs(float(span)) if not _is_missing(span) else 0.0
    return 0 if span >= 10 else 1 if span >= 1 else 2


def number_formatter(lang: str = "fi", decimals: int = 0):
    """A matplotlib tick formatter using :func:`format_number`."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_number(v, lang, decimals))


def add_footer(fig, prov: dict, lang: str = "fi", source: str | None = None) -> None:
    """Write the source line and the data badge under the figure.

    ``source`` names the statistic's source; by default the sources recorded in ``prov``.
    """
    src = source or sources_text(prov, lang) or t("attribution", lang)
    badge = t(f"data_{prov.get('kind', 'real')}", lang)
    if prov.get("not_for_publication"):
        badge = t("not_for_publication", lang) + " · " + badge
    fig.text(0.01, 0.005, f"{t('plot_source', lang)}: {src}  ·  {badge}", ha="left", va="bottom",
             fontsize=9.5, color="#333333", wrap=True)


def _margins(fig, ax=None, left: float = 0.95, right: float = 0.35, top: float = 0.65, bottom: float = 1.0,
             title: str | None = None, pad: float = 6.0) -> None:
    """Fixed margins in inches (much cheaper than ``tight_layout``, which measured 0.8 s a figure).

    The title (``loc="left"``) is moved to the figure's left edge so a long title never runs off the
    right edge when long category labels take the left margin, and a title longer than the figure is
    wide is wrapped (:func:`title_lines`; the top margin grows by a line each): "Ylivieskan seutukunta
    Pohjois-Pohjanmaan kuntien joukossa" was cut after "joukos" on the 7-inch location map.
    """
    w, h = fig.get_size_inches()
    if ax is not None and title is not None:
        title = title_lines(title, w)
        top += title.count("\n") * TITLE_LINE_IN
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h)
    if ax is not None and title is not None:
        ax.set_title(title, loc="left", x=-(left - 0.12) / (w - left - right), pad=pad, y=1.0)


#: Height (inches) of one line of a chart title (15 pt bold, line spacing 1.2).
TITLE_LINE_IN = float(_RC["axes.titlesize"]) * 1.2 / 72


def title_lines(title: str, width_in: float) -> str:
    r"""A chart title wrapped to the figure's width (``width_in`` inches; at most three lines).

    A line holds about (width − 0.3 in) / (0.66 em of 15 pt bold) characters (DejaVu Sans Bold
    averages ≈ 0.62 em a character in Finnish text): 48 on the 7-inch map, 63 on the 9-inch charts.

    >>> title_lines("Ylivieskan seutukunta Pohjois-Pohjanmaan kuntien joukossa", 7.0)
    'Ylivieskan seutukunta Pohjois-Pohjanmaan kuntien\njoukossa'
    >>> title_lines("Henkilöstö toimialoittain", 7.0)
    'Henkilöstö toimialoittain'
    """
    chars = max(20, int((width_in - 0.3) * 72 / (float(_RC["axes.titlesize"]) * 0.66)))
    return short_label(" ".join(str(title).split()), chars, lines=3)


def _label_margin(labels) -> float:
    """Left margin in inches for horizontal-bar category labels at 12 pt (about 0.1 inch a character)."""
    return 0.3 + 0.1 * max((len(line) for x in labels for line in str(x).split("\n")), default=4)


def short_label(label: str, width: int = 30, lines: int = 2) -> str:
    r"""A category label wrapped on word boundaries to at most ``lines`` lines of ``width`` characters.

    Long TOL names are wrapped rather than cut (issue 17: "G Tukku- ja vähittäiskauppa; moot…" hid
    the industry); only a name longer than ``lines`` full lines ends with an ellipsis.

    >>> short_label("G Tukku- ja vähittäiskauppa; moottoriajoneuvojen ja moottoripyörien korjaus")
    'G Tukku- ja vähittäiskauppa;\nmoottoriajoneuvojen ja…'
    >>> short_label("C Teollisuus")
    'C Teollisuus'
    """
    import textwrap

    wrapped = textwrap.wrap(str(label), width, break_on_hyphens=False) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def _finish(fig, ax, title: str, unit: str, prov: dict, lang: str, source: str | None, axis: str,
            left: float = 0.95, bottom: float = 1.0):
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(unit)
    _margins(fig, ax, left=left, bottom=bottom, title=title)
    add_footer(fig, prov, lang, source)
    return fig


def bar_chart(labels, values, *, title: str, unit: str, prov: dict, lang: str = "fi", suppressed=None,
              decimals: int = 0, reference_values=None, reference_label: str | None = None,
              area_label: str | None = None, source: str | None = None, colour_by_sign: bool = False):
    """Horizontal bar chart, one bar per label (optionally a reference bar beside each).

    Suppressed bars are drawn empty and hatched with no value label; the legend says why.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import numpy as np

    apply_style()
    full_labels = [str(x) for x in labels]
    labels = [short_label(x) for x in labels]
    n = len(labels)
    vals = np.array([np.nan if _is_missing(v) else float(v) for v in values], dtype=float)
    sup = np.array(list(suppressed) if suppressed is not None else [False] * n, dtype=bool)
    vals = np.where(sup, np.nan, vals)
    per_bar = 0.36 * (1.25 if any("\n" in x for x in labels) else 1.0)  # room for two-line labels
    fig, ax = plt.subplots(figsize=(9.0, max(3.2, per_bar * n * (1.6 if reference_values is not None else 1) + 1.8)))
    y = np.arange(n)[::-1]
    h = 0.4 if reference_values is not None else 0.7
    off = h / 2 if reference_values is not None else 0.0
    colours = [(POSITIVE_COLOUR if v >= 0 else NEGATIVE_COLOUR) if colour_by_sign and not np.isnan(v)
               else AREA_COLOUR for v in vals]
    ax.barh(y + off, np.nan_to_num(vals), height=h, color=colours, label=area_label)
    if reference_values is not None:
        rv = np.array([np.nan if _is_missing(v) else float(v) for v in reference_values], dtype=float)
        ax.barh(y - off, np.nan_to_num(rv), height=h, color=REFERENCE_COLOUR, label=reference_label)
    span = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
    for yi, v, s in zip(y, vals, sup, strict=False):
        if s:
            ax.barh(yi + off, span * 0.15, height=h, fill=False, hatch="//", edgecolor=NEUTRAL_COLOUR)
            ax.text(span * 0.17, yi + off, t("suppressed", lang), va="center", fontsize=10, color="#555555")
        elif not np.isnan(v):
            ax.text(v, yi + off, " " + format_number(v, lang, decimals) + " ", va="center",
                    ha="left" if v >= 0 else "right", fontsize=10)
    ax.set_yticks(y, labels)
    readable_ticks(ax.xaxis, tick_decimals(span))
    ax.xaxis.set_major_formatter(number_formatter(lang, tick_decimals(span)))
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.margins(x=0.18)
    if reference_values is not None or area_label:  # below the axes: never over a bar or its value
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)
    has_legend = reference_values is not None or bool(area_label)
    fig.kd_data = [{"label": str(lab), "value": _value(v), "suppressed": bool(s)} for lab, v, s
                   in zip(full_labels, vals, sup, strict=False)]
    if reference_values is not None:
        for row, r in zip(fig.kd_data, rv, strict=False):
            row["reference_value"] = _value(r)
    return _finish(fig, ax, title, unit, prov, lang, source, "x", left=_label_margin(labels),
                   bottom=1.45 if has_legend else 1.0)


def line_chart(series: dict, *, title: str, unit: str, prov: dict, lang: str = "fi", source: str | None = None,
               decimals: int = 0, index_base: bool = False, zero_baseline: bool | None = None):
    """Line chart of several series over years: ``series`` maps label → (years, values).

    ``index_base=True`` rescales each series to 100 in its first year, so an area and its much larger
    reference can share one axis. ``zero_baseline`` starts the value axis at 0 (by default for a level
    or a rate that is never negative, i.e. unless the chart is an index): an axis starting at 7.5 makes
    small changes look large.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    apply_style()
    fig, ax = plt.subplots()
    fig.kd_data = []
    lowest = math.inf
    for i, (label, (years, values)) in enumerate(series.items()):
        v = np.array([np.nan if _is_missing(x) else float(x) for x in values], dtype=float)
        if index_base and len(v) and np.isfinite(v[0]) and v[0] != 0:
            v = v / v[0] * 100.0
        ax.plot(list(years), v, marker="o", color=PALETTE[i % len(PALETTE)], label=label)
        fig.kd_data += [{"series": str(label), "year": int(y), "value": _value(x)} for y, x in zip(years, v,
                                                                                                   strict=False)]
        if np.isfinite(v).any():
            lowest = min(lowest, float(np.nanmin(v)))
    if zero_baseline is None:
        zero_baseline = not index_base and lowest >= 0
    if zero_baseline and math.isfinite(lowest):
        ax.set_ylim(bottom=0)
    readable_ticks(ax.yaxis, decimals)
    ax.yaxis.set_major_formatter(number_formatter(lang, decimals))
    ax.xaxis.get_major_locator().set_params(integer=True)
    if len(series) > 1:
        ax.legend(loc="best")
    return _finish(fig, ax, title, unit, prov, lang, source, "y")


def stacked_share_chart(categories, shares: dict, *, title: str, unit: str, prov: dict, lang: str = "fi",
                        source: str | None = None):
    """100 % stacked horizontal bars: ``shares`` maps segment label → list of shares per category."""
    import matplotlib.pyplot as plt
    import numpy as np

    apply_style()
    fig, ax = plt.subplots(figsize=(9.0, max(2.8, 0.6 * len(categories) + 1.8)))
    left = np.zeros(len(categories))
    y = np.arange(len(categories))[::-1]
    for i, (label, vals) in enumerate(shares.items()):
        v = np.array([0.0 if _is_missing(x) else float(x) for x in vals])
        ax.barh(y, v, left=left, color=PALETTE[i % len(PALETTE)], label=label, height=0.6)
        for yi, li, vi in zip(y, left, v, strict=False):
            if vi >= 6:
                ax.text(li + vi / 2, yi, format_pct(vi, lang, 0), ha="center", va="center", fontsize=10,
                        color="white" if i in (0, 3, 7) else "black")
        left = left + v
    ax.set_yticks(y, [short_label(c) for c in categories])
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=max(1, len(shares)), frameon=False,
              bbox_transform=ax.transAxes)
    ax.set_xlabel(unit)
    _margins(fig, ax, left=_label_margin([short_label(c) for c in categories]), top=1.0, title=title, pad=34)
    add_footer(fig, prov, lang, source)
    return fig


def source_badge(prov: dict, lang: str = "fi") -> str:
    """One-line badge text for tables and page footers (kind and sources)."""
    return badge_text(prov, lang)


def _rings(geometry: dict):
    """Exterior rings of a GeoJSON Polygon/MultiPolygon as lists of (lon, lat)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def area_map(features: list[dict], highlight=(), *, title: str, prov: dict, lang: str = "fi",
             label_codes=(), names: dict | None = None, colour_by: str | None = None, suppressed=(),
             legend_labels: tuple[str, str] | None = None):
    """Static map of Northern Ostrobothnia's municipalities with some of them highlighted.

    Drawn with matplotlib from the simplified WGS84 GeoJSON (``web_mk17.geojson``) so a report kernel
    need not import geopandas; the aspect ratio is corrected for latitude (1 / cos 65°).

    Parameters
    ----------
    features : list of dict
        GeoJSON features with properties ``area_code``, ``name_fi``, ``subregion_code``.
    highlight : collection of str
        Municipality codes drawn in the area colour.
    label_codes : collection of str
        Municipalities whose name is written on the map.
    colour_by : {"subregion", None}
        Colour every municipality by its sub-region instead of highlighting (the site's home map).
    suppressed : collection of str
        Municipalities whose value is confidential: hatched, never coloured as if known, and named
        "salattu"/"suppressed" in the legend.
    legend_labels : (str, str), optional
        Legend texts of the highlighted and the other municipalities (a legend is drawn when given or
        when any municipality is suppressed).
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    apply_style()
    highlight, suppressed = set(highlight), set(suppressed) - set(highlight)
    subregions = sorted({f["properties"].get("subregion_code", "") for f in features})
    polys, colours, hatched = [], [], []
    for f in features:
        p = f["properties"]
        if p["area_code"] in suppressed and colour_by != "subregion":
            hatched += _rings(f["geometry"])
            continue
        if colour_by == "subregion":
            colour = PALETTE[subregions.index(p.get("subregion_code", "")) % len(PALETTE)]
        else:
            colour = AREA_COLOUR if p["area_code"] in highlight else "#E8E8E8"
        for ring in _rings(f["geometry"]):
            polys.append(ring)
            colours.append(colour)
    fig, ax = plt.subplots(figsize=(7.0, 7.5))
    fig.kd_data = [{"area_code": f["properties"]["area_code"],
                    "name": (names or {}).get(f["properties"]["area_code"], f["properties"].get("name_fi", "")),
                    "subregion_code": f["properties"].get("subregion_code", ""),
                    "highlighted": f["properties"]["area_code"] in highlight,
                    "suppressed": f["properties"]["area_code"] in suppressed} for f in features]
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="white", linewidths=0.8))
    if hatched:
        ax.add_collection(PolyCollection(hatched, facecolors="white", edgecolors=NEUTRAL_COLOUR, hatch="///",
                                         linewidths=0.8))
    wanted = set(label_codes)
    anchors = [(f, (names or {}).get(f["properties"]["area_code"], f["properties"].get("name_fi", "")))
               for f in features if f["properties"]["area_code"] in wanted]
    if colour_by == "subregion":  # legend: sub-region names in their colours
        from matplotlib.patches import Patch


        handles = [Patch(facecolor=PALETTE[i % len(PALETTE)], label=f"{area_name(c, lang)} ({c})")
                   for i, c in enumerate(subregions) if c]
        ax.legend(handles=handles, loc="upper left", fontsize=10, frameon=False)
    elif legend_labels or suppressed:
        from matplotlib.patches import Patch

        on, off = legend_labels or ("", "")
        handles = [Patch(facecolor=AREA_COLOUR, label=on), Patch(facecolor="#E8E8E8", label=off)] if on else []
        if suppressed:
            handles.append(Patch(facecolor="white", edgecolor=NEUTRAL_COLOUR, hatch="///",
                                 label=t("suppressed", lang)))
        ax.legend(handles=handles, loc="upper left", fontsize=11, frameon=False)
    ax.autoscale_view()
    ax.set_aspect(1 / math.cos(math.radians(65.0)))
    ax.set_axis_off()
    _margins(fig, ax, left=0.15, right=0.15, top=0.6, bottom=0.5, title=title)
    add_footer(fig, prov, lang, t("map_source", lang))
    if anchors:  # last: the names are placed around the title, legend and footer already drawn
        fig.kd_unlabelled = place_labels(ax, anchors)
    return fig


def _ring_area_centroid(ring) -> tuple[float, float, float]:
    """``(|area|, x, y)`` of a polygon ring (shoelace formula); the vertex mean for a degenerate ring."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, list(ring[1:]) + [ring[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        a, cx, cy = a + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
    if abs(a) < 1e-12:
        return 0.0, sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    return abs(a) / 2, cx / (3 * a), cy / (3 * a)


#: Offsets (points) tried for a map name that does not fit at its area's centre: rings of 12 directions.
LABEL_RADII_PT = (10, 18, 28, 40, 54, 70, 88, 110)
LABEL_DIRECTIONS = 12
LABEL_GAP_PX = 3.0  # free space kept around every name (its white box)


def place_labels(ax, anchors, fontsize: float = 10.0) -> list[str]:
    """Write area names on a map so that no two overlap and each stays inside the figure (issue 17).

    ``anchors`` is a list of ``(feature, name)``. Each name goes to the centre of its area's largest
    polygon when that space is free; else to the nearest free position on rings around it, measured
    from the rendered text extents (``Text.get_window_extent``), with a thin leader line back to the
    area when the name no longer lies inside it. Smaller areas are placed first (a large area has
    room for its name elsewhere). The title, legend and footer are obstacles too. A name with no free
    place within :data:`LABEL_RADII_PT` is left out; the codes left out are returned.
    """
    from matplotlib.path import Path as MplPath

    fig = ax.figure
    fig.canvas.draw()
    ax.set_autoscale_on(False)  # a name or leader line outside the polygons must not move the map
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox.padded(-2.0)
    taken = [t_.get_window_extent(renderer).padded(LABEL_GAP_PX)
             for t_ in [*fig.texts, ax.title, ax._left_title, ax._right_title] if t_.get_text()]
    legend = ax.get_legend()
    if legend is not None:
        taken.append(legend.get_window_extent(renderer))
    items = []
    for f, name in anchors:
        rings = [r for r in _rings(f["geometry"]) if len(r) >= 3]
        if not rings or not name:
            continue
        area, x, y = max(_ring_area_centroid(r) for r in rings)
        items.append((area, f["properties"]["area_code"], name, (x, y), rings))
    items.sort(key=lambda it: it[0])
    px_per_pt = fig.dpi / 72.0
    skipped = []
    for _area, code, name, (x, y), rings in items:
        text = ax.text(x, y, name, ha="center", va="center", fontsize=fontsize, color="black", zorder=5,
                       bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
        box = text.get_window_extent(renderer).padded(LABEL_GAP_PX)
        x0, y0 = ax.transData.transform((x, y))
        found = None
        for r in (0, *LABEL_RADII_PT):
            for k in range(LABEL_DIRECTIONS if r else 1):
                angle = 2 * math.pi * k / LABEL_DIRECTIONS
                dx, dy = r * px_per_pt * math.cos(angle), r * px_per_pt * math.sin(angle)
                cand = box.translated(dx, dy)
                if (inside.contains(cand.x0, cand.y0) and inside.contains(cand.x1, cand.y1)
                        and not any(cand.overlaps(o) for o in taken)):
                    found = (dx, dy, cand)
                    break
            if found:
                break
        if found is None:
            text.remove()
            skipped.append(code)
            continue
        dx, dy, cand = found
        taken.append(cand)
        if dx or dy:
            nx, ny = ax.transData.inverted().transform((x0 + dx, y0 + dy))
            text.set_position((nx, ny))
            polys = [MplPath(ax.transData.transform(r)) for r in rings]
            if not any(p.contains_point((x0 + dx, y0 + dy)) for p in polys):  # out of its area: a leader line
                ax.plot([x, nx], [y, ny], color="#333333", linewidth=0.8, zorder=4, scalex=False, scaley=False)
    return skipped


def map_hotspots(fig, features: list[dict], step: int = 3) -> dict[str, list[list[tuple[int, int]]]]:
    """Pixel outlines of each map area in the PNG :func:`figure_png` writes (origin top left).

    For an HTML image map (``<area shape="poly">``) that makes a static map clickable; every ``step``-th
    vertex is kept (the outlines only need to catch a click). Call before :func:`figure_png`, which
    closes the figure.
    """
    fig.canvas.draw()
    ax = fig.axes[0]
    height = fig.get_size_inches()[1] * fig.dpi
    out: dict[str, list] = {}
    for f in features:
        for ring in _rings(f["geometry"]):
            pts = ax.transData.transform([(x, y) for x, y in ring[::max(1, step)]])
            out.setdefault(f["properties"]["area_code"], []).append(
                [(round(float(x)), round(float(height - y))) for x, y in pts])
    return out


def figure_png(fig, compress_level: int = 6) -> bytes:
    r"""Render a figure to PNG once, at its own dpi, and close it (also when saving fails).

    No ``bbox_inches="tight"``: the charts set fixed margins (``_margins``), so one draw gives the same
    picture, where the inline backend would draw each figure twice. The reports use ``compress_level=1``
    (measured on a 12-bar chart: 0.61–0.86 s → 0.28 s, PNG 4 % larger); the site's map keeps zlib's 6.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure_png(plt.figure(figsize=(1, 1)))[:4]
    b'\x89PNG'
    """
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=fig.dpi, pil_kwargs={"compress_level": compress_level})
    finally:
        plt.close(fig)
    return buf.getvalue()


#: Font stack of the chart SVGs (the site's, ``templates/report.css``): the text is text, so a reader's
#: browser draws it with the first of these it has; the layout was measured with DejaVu Sans.
SVG_FONTS = '"DejaVu Sans","Helvetica Neue",Arial,sans-serif'
_SVG_NUMBER = re.compile(r"-?\d+\.\d\d+")
_SVG_GEOMETRY_ATTR = re.compile(r' (d|x|y|x1|x2|y1|y2|width|height|transform|points)="([^"]*)"')
_SVG_FONT = re.compile(r"font-size: ([\d.]+px); font-family: [^;\"]*;?\s*")


def _short_numbers(m) -> str:
    """One geometry attribute with its numbers to 0.1 pt and its whitespace collapsed."""
    value = " ".join(_SVG_NUMBER.sub(lambda n: f"{float(n.group(0)):.1f}", m.group(2)).split())
    return f' {m.group(1)}="{value}"'


def _drop_bare_groups(text: str) -> str:
    """``text`` without its attribute-less ``<g>`` wrappers (and their closing tags), which draw nothing.

    >>> _drop_bare_groups('<g><g clip-path="url(#a)"><g><path/></g></g></g>')
    '<g clip-path="url(#a)"><path/></g>'
    """
    out, stack, pos = [], [], 0
    for m in re.finditer(r"<g(?:\s[^>]*)?>|</g>", text):
        out.append(text[pos:m.start()])
        pos = m.end()
        if m.group(0) == "</g>":
            if stack.pop():
                out.append("</g>")
        else:
            bare = m.group(0) == "<g>"
            stack.append(not bare)
            if not bare:
                out.append(m.group(0))
    out.append(text[pos:])
    return "".join(out)


def _compact_svg(text: str) -> str:
    """Matplotlib's SVG made compact: no metadata, ids or layout whitespace, coordinates to 0.1 pt.

    The glyph-free text (``svg.fonttype`` ``none``) keeps its size, weight and anchor; the font stack
    is set once for every ``<text>`` (:data:`SVG_FONTS`), ``rotate(-0 …)`` of unrotated text is dropped.
    """
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'<g id="[^"]*">', "<g>", text)
    text = re.sub(r' transform="rotate\(-0 [^)]*\)"', "", text)
    text = _SVG_FONT.sub(r"font-size:\1;", text)
    text = _SVG_GEOMETRY_ATTR.sub(_short_numbers, text)
    text = re.sub(r">\s+<", "><", text)
    text = _drop_bare_groups(text)
    return text.replace("<defs>", f"<defs><style>text{{font-family:{SVG_FONTS}}}</style>", 1)


def figure_svg(fig, alt: str = "") -> str:
    r"""Render a chart to a compact SVG once, its text as text, and close the figure (also when saving fails).

    Matplotlib's SVG backend with ``svg.fonttype`` ``none`` (no glyph outlines, no rasterising, no
    palette quantisation: on the ten figures of an area report ≈ 0.33 s of CPU against ≈ 1.1–1.4 s
    for the palette PNG, issue 18), made compact by :func:`_compact_svg`. Its ``width``/``height`` are
    the pixels the PNG had at the figure's dpi (shown at the same size); ``alt`` becomes the SVG's
    ``<title>`` and ``aria-label`` (``role="img"``) besides the page's ``alt``. Deterministic: the same
    figure gives the same bytes (fixed ids, no date).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1)); _ = ax.set_title("Väki & työ")
    >>> svg = figure_svg(fig, "Väki & työ")
    >>> svg[:4], svg_size(svg), "<title>Väki &amp; työ</title>" in svg, ">Väki &amp; työ</text>" in svg
    ('<svg', (200, 100), True, True)
    """
    import html as html_lib
    import io

    import matplotlib.pyplot as plt

    buf = io.StringIO()
    w, h = (round(float(v) * fig.dpi) for v in fig.get_size_inches())
    try:
        with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "kasvudata", "svg.id": None}):
            fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = _compact_svg(buf.getvalue())
    label = html_lib.escape(" ".join(str(alt).split()), quote=True)
    head, rest = text.split(">", 1)
    head = re.sub(r' width="[^"]*" height="[^"]*"', f' width="{w}" height="{h}"', head, count=1)
    aria = f' role="img" aria-label="{label}"' if label else ""
    return f"{head}{aria}>" + (f"<title>{label}</title>" if label else "") + rest


def svg_size(text: str) -> tuple[int, int]:
    """Width and height in pixels of an SVG written by :func:`figure_svg` (its root's attributes).

    >>> svg_size('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="500" viewBox="0 0 648 360">')
    (900, 500)
    """
    head = text[text.index("<svg"):].split(">", 1)[0]
    w, h = (re.search(rf' {k}="([\d.]+)', head) for k in ("width", "height"))
    return (round(float(w.group(1))), round(float(h.group(1)))) if w and h else (0, 0)


#: Largest mean difference (0–255, per colour channel) that :func:`optimise_png` accepts for a palette PNG.
PALETTE_TOLERANCE = 1.0


def optimise_png(data: bytes, colours: int = 64, tolerance: float = PALETTE_TOLERANCE) -> bytes:
    """Return a smaller PNG of the same picture: a palette of at most ``colours`` colours, zlib level 8.

    Charts are flat colours with anti-aliased edges, so a median-cut palette keeps them visually the
    same at about a third of the bytes (64 colours: 8 % fewer bytes than 128 on the site's 80 charts of
    SK177's sub-region and the industry profiles, largest mean difference 0.15 of 255). The palette
    image is used only when it stays the same picture: the mean difference of every colour channel at
    most ``tolerance`` (of 255) and no transparency; otherwise (a photograph, a transparent figure) the
    original bytes are returned unchanged.

    Parameters
    ----------
    data : bytes
        A PNG image.
    colours : int
        Palette size (2–256).
    tolerance : float
        Largest accepted mean difference per channel, 0–255.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (40, 20), "#0072B2").save(buf, "PNG", compress_level=0)
    >>> small = optimise_png(buf.getvalue())
    >>> len(small) < len(buf.getvalue()), Image.open(io.BytesIO(small)).mode
    (True, 'P')
    """
    import io

    from PIL import Image, ImageChops, ImageStat

    image = Image.open(io.BytesIO(data))
    if image.mode in ("RGBA", "LA") and image.getextrema()[-1][0] < 255:
        return data  # transparent pixels: a palette without alpha would change them
    rgb = image.convert("RGB")
    palette = rgb.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    if max(ImageStat.Stat(ImageChops.difference(rgb, palette.convert("RGB"))).mean) > tolerance:
        return data
    buf = io.BytesIO()
    # zlib 8, not 9: on the ten figures of an area report 0.11 s instead of 0.28 s of CPU for 0.8 % more
    # bytes (215.5 KB against 213.8 KB), the same pixels (issue 18)
    palette.save(buf, "PNG", compress_level=8)
    out = buf.getvalue()
    return out if len(out) < len(data) else data


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG, read from its header.

    >>> header = bytes.fromhex("89504e470d0a1a0a0000000d49484452")
    >>> png_size(header + (900).to_bytes(4, "big") + (500).to_bytes(4, "big"))
    (900, 500)
    """
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def figure_alt(fig) -> str:
    """A figure's text alternative: its title (the left title of its first titled axes), or ``""``."""
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            title = ax.get_title(loc=loc)
            if title.strip():
                return " ".join(title.split())
    suptitle = getattr(fig, "_suptitle", None)
    return " ".join(suptitle.get_text().split()) if suptitle is not None else ""
