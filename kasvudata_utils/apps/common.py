"""Shared helpers of the Voilà workshop apps (AreaExplorer, ScenarioWorkshop, InsightsBoard).

What every app needs and nothing heavy (ipywidgets and the standard library;
pandas only inside the functions that need it):

- :func:`url_params` reads ``?area=CODE&lang=fi|en`` from Voilà's ``QUERY_STRING``
  (after :func:`voila.utils.wait_for_request` when kernels are preheated) and
  turns a bad area into the default area plus a friendly notice;
- :class:`BaseApp` gives an app its language, a notice line (``kd-notice``) and
  :meth:`BaseApp.safe`, which wraps every widget callback so that an error shows
  as one friendly sentence and never as a traceback;
- :func:`data_badge` is the ``kd-data-badge`` widget, :func:`area_options` and
  :func:`format_number` the label and number conventions shared by the apps;
- :func:`csv_download` is an offline CSV download link (a ``data:`` URI).

Examples
--------
>>> url_params(environ={"QUERY_STRING": "area=ku009&lang=en"})
('KU009', 'en', None)
>>> url_params(environ={"QUERY_STRING": "area=XYZ"})[0]
'MK17'
>>> format_number(12345.678, "en", 1), format_number(12345.678, "fi", 1) == "12\u00a0345,7"
('12,345.7', True)
"""
from __future__ import annotations

import base64
import functools
import html
import os
import sys
import traceback
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets

from .. import areas, provenance
from ..numbers import format_number, signed  # noqa: F401  (one number format for apps, reports and text)
from ..errors import InputError
from ..labels import normalise_lang, t

# Stable CSS classes (SPEC §7) plus the project's own helpers.
NOTICE_CLASS = "kd-notice"
BADGE_CLASS = "kd-data-badge"

# Readable on a 1280×720 projector: larger base font, summary and notices that stand out.
APP_CSS = """
<style>
.kd-app { font-size: 15px; max-width: 1260px; }
.kd-app .widget-label, .kd-app .widget-readout, .kd-app select, .kd-app input { font-size: 15px; }
.kd-summary { font-size: 17px; line-height: 1.45; padding: 6px 10px; background: #f3f6fa;
              border-left: 4px solid #1f5f99; }
.kd-notice { font-size: 15px; color: #7a4b00; }
.kd-notice { padding: 4px 10px; background: #fff4dc; border-left: 4px solid #e0a100; }
.kd-data-badge { font-size: 13px; }
.kd-badge-synthetic { color: #8a1c1c; font-weight: bold; }
.kd-assumptions { font-size: 14px; }
.kd-app table.kd-table { border-collapse: collapse; font-size: 14px; }
.kd-app table.kd-table td, .kd-app table.kd-table th { padding: 2px 8px; text-align: right;
                                                        border-bottom: 1px solid #ddd; }
.kd-app table.kd-table td:first-child, .kd-app table.kd-table th:first-child { text-align: left; }
</style>
"""


def _log_exception(exc: BaseException) -> None:
    """Write a traceback to the server's log (the process's real stderr), never to the page."""
    try:
        print("".join(traceback.format_exception(exc)), file=sys.__stderr__, flush=True)
    except Exception:  # logging must never break an app
        pass


def query_params(environ=None) -> dict[str, str]:
    """The page URL's query parameters as a dict of first values (empty outside Voilà).

    With preheated kernels Voilà fills ``QUERY_STRING`` only once a browser asks
    for the page; :func:`voila.utils.wait_for_request` blocks until then
    (PITFALLS, Voilà 0.5). It is a no-op when kernels are not preheated.
    """
    if environ is None:
        if os.environ.get("VOILA_PREHEAT", "False") != "False":
            try:
                from voila.utils import wait_for_request

                wait_for_request()
            except Exception as exc:  # no request info: fall back to the defaults
                _log_exception(exc)
        environ = os.environ
    qs = str(environ.get("QUERY_STRING", "") or "").lstrip("?")
    return {k: v[0] for k, v in parse_qs(qs, keep_blank_values=True).items() if v}


def resolve_area(value, lang: str = "fi", default: str = areas.DEFAULT_AREA,
                 allowed=None) -> tuple[str, str | None]:
    """Normalise an area from a URL or widget: ``(code, notice)``.

    An unknown code, or one outside ``allowed``, gives ``default`` and a
    friendly notice (``labels`` key ``unknown_area_notice``) instead of an error.
    """
    if value is None or str(value).strip() == "":
        return default, None
    try:
        code = areas.normalise_area(value)
    except InputError:
        code = None
    if code is None or (allowed is not None and code not in allowed):
        return default, t("unknown_area_notice", lang, value=str(value)[:40],
                          default=f"{area_label(default, lang)}")
    return code, None


def url_params(area=areas.DEFAULT_AREA, lang: str = "fi", environ=None,
               allowed=None) -> tuple[str, str, str | None]:
    """``(area_code, lang, notice)`` from ``?area=CODE&lang=fi|en``; the arguments are the defaults.

    Parameters
    ----------
    area, lang
        Defaults used when the URL does not name them (a notebook's parameters cell).
    environ
        A mapping with ``QUERY_STRING``; ``None`` reads the kernel's environment.
    allowed
        Area codes the app can show; any other area falls back to ``area`` with a notice.
    """
    params = query_params(environ)
    lang = normalise_lang(params.get("lang", lang))
    default, _ = resolve_area(area, lang, areas.DEFAULT_AREA, allowed)
    code, notice = resolve_area(params.get("area"), lang, default, allowed)
    return code, lang, notice


def area_label(code: str, lang: str = "fi") -> str:
    """``'Alavieska (KU009)'``: the name as users know it, with the code facilitators hand out."""
    try:
        return f"{areas.area_name(code, lang)} ({code})"
    except InputError:
        return str(code)


def code_from_label(label) -> str:
    """Inverse of :func:`area_label`: the code in the last parentheses, else the text itself."""
    s = str(label or "").strip()
    if s.endswith(")") and "(" in s:
        return s[s.rindex("(") + 1:-1].strip()
    return s


def area_options(codes, lang: str = "fi") -> list[str]:
    """Dropdown/Combobox option labels for ``codes``, in the given order."""
    return [area_label(c, lang) for c in codes]


def notice_widget() -> widgets.HTML:
    """An empty notice line (``kd-notice``); fill it with :meth:`BaseApp.show_notice`."""
    w = widgets.HTML("", layout=widgets.Layout(display="none"))
    w.add_class(NOTICE_CLASS)
    return w


def badge_html(prov: dict | None, lang: str = "fi") -> str:
    """HTML of the data badge: real/synthetic/mixed plus sources (synthetic is shown in bold red)."""
    prov = prov or dict(provenance.UNKNOWN)
    css = "kd-badge-synthetic" if prov.get("kind") in ("synthetic", "mixed") else "kd-badge-real"
    return f'<span class="{css}">{html.escape(provenance.badge_text(prov, lang))}</span>'


def data_badge(prov: dict | None = None, lang: str = "fi") -> widgets.HTML:
    """The ``kd-data-badge`` widget (SPEC §7): says whether figures are real, synthetic or mixed."""
    w = widgets.HTML(badge_html(prov, lang))
    w.add_class(BADGE_CLASS)
    return w


def csv_download_html(df, filename: str, lang: str = "fi") -> str:
    """An ``<a download>`` link carrying ``df`` as CSV in a ``data:`` URI (works offline, no server route)."""
    payload = base64.b64encode(df.to_csv(index=False).encode("utf-8")).decode("ascii")
    name = html.escape(filename, quote=True)
    return (f'<a class="kd-csv-download" download="{name}" href="data:text/csv;charset=utf-8;base64,{payload}">'
            f'⬇ {html.escape(t("download_csv", lang))}</a>')


class BaseApp:
    """Common frame of the workshop apps: language, notice line, safe callbacks, CSS.

    Subclasses build their widgets and set ``self.view`` (the top-level widget
    a notebook displays). Every observer and button handler goes through
    :meth:`safe`, so a failing callback shows ``error_notice`` in the notice
    line and logs the traceback to the server log, never to the page.
    """

    css_class = "kd-app"

    def __init__(self, lang: str = "fi"):
        self.lang = normalise_lang(lang)
        self.notice = notice_widget()
        self.style = widgets.HTML(APP_CSS)
        self.view = widgets.VBox([])

    # -- notices --------------------------------------------------------------------------
    def show_notice(self, text: str | None) -> None:
        """Show one friendly line (escaped); ``None`` or ``''`` clears the line."""
        self.notice.value = html.escape(text) if text else ""
        self.notice.layout.display = None if text else "none"  # no empty bar on the projector

    def clear_notice(self) -> None:
        self.show_notice(None)

    def fail(self, exc: BaseException) -> None:
        """Turn an exception into a friendly notice: ``InputError`` text as is, others generic."""
        if isinstance(exc, InputError):
            message = str(exc)
        else:
            _log_exception(exc)
            message = t("internal_error_hint", self.lang)
        self.show_notice(t("error_notice", self.lang, message=message))

    def safe(self, fn):
        """Wrap a callback: exceptions become a notice (see :meth:`fail`), never a traceback."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                self.fail(exc)
                return None

        return wrapper

    def finish_view(self, children) -> widgets.VBox:
        """The app's top-level box: style, notice line, then ``children``."""
        self.view = widgets.VBox([self.style, self.notice, *children])
        self.view.add_class(self.css_class)
        return self.view

    @classmethod
    def allowed_areas(cls):
        """Area codes the app can show (``None``: any valid code)."""
        return None

    @classmethod
    def from_url(cls, area=areas.DEFAULT_AREA, lang: str = "fi", **kwargs):
        """Build the app from the page URL (``?area=&lang=``), defaults from the notebook's parameters.

        Never raises: an app that cannot be built shows a notice in its place.
        """
        params = query_params()
        lang = normalise_lang(params.get("lang", lang))
        try:
            allowed = cls.allowed_areas()
            env = {"QUERY_STRING": urlencode({"area": params.get("area", ""), "lang": lang})}
            code, lang, notice = url_params(area, lang, environ=env, allowed=allowed)
            app = cls(area=code, lang=lang, **kwargs)
        except Exception as exc:
            return ErrorApp(exc, lang)
        if notice:
            app.show_notice(notice)
        return app


class ErrorApp(BaseApp):
    """Stand-in shown when an app cannot start (e.g. data not built): one friendly line."""

    def __init__(self, exc: BaseException, lang: str = "fi"):
        super().__init__(lang)
        self.fail(exc)
        self.finish_view([])


# -- the apps' small data cache -------------------------------------------------------------------
# App kernels must stay lean (no geopandas/statsmodels/esda, no firm panel in memory): the indicator
# series of the 38 Northern Ostrobothnia areas are computed once, by `precompute_app_data` (called
# from `kasvudata data build` or on first use), into data/processed/app_cache/.

APP_CACHE_DIR = "app_cache"
APP_CACHE_FILE = "app_indicators.parquet"
APP_META_FILE = "app_meta.json"
#: Indicators kept per TOL section (the scenario model and the explorer's tables need them).
SECTION_INDICATORS = ("establishments", "personnel", "turnover_eur", "exports_eur")
#: Extra references computed besides each area's default reference (SPEC §1).
EXTRA_REFERENCES = ("SSS",)


def app_cache_dir(out_dir=None):
    """Folder of the app cache (default ``data/processed/app_cache``)."""
    from pathlib import Path

    from ..paths import processed_dir

    return Path(out_dir) if out_dir is not None else processed_dir() / APP_CACHE_DIR


def _source_files():
    from ..paths import processed_dir

    return [processed_dir() / "firm_panel.parquet", processed_dir() / "business_table.parquet"]


def precompute_app_data(out_dir=None):
    """Compute the apps' indicator cache (38 home areas + references) and return its folder.

    Runs the indicator engine (with disclosure control) on the embedded firm panel, the
    business table serving references outside Northern Ostrobothnia (``SSS``). Writes
    ``app_indicators.parquet`` (SPEC §4 long shape; every indicator for ``ALL``, the levels
    of :data:`SECTION_INDICATORS` per section) and ``app_meta.json`` (provenance).
    Deterministic: the same data give the same files.
    """
    import json

    import pandas as pd

    from ..data import load_business_table, load_firm_panel
    from ..indicators import compute_indicators_many

    panel, table = load_firm_panel(), load_business_table()
    parts = [compute_indicators_many(panel, areas.home_region_areas(), reference_data=table)]
    for ref in EXTRA_REFERENCES:  # the reference's own series, for "area vs reference" charts
        parts.append(compute_indicators_many(table, [ref], reference=ref))
    provs = [provenance.get(p) for p in parts]
    keep = []
    for p in parts:
        cols = ["area_code", "reference_code", "indicator", "industry_code", "year", "value", "suppressed"]
        p = p[cols]
        mask = (p["industry_code"] == "ALL") | p["indicator"].isin(SECTION_INDICATORS)
        keep.append(p[mask])
    out = pd.concat(keep, ignore_index=True).sort_values(
        ["area_code", "reference_code", "indicator", "industry_code", "year"], kind="stable", ignore_index=True)
    folder = app_cache_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    out.to_parquet(folder / APP_CACHE_FILE, index=False)
    meta = {"provenance": provenance.combine(*provs), "areas": sorted(out["area_code"].unique().tolist())}
    (folder / APP_META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True),
                                        encoding="utf-8")
    return folder


def ensure_app_data(out_dir=None):
    """The cache folder, (re)built when missing or older than the firm panel / business table."""
    folder = app_cache_dir(out_dir)
    target = folder / APP_CACHE_FILE
    sources = [p for p in _source_files() if p.exists()]
    if not target.exists() or (folder / APP_META_FILE).exists() is False or any(
            p.stat().st_mtime > target.stat().st_mtime for p in sources):
        precompute_app_data(folder)
    return folder


class AppData:
    """What the apps read: the indicator cache (long table), its provenance and the web map.

    Parameters
    ----------
    indicators
        SPEC §4 long table (``area_code, reference_code, indicator, industry_code, year, value, suppressed``).
    prov
        Provenance dict of the figures (for the data badge).
    geojson
        WGS84 GeoJSON of the MK17 municipalities (``area_code``, ``name_fi`` properties) or ``None``.
    """

    def __init__(self, indicators, prov: dict | None = None, geojson: dict | None = None):
        self.indicators = indicators
        self.prov = prov or dict(provenance.UNKNOWN)
        self.geojson = geojson
        self._codes = set(indicators["area_code"].unique())

    @classmethod
    def load(cls, out_dir=None) -> "AppData":
        """The cache (built first if needed) plus the web map; a missing map leaves ``geojson`` ``None``."""
        import json

        import pandas as pd

        folder = ensure_app_data(out_dir)
        ind = pd.read_parquet(folder / APP_CACHE_FILE)
        meta = json.loads((folder / APP_META_FILE).read_text(encoding="utf-8"))
        try:
            from ..data import load_web_geojson

            geo = load_web_geojson()
        except InputError:
            geo = None
        return cls(ind, meta.get("provenance"), geo)

    def has(self, code) -> bool:
        return code in self._codes

    def area_codes(self) -> list[str]:
        """Areas with data, in the order of a picker: region, sub-regions, then municipalities by name."""
        home = [c for c in areas.home_region_areas() if c in self._codes]
        mk = [c for c in home if c.startswith("MK")]
        sk = sorted((c for c in home if c.startswith("SK")), key=lambda c: areas.area_name(c))
        ku = sorted((c for c in home if c.startswith("KU")), key=lambda c: areas.area_name(c))
        return mk + sk + ku

    def reference_codes(self, area: str) -> list[str]:
        """References offered for ``area``: its default first, then wider areas that have data."""
        out = [areas.default_reference(area)]
        a = areas.get_area(area)
        for c in (a.subregion_code, a.region_code, areas.HOME_REGION, areas.COUNTRY):
            if c and c != area and c not in out and areas.contains(c, area):
                out.append(c)
        return [c for c in out if self.has(c)] or out[:1]

    def years(self) -> tuple[int, int]:
        y = self.indicators["year"]
        return int(y.min()), int(y.max())

    def _rows(self, area, indicator, industry="ALL"):
        d = self.indicators
        d = d[(d["area_code"] == area) & (d["indicator"] == indicator) & (d["industry_code"] == industry)]
        # level indicators do not depend on the reference: one row per year
        return d.sort_values(["year", "reference_code"], kind="stable").drop_duplicates("year")

    def series(self, area, indicator, industry="ALL"):
        """``year, value, suppressed`` of one indicator of one area (suppressed values are NaN)."""
        d = self._rows(area, indicator, industry)[["year", "value", "suppressed"]].reset_index(drop=True)
        return d.assign(value=d["value"].where(~d["suppressed"].astype(bool)))

    def value(self, area, indicator, year, industry="ALL") -> float:
        """One value (NaN when missing or suppressed)."""
        s = self.series(area, indicator, industry)
        s = s[s["year"] == year]
        return float(s["value"].iloc[0]) if len(s) and s["value"].notna().iloc[0] else float("nan")

    def section_table(self, area):
        """Wide ``industry_code, year`` + :data:`SECTION_INDICATORS` for one area (suppressed → NaN)."""
        d = self.indicators
        d = d[(d["area_code"] == area) & (d["industry_code"] != "ALL") & d["indicator"].isin(SECTION_INDICATORS)]
        d = d.sort_values(["reference_code"], kind="stable").drop_duplicates(["indicator", "industry_code", "year"])
        d = d.assign(value=d["value"].where(~d["suppressed"].astype(bool)))
        wide = d.pivot_table(index=["industry_code", "year"], columns="indicator", values="value",
                             aggfunc="first", dropna=False).reset_index()
        for c in SECTION_INDICATORS:
            if c not in wide.columns:
                wide[c] = float("nan")
        wide.columns.name = None
        return wide[["industry_code", "year", *SECTION_INDICATORS]]
