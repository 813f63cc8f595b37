"""Interactive maps for the workshop apps: an ipyleaflet choropleth of Northern Ostrobothnia.

One GeoJSON layer (the simplified WGS84 ``data/processed/web_mk17.geojson``) is
created once and restyled in place when the indicator or the selected area
changes (PITFALLS, ipyleaflet: one layer, restyled, always ``center`` and
``zoom``). No basemap by default: tiles need the internet, the choropleth does
not. Nothing heavy is imported here (no geopandas): app kernels stay lean.

Examples
--------
>>> breaks = class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5)
>>> breaks
[2.8, 4.6, 6.4, 8.2]
>>> colour_for(1, breaks) == PALETTE[0], colour_for(10, breaks) == PALETTE[-1]
(True, True)
"""
from __future__ import annotations

import copy
import html
import math

#: ColorBrewer "Blues" (5 classes), readable on a projector; grey for missing/suppressed.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MISSING = "#d9d9d9"
SELECTED = "#e6550d"
CENTER = (65.1, 26.65)  # Northern Ostrobothnia, WGS84 (lat, lon); the layer's own bounds win
ZOOM = 6.0  # the whole region (Hailuoto to Kuusamo) in a 600 × 400 px map


def bounds_center(geojson: dict, default=CENTER) -> tuple[float, float]:
    """``(lat, lon)`` of the centre of the bounding box of all coordinates in ``geojson``."""
    lons, lats = [], []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            lons.append(c[0])
            lats.append(c[1])
        else:
            for x in c or ():
                walk(x)

    for f in geojson.get("features", []):
        walk((f.get("geometry") or {}).get("coordinates"))
    if not lons:
        return default
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)


def class_breaks(values, k: int = len(PALETTE)) -> list[float]:
    """``k − 1`` equal-count (quantile) class limits of the finite ``values`` (linear interpolation)."""
    xs = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
    if not xs:
        return []
    out = []
    for i in range(1, k):
        pos = (len(xs) - 1) * i / k
        lo, frac = int(math.floor(pos)), pos - math.floor(pos)
        hi = min(lo + 1, len(xs) - 1)
        out.append(round(xs[lo] + (xs[hi] - xs[lo]) * frac, 10))
    return out


def colour_for(value, breaks) -> str:
    """The palette colour of ``value`` (``MISSING`` for NaN/None)."""
    if value is None or not math.isfinite(float(value)):
        return MISSING
    i = sum(1 for b in breaks if float(value) > b)
    return PALETTE[min(i, len(PALETTE) - 1)]


def styled_geojson(geojson: dict, values: dict, selected=(), labels: dict | None = None) -> dict:
    """A copy of ``geojson`` with per-feature ``style`` (choropleth fill, selected outline) and ``label``.

    Parameters
    ----------
    geojson
        FeatureCollection whose features have ``properties.area_code``.
    values
        ``area_code → value`` (NaN or absent: grey).
    selected
        Codes drawn with a thick orange outline (the selected area's municipalities).
    labels
        ``area_code → tooltip text`` (default: the feature's ``name_fi``).
    """
    breaks = class_breaks(values.values())
    sel = set(selected)
    data = copy.deepcopy(geojson)
    for f in data.get("features", []):
        p = f.setdefault("properties", {})
        code = p.get("area_code")
        chosen = code in sel
        p["style"] = {"fillColor": colour_for(values.get(code), breaks), "fillOpacity": 0.8,
                      "color": SELECTED if chosen else "#555555", "weight": 4 if chosen else 0.8,
                      "opacity": 1.0}
        p["label"] = (labels or {}).get(code, p.get("name_fi", code))
        p["selected"] = chosen
    return data


def legend_html(values: dict, fmt=lambda x: f"{x:,.0f}", title: str = "", missing: str = "") -> str:
    """A small HTML legend for the classes of ``values``.

    ``missing`` names the grey of a value that is NaN (e.g. "salattu"): when ``values`` holds one, the
    legend gets a row of its own for it, so a suppressed municipality is not read as a low class.
    """
    breaks = class_breaks(values.values())
    if not breaks:
        return ""
    edges = [None, *breaks, None]
    rows = []
    for i, colour in enumerate(PALETTE[:len(breaks) + 1]):
        lo, hi = edges[i], edges[i + 1]
        text = (f"≤ {fmt(hi)}" if lo is None else f"> {fmt(lo)}" if hi is None else f"{fmt(lo)} – {fmt(hi)}")
        rows.append(f'<div><span class="kd-swatch" style="display:inline-block;width:18px;height:12px;'
                    f'background:{colour};border:1px solid #888;margin-right:6px"></span>{html.escape(text)}</div>')
    if missing and any(v is None or not math.isfinite(float(v)) for v in values.values()):
        rows.append(f'<div class="kd-legend-missing"><span class="kd-swatch" style="display:inline-block;'
                    f'width:18px;height:12px;background:{MISSING};border:1px solid #888;margin-right:6px"></span>'
                    f'{html.escape(missing)}</div>')
    # the size comes from the app's CSS (.kd-map-legend: 15 px, 19 px in projector mode; issue 17)
    return f'<div class="kd-map-legend"><b>{html.escape(title)}</b>{"".join(rows)}</div>'


class ChoroplethMap:
    """The ``kd-map`` widget: one restyled GeoJSON layer, a caption, a legend and hover info.

    Parameters
    ----------
    geojson
        WGS84 FeatureCollection (``area_code``, ``name_fi`` properties).
    on_select
        Called with the ``area_code`` of a clicked municipality.
    basemap
        Add OpenStreetMap tiles (needs the internet; off by default).
    """

    def __init__(self, geojson: dict, on_select=None, basemap: bool = False, height: str = "430px"):
        import ipywidgets as widgets
        from ipyleaflet import GeoJSON, Map, WidgetControl, basemap_to_tiles, basemaps

        self._geojson = geojson
        self._on_select = on_select
        self.layer = GeoJSON(data=styled_geojson(geojson, {}),
                             hover_style={"weight": 3, "color": "#222222", "fillOpacity": 0.95})
        layers = (basemap_to_tiles(basemaps.OpenStreetMap.Mapnik), self.layer) if basemap else (self.layer,)
        size = widgets.Layout(height=height, min_height=height, max_height=height, width="100%", flex="0 0 auto")
        self.map = Map(center=bounds_center(geojson), zoom=ZOOM, zoom_snap=0.25, layers=layers,
                       scroll_wheel_zoom=False, attribution_control=False, layout=size)
        self.map.add_class("kd-map")
        self.caption = widgets.HTML("")
        self.caption.add_class("kd-map-caption")
        self.hover = widgets.HTML("")
        self.hover.add_class("kd-map-hover")
        self.legend = widgets.HTML("")
        self.legend.add_class("kd-map-legend-box")
        self.map.add(WidgetControl(widget=widgets.VBox([self.caption, self.hover]), position="topright"))
        self.map.add(WidgetControl(widget=self.legend, position="bottomleft"))
        self.layer.on_click(self._clicked)
        self.layer.on_hover(self._hovered)

    def _clicked(self, **event):
        props = (event.get("feature") or {}).get("properties") or event.get("properties") or {}
        code = props.get("area_code")
        if code and self._on_select is not None:
            self._on_select(code)

    def _hovered(self, **event):
        props = (event.get("feature") or {}).get("properties") or event.get("properties") or {}
        self.hover.value = html.escape(str(props.get("label", "")))

    def update(self, values: dict, selected=(), labels: dict | None = None, caption: str = "",
               legend: str = "") -> None:
        """Restyle the layer in place (colours, selected outline, tooltip labels) and set the texts."""
        self.layer.data = styled_geojson(self._geojson, values, selected, labels)
        self.caption.value = f"<b>{html.escape(caption)}</b>" if caption else ""
        self.legend.value = legend
