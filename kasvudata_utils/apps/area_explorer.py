"""AreaExplorer: the workshop's "look together" app (issue 5, SPEC §7).

Pick an area (``kd-area-select``, searchable), a reference (``kd-reference-select``),
years (``kd-year-range``) and an indicator; see the choropleth of Northern
Ostrobothnia (``kd-map``, the selected area outlined, click to select), the
area against its reference over time (``kd-chart``), one summary sentence with
the headline figures (``kd-summary``), a table with a CSV download and the
data badge (``kd-data-badge``). Figures come from the app cache
(:class:`~kasvudata_utils.apps.cache.AppData`), computed with disclosure control.

Side by side (issue 19): ``?area=KU009&compare=KU977,KU071`` (or the ``kd-compare`` box) puts up
to ten areas in one chart and table; ``compare=similar`` takes the most similar areas of the
region (:mod:`kasvudata_utils.research.similar`), precomputed in the app cache (``AppData.similar``) so that
the lean kernel reads no Parquet. Areas outside the app cache give a notice.

Examples
--------
>>> app = AreaExplorer(area="KU009", lang="en")
>>> app.summary.value.startswith("Alavieska (KU009)")
True
"""
from __future__ import annotations

import contextlib
import html
import math

import ipywidgets as widgets

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.apps.cache import AppData
from kasvudata_utils.apps.charts import svg_line_chart
from kasvudata_utils.apps.common import (
    AllowedAreas,
    BaseApp,
    area_label,
    area_options,
    badge_css,
    csv_download_html,
    data_badge,
    format_number,
    resolve_area,
    signed,
    typed_area,
)
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators.growth import DEFAULT_END_YEAR, DEFAULT_START_YEAR
from kasvudata_utils.indicators.smallnumbers import SMALL_NUMBER_FIRMS, SMALL_NUMBER_MARK, rate_bases
from kasvudata_utils.labels import t
from kasvudata_utils.maps import ChoroplethMap, legend_html
from kasvudata_utils.numbers import format_pct
from kasvudata_utils.research.similar import (
    asks_for_similar,
    comparison_set,
    feature_label,
    feature_table,
)

#: Indicators offered in the picker (those present in the cache are shown).
INDICATORS = ("personnel", "establishments", "turnover_eur", "exports_eur", "birth_rate_pct", "death_rate_pct",
              "churn_rate_pct", "survival_rate_1y_pct", "hge_count", "micro_hge_count", "exporter_count",
              "export_intensity_pct", "micro_share_pct")
#: Levels are compared as growth (%) and charted as an index; rates as points and charted as they are.
RATE_INDICATORS = {"birth_rate_pct", "death_rate_pct", "churn_rate_pct", "survival_rate_1y_pct",
                   "survival_rate_3y_pct", "export_intensity_pct", "micro_share_pct"}

#: Line colours of the side-by-side chart (Okabe & Ito 2008, then two greys): the area itself first.
COMPARE_COLOURS = ("#e6550d", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
                   "#999999", "#666666")

_DATA: AppData | None = None


def _data() -> AppData:
    global _DATA
    if _DATA is None:
        _DATA = AppData.load()
    return _DATA


class AreaExplorer(BaseApp):
    """The area explorer app; ``AreaExplorer(area="KU009", lang="fi").view`` is the widget to show.

    Parameters
    ----------
    area, lang
        Area code (any accepted spelling) and ``fi``/``en``.
    data
        An :class:`AppData` (tests pass a small one); default the project's app cache.
    """

    @classmethod
    def preload(cls) -> None:
        """Load the cache and the map and import the widget libraries (before the page request)."""
        try:
            _data()
            import ipyleaflet  # noqa: F401
        except Exception:  # never a traceback in the notebook: from_url shows the notice
            pass

    @classmethod
    def allowed_areas(cls):
        """The areas of the app cache, and custom areas (``KU009+KU977``) inside the home region."""
        return AllowedAreas(_data().area_codes())

    def __init__(self, area=areas.DEFAULT_AREA, lang: str = "fi", data: AppData | None = None, map: bool = True):
        super().__init__(lang)
        self.data = data or _data()
        codes = self.data.area_codes()
        if not codes:
            raise InputError("the app cache has no areas: run `kasvudata data build`")
        code = areas.normalise_area(area)
        if areas.is_custom(code) and areas.contains(areas.HOME_REGION, code):
            self.data.add_areas([code])  # the user's grouping, computed on demand
            codes = [*codes, code] if code not in codes else codes
        if code not in codes:
            raise InputError(f"area {area!r}: expected one of the {len(codes)} Northern Ostrobothnia areas")
        self.area = code
        self._bases: dict = {}  # area → rate_bases, computed on first use
        L = self.lang
        y0, y1 = self.data.years()
        present = set(self.data.indicators["indicator"].unique())
        self.indicator_codes = [i for i in INDICATORS if i in present]

        self.title = widgets.HTML(f"<h2 style='margin:4px 0'>{html.escape(t('explorer_title', L))}</h2>")
        self.area_select = widgets.Combobox(options=area_options(codes, L), value=area_label(code, L),
                                            placeholder=t("search_area", L), ensure_option=False,
                                            description=t("area", L), continuous_update=False,
                                            layout=widgets.Layout(width="580px"))
        self.area_select.add_class("kd-area-select")
        self.reference_select = widgets.Dropdown(description=t("reference", L), layout=widgets.Layout(width="580px"))
        self.reference_select.add_class("kd-reference-select")
        # the reports' default period, so that the explorer opens on the same change figure (issue 13)
        d0, d1 = max(y0, DEFAULT_START_YEAR), min(y1, DEFAULT_END_YEAR)
        self.year_range = widgets.IntRangeSlider(min=y0, max=y1, value=(d0, d1) if d0 < d1 else (y0, y1),
                                                 step=1, description=t("years", L),
                                                 continuous_update=False, layout=widgets.Layout(width="440px"))
        self.year_range.add_class("kd-year-range")
        self.indicator_select = widgets.Dropdown(options=[(t(f"ind_{i}", L), i) for i in self.indicator_codes],
                                                 value=self.indicator_codes[0], description=t("indicator", L),
                                                 layout=widgets.Layout(width="max-content", min_width="440px"))
        self.indicator_select.add_class("kd-indicator-select")
        self.compare_box = widgets.Text(value="", placeholder=t("compare_placeholder", L),
                                        description=t("compare", L), continuous_update=False,
                                        layout=widgets.Layout(width="440px"))
        self.compare_box.add_class("kd-compare")
        self.compare: list[str] = []
        for w in (self.area_select, self.reference_select, self.year_range, self.indicator_select,
                  self.compare_box):
            w.style.description_width = "130px"
        self.summary = widgets.HTML("")
        self.summary.add_class("kd-summary")
        self.chart = widgets.HTML("", layout=widgets.Layout(width="100%", max_width="620px"))
        self.chart.add_class("kd-chart")
        self.table = widgets.HTML("")
        self.table.add_class("kd-table")
        self.download = widgets.HTML("")
        self.similar_info = widgets.HTML("")  # with compare=similar: distances, features, weights, sources
        self.similar_info.add_class("kd-similar")
        self.badge = data_badge(self.data.prov_for(self.indicator_select.value), L)
        self.map = None
        if map and self.data.geojson:

            self.map = ChoroplethMap(self.data.geojson, on_select=self.safe(self.select_area), height="400px")
        hint = widgets.HTML(f"<i>{html.escape(t('map_hint', L))}</i>")

        self._set_reference_options()
        self.area_select.observe(self.safe(self._on_area), names="value")
        for w in (self.reference_select, self.year_range, self.indicator_select):
            w.observe(self.safe(self._on_change), names="value")
        self.compare_box.observe(self.safe(self._on_compare), names="value")

        # two columns of controls: the map and the chart stay above the fold of a 1280×720 projector
        controls = widgets.HBox([widgets.VBox([self.area_select, self.reference_select]),
                                 widgets.VBox([self.indicator_select, self.year_range, self.compare_box])])
        left = widgets.VBox([self.map.map, hint] if self.map else [hint], layout=widgets.Layout(width="48%"))
        # what "all industries" covers, beside the figures (issue 13)
        self.coverage = widgets.HTML(f"<small>{html.escape(industries.coverage_text(L))}</small>")
        self.coverage.add_class("kd-coverage")
        right = widgets.VBox([self.chart, self.table, self.download, self.similar_info, self.coverage],
                             layout=widgets.Layout(width="50%"))
        self.finish_view([self.title, self.badge, controls, self.summary,
                          widgets.HBox([left, right], layout=widgets.Layout(width="100%", align_items="flex-start"))])
        self.refresh()

    # -- events -------------------------------------------------------------------------------
    def select_area(self, code) -> None:
        """Select an area by code (map clicks and tests); unknown codes give a notice."""
        code = areas.normalise_area(code)
        if code not in self.data.area_codes():
            raise InputError(f"area {code!r}: expected a Northern Ostrobothnia area")
        self.area_select.value = area_label(code, self.lang)  # triggers _on_area

    def _on_area(self, change) -> None:
        """A picked option, or a typed name or code + Enter ("Oulu" → Oulu (KU564)); else a notice."""
        code = typed_area(self.area_select, change["new"], self.area, self.data.area_codes(), self.lang)
        if code is None:
            return
        self.clear_notice()
        if code == self.area:
            return
        self.area = code
        self.compare = [c for c in self.compare if c != code]
        self._set_reference_options()
        self.refresh()

    def _on_change(self, change) -> None:
        if not self._updating:
            self.refresh()

    def apply_url(self, params: dict) -> None:
        """Apply the URL parameters after the area (the state :meth:`url_query` writes).

        ``reference``, ``start``/``end``, ``indicator`` and ``compare=CODE,CODE…`` or ``compare=similar``;
        a value the app cannot show keeps the default.
        """
        before = (self.reference, self.year_range.value, self.indicator_select.value)
        self._updating = True
        try:
            ref, _ = resolve_area(params.get("reference"), self.lang, self.reference)
            if ref in [v for _, v in self.reference_select.options]:
                self.reference_select.value = ref
            y0, y1 = self.year_range.value
            with contextlib.suppress(TypeError, ValueError):  # an unreadable year keeps the default period
                y0, y1 = int(params.get("start", y0)), int(params.get("end", y1))
            if self.year_range.min <= y0 < y1 <= self.year_range.max:
                self.year_range.value = (y0, y1)
            if params.get("indicator") in self.indicator_codes:
                self.indicator_select.value = params["indicator"]
        finally:
            self._updating = False
        if params.get("compare"):
            self.compare_box.value = str(params["compare"])[:400]  # triggers _on_compare and refresh
        elif before != (self.reference, self.year_range.value, self.indicator_select.value):
            self.refresh()

    def url_query(self) -> str:
        """The view as a URL query: area, reference, years, indicator, compared areas and language."""
        y0, y1 = self.year_range.value
        return self.set_url_state({"area": self.area, "reference": self.reference, "start": y0, "end": y1,
                                   "indicator": self.indicator_select.value, "compare": self.compare_box.value})

    def _on_compare(self, change) -> None:
        self.clear_notice()
        self.compare = []
        try:
            self.set_compare(change["new"])
        finally:
            self.refresh()

    def set_compare(self, value) -> None:
        """Areas side by side with the current one; those outside the app cache give a notice."""
        text = str(value or "").strip()
        self.similar_info.value = ""
        if not text:
            codes = []
        elif asks_for_similar(text):
            # from the app cache, computed for the workshop's data source (population and unemployment
            # fetched beside its table, if any): the kernel reads no Parquet (pyarrow is blocked there)
            found = self.data.similar(self.area)
            if not found or not found[0]:
                self.compare = []
                self.show_notice(t("similar_missing_notice", self.lang, area=area_label(self.area, self.lang)))
                return
            pairs, vintage = found
            codes = [c for c, _ in pairs]
            self.similar_info.value = self._similar_html(pairs, vintage)
        else:
            codes = comparison_set(self.area, text)[1:]
        custom = [c for c in codes if areas.is_custom(c) and areas.contains(areas.HOME_REGION, c)]
        if custom:
            self.data.add_areas(custom)
        missing = [c for c in codes if not self.data.has(c)]
        self.compare = [c for c in codes if self.data.has(c) and c != self.area]
        if missing:
            self.show_notice(t("compare_missing_notice", self.lang, areas=", ".join(missing)))

    _updating = False

    def _set_reference_options(self) -> None:
        refs = self.data.reference_codes(self.area)
        self._updating = True
        try:
            current = self.reference_select.value
            self.reference_select.options = [(area_label(c, self.lang), c) for c in refs]
            self.reference_select.value = current if current in refs else refs[0]
        finally:
            self._updating = False

    # -- computing what is shown ----------------------------------------------------------------
    @property
    def reference(self) -> str:
        """Code of the reference area chosen in the reference picker."""
        return self.reference_select.value

    def _window(self, code, indicator):
        s = self.data.series(code, indicator)
        y0, y1 = self.year_range.value
        return s[(s["year"] >= y0) & (s["year"] <= y1)].reset_index(drop=True)

    def _change_text(self, s, indicator, area=None) -> tuple[str, float]:
        """``(text, number)`` of the change over the window: growth % for levels, points for rates."""
        if area is not None and self.data.unavailable(area, indicator):
            return t("grouping_not_available", self.lang), float("nan")
        if len(s) < 2 or s["value"].isna().iloc[0] or s["value"].isna().iloc[-1]:
            return t("no_data", self.lang), float("nan")
        v0, v1 = float(s["value"].iloc[0]), float(s["value"].iloc[-1])
        if indicator in RATE_INDICATORS:
            d = v1 - v0
            unit = " %-yks." if self.lang == "fi" else " pp"
            if self._few(area or self.area, indicator, (int(s["year"].iloc[0]), int(s["year"].iloc[-1]))):
                return signed(d, self.lang, 0) + SMALL_NUMBER_MARK + unit, d  # few firms: whole points, marked
            return signed(d, self.lang, 1) + unit, d
        if v0 == 0:
            return t("no_data", self.lang), float("nan")
        g = (v1 / v0 - 1) * 100
        return format_pct(g, self.lang, 1, signed=True), g  # as the reports write it (−11,8 % / -11.8%)

    def _few(self, area, indicator, years) -> bool:
        """True where the rate of ``area`` in any of ``years`` rests on fewer than SMALL_NUMBER_FIRMS firms."""
        if area not in self._bases:
            self._bases[area] = rate_bases(self.data.indicators, area)
        bases = self._bases[area]
        return any(bases.get((indicator, int(y)), SMALL_NUMBER_FIRMS) < SMALL_NUMBER_FIRMS for y in years)

    def _value_text(self, area, indicator, year, value, decimals) -> str:
        """A value as the tables show it: a rate on few firms as a whole number with the mark."""
        if self._few(area, indicator, (year,)):
            return format_number(value, self.lang, 0) + SMALL_NUMBER_MARK
        return format_number(value, self.lang, decimals)

    def summary_text(self) -> str:
        """The ``kd-summary`` sentence(s): area, window, indicator, change, reference change, headline figures."""
        L, ind = self.lang, self.indicator_select.value
        y0, y1 = self.year_range.value
        s, r = self._window(self.area, ind), self._window(self.reference, ind)
        if len(s):  # a series that starts later (survival: births needed first) says the years it compares
            y0, y1 = int(s["year"].iloc[0]), int(s["year"].iloc[-1])
            r = r[(r["year"] >= y0) & (r["year"] <= y1)].reset_index(drop=True)
        last = s["value"].iloc[-1] if len(s) else float("nan")
        decimals = 1 if ind in RATE_INDICATORS else 0
        first = t("explorer_summary", L, area=area_label(self.area, L), start=y0, end=y1,
                  indicator=t(f"ind_{ind}", L).lower() if L == "fi" else t(f"ind_{ind}", L),
                  value=self._value_text(self.area, ind, y1, last, decimals) if not math.isnan(last)
                  else t("suppressed", L),
                  change=t("change_since", L, change=self._change_text(s, ind, self.area)[0]),
                  reference=areas.official_name(self.reference, L),
                  ref_change=self._change_text(r, ind, self.reference)[0])
        firms = self.data.value(self.area, "establishments", y1)
        pers = self.data.value(self.area, "personnel", y1)
        exports = self.data.value(self.area, "exports_eur", y1)
        second = t("explorer_headline", L, year=y1, firms=format_number(firms, L),
                   personnel=format_number(pers, L),
                   exports=t("million_eur", L, value=format_number(exports / 1e6, L, 1))
                   if not math.isnan(exports)
                   else t("suppressed" if self.data.is_suppressed(self.area, "exports_eur", y1) else "no_data", L))
        if self.data.unavailable(self.area, ind):  # a grouping: the cache's published cells do not give it
            first = t("grouping_not_available_summary", L, area=area_label(self.area, L),
                      indicator=t(f"ind_{ind}", L).lower() if L == "fi" else t(f"ind_{ind}", L))
        text = f"{first} {second}".replace("..", ".")
        if self.compare:
            items = "; ".join(f"{area_label(c, L)} {self._change_text(self._window(c, ind), ind, c)[0]}"
                              for c in self.compare)
            text += " " + t("explorer_compare_summary", L, start=y0, end=y1, items=items)
        return text

    def _similar_html(self, pairs, vintage: dict | None) -> str:
        """The similar areas (``(code, distance)`` pairs) and every feature with its weight and source.

        ``vintage``: the years and sources of the run's population and unemployment.
        """
        L = self.lang
        rows = "".join(f"<tr><td>{html.escape(area_label(c, L))}</td><td>{format_number(d, L, 2)}</td></tr>"
                       for c, d in pairs)
        feats = "".join(f"<li>{html.escape(feature_label(r.feature, L, vintage))}: {t('similar_weight', L)} "
                        f"{format_number(r.weight, L, 3)}"
                        f" · {html.escape(r.source)}</li>"
                        for r in feature_table(vintage=vintage).itertuples())
        return (f'<table class="kd-table"><caption>{html.escape(t("sec_similar", L))}</caption>'
                f"<tr><th>{html.escape(t('area', L))}</th><th>{html.escape(t('col_similarity_distance', L))}</th>"
                f"</tr>{rows}</table><p class='kd-note'>{html.escape(t('similar_features_note', L))}</p>"
                f"<ul class='kd-note'>{feats}</ul>")

    def compare_frame(self):
        """Long ``area_code, indicator, year, value, suppressed`` of the area and the compared areas."""
        import pandas as pd

        ind = self.indicator_select.value
        parts = [self._window(c, ind).assign(area_code=c) for c in [self.area, *self.compare]]
        out = pd.concat(parts, ignore_index=True).assign(indicator=ind)
        return out[["area_code", "indicator", "year", "value", "suppressed"]]

    def _compare_names(self) -> list[str]:
        """Short names of the area and the compared areas; a name that repeats gets its code.

        A sub-region shares its name with its centre (Ylivieska: KU977 and SK177).
        """
        codes = [self.area, *self.compare]
        short = [areas.area_name(c, self.lang) for c in codes]
        return [n if short.count(n) == 1 else f"{n} ({c})" for n, c in zip(short, codes, strict=True)]

    def _compare_table_html(self, df) -> str:
        L, ind = self.lang, self.indicator_select.value
        dec = 1 if ind in RATE_INDICATORS else 0
        codes = [self.area, *self.compare]
        head = "".join(f"<th>{html.escape(n)}</th>" for n in self._compare_names())
        wide = df.pivot_table(index="year", columns="area_code", values="value", aggfunc="first", dropna=False)
        rows = "".join(f"<tr><td>{int(y)}</td>" + "".join(
            f"<td>{format_number(wide.at[y, c], L, dec) if c in wide else ''}</td>" for c in codes) + "</tr>"
            for y in sorted(df["year"].unique()))
        note = "".join(f"<small class='kd-note'>{html.escape(self._grouping_note(c))}</small>"
                       for c in codes if self.data.unavailable(c, ind))
        return (f'<table class="kd-table kd-compare-table"><caption>{html.escape(t(f"ind_{ind}", L))}</caption>'
                f"<tr><th>{html.escape(t('year', L))}</th>{head}</tr>{rows}</table>{note}")

    def _grouping_note(self, area) -> str:
        """The sentence saying that the indicator is not available for the grouping ``area``."""
        return t("grouping_not_available_summary", self.lang, area=area_label(area, self.lang),
                 indicator=t(f"ind_{self.indicator_select.value}", self.lang))

    def structure_frame(self):
        """Per section and compared area: personnel share (%) and LQ against the home region, last year of the window.

        ``share_pct = 100 · e_i / e``; ``lq = (e_i / e) / (E_i / E)`` with E = Northern Ostrobothnia, shown only
        where the area cell has at least 3 establishments (METHODS "Specialisation"); suppressed cells stay empty.
        """
        import pandas as pd

        year = self.year_range.value[1]
        ref = self.data.section_table(areas.HOME_REGION)
        ref = ref[ref["year"] == year].set_index("industry_code")["personnel"]
        ref_total = self.data.value(areas.HOME_REGION, "personnel", year)
        rows = []
        for c in [self.area, *self.compare]:
            st = self.data.section_table(c)
            st = st[st["year"] == year].set_index("industry_code")
            total = self.data.value(c, "personnel", year)
            for sec, r in st.iterrows():
                share = r["personnel"] / total * 100 if total and total == total else float("nan")
                big = r["establishments"] >= 3 if r["establishments"] == r["establishments"] else False
                base = ref.get(sec, float("nan")) / ref_total * 100 if ref_total else float("nan")
                lq = share / base if big and base and base == base else float("nan")
                rows.append({"area_code": c, "industry_code": sec, "year": year, "share_pct": share, "lq": lq})
        return pd.DataFrame(rows, columns=["area_code", "industry_code", "year", "share_pct", "lq"])

    def _structure_html(self) -> str:
        L = self.lang
        df = self.structure_frame()
        if df.empty:
            return ""
        codes = [self.area, *self.compare]
        cell = {(a, i): (s, q) for a, i, s, q in zip(df["area_code"], df["industry_code"], df["share_pct"],
                                                     df["lq"], strict=True)}
        head = "".join(f"<th>{html.escape(n)}</th>" for n in self._compare_names())
        rows = []
        for sec in sorted(df["industry_code"].unique()):
            tds = []
            for c in codes:
                share, lq = cell.get((c, sec), (float("nan"), float("nan")))
                lq_txt = f" ({format_number(lq, L, 2)})" if lq == lq else ""
                tds.append(f"<td>{format_number(share, L, 1)}{lq_txt}</td>")
            rows.append(f"<tr><td>{html.escape(sec)}</td>{''.join(tds)}</tr>")
        caption = t("compare_structure_caption", L, year=int(df["year"].iloc[0]),
                    region=areas.area_name(areas.HOME_REGION, L))
        return (f'<table class="kd-table kd-compare-structure"><caption>{html.escape(caption)}</caption>'
                f"<tr><th>{html.escape(t('industry', L))}</th>{head}</tr>{''.join(rows)}</table>")

    def _compare_chart_svg(self, df) -> str:
        """Every compared area in one chart: levels as an index (first year = 100), rates as they are."""
        L, ind = self.lang, self.indicator_select.value
        years = sorted(int(y) for y in df["year"].unique())
        label, dec, series = t(f"ind_{ind}", L), 1, []
        if ind not in RATE_INDICATORS:
            label += f" ({t('index_note', L, start=years[0])})"
            dec = 0
        codes = [self.area, *self.compare]
        names = self._compare_names()
        for i, c in enumerate(codes):
            v = df[df["area_code"] == c].set_index("year")["value"].astype(float).reindex(years)
            if ind not in RATE_INDICATORS:
                v0 = v.dropna().iloc[0] if v.notna().any() else float("nan")
                v = v / v0 * 100
            series.append((names[i], list(v), COMPARE_COLOURS[i % len(COMPARE_COLOURS)], ""))
        return svg_line_chart(years, series, label, lambda x: format_number(x, L, dec), self.chart_font_px)

    def table_frame(self):
        """The table behind the chart: year, area value, reference value (suppressed → empty)."""
        import pandas as pd

        ind = self.indicator_select.value
        s, r = self._window(self.area, ind), self._window(self.reference, ind)
        out = pd.DataFrame({"year": s["year"], "value": s["value"], "suppressed": s["suppressed"].astype(bool)})
        ref = r.rename(columns={"value": "reference_value", "suppressed": "reference_suppressed"})
        out = out.merge(ref, on="year", how="outer").sort_values("year", ignore_index=True)
        return out.assign(area_code=self.area, reference_code=self.reference, indicator=ind)[
            ["area_code", "reference_code", "indicator", "year", "value", "suppressed", "reference_value"]]

    def _table_html(self, df) -> str:
        L, ind = self.lang, self.indicator_select.value
        dec = 1 if ind in RATE_INDICATORS else 0
        head = (f"<tr><th>{html.escape(t('year', L))}</th><th>{html.escape(areas.official_name(self.area, L))}</th>"
                f"<th>{html.escape(areas.official_name(self.reference, L))}</th></tr>")
        # Statistics Finland's symbols, as in the reports: ".." confidential, "." not applicable / not yet observable
        sup_cell = f'<td title="{html.escape(t("suppressed", L))}">..</td>'
        na_cell = f'<td title="{html.escape(t("not_applicable", L))}">.</td>'

        def cell(area, y, v):
            if v is None or math.isnan(float(v)):
                return na_cell
            return f"<td>{self._value_text(area, ind, y, v, dec)}</td>"

        rows = "".join(
            f"<tr><td>{int(y)}</td>{sup_cell if bool(sup) else cell(self.area, y, v)}{cell(self.reference, y, rv)}</tr>"
            for y, v, sup, rv in zip(df["year"], df["value"], df["suppressed"].fillna(False), df["reference_value"],
                                     strict=False))
        note = t("symbol_legend", L)
        if self.data.unavailable(self.area, ind):
            note += " " + self._grouping_note(self.area)
        if any(self._few(a, ind, df["year"]) for a in (self.area, self.reference)):
            note += " " + t("small_number_legend", L, n=SMALL_NUMBER_FIRMS)
        note = f"<small>{html.escape(note)}</small>"
        return f'<table class="kd-table"><caption>{html.escape(t(f"ind_{ind}", L))}</caption>{head}{rows}</table>{note}'

    def _chart_svg(self, df) -> str:
        """Area against reference over the window; levels as an index (first year = 100), rates as they are."""
        L, ind = self.lang, self.indicator_select.value
        a, r = df["value"].astype(float), df["reference_value"].astype(float)
        label = t(f"ind_{ind}", L)
        dec = 1
        if ind not in RATE_INDICATORS:  # a municipality and its region differ 100-fold in level: index them
            a0 = a.dropna().iloc[0] if a.notna().any() else float("nan")
            r0 = r.dropna().iloc[0] if r.notna().any() else float("nan")
            a, r = a / a0 * 100, r / r0 * 100
            label += f" ({t('index_note', L, start=int(df['year'].iloc[0]))})"
            dec = 0
        return svg_line_chart([int(y) for y in df["year"]],
                              [(areas.official_name(self.area, L), list(a), "#e6550d", ""),
                               (areas.official_name(self.reference, L), list(r), "#3182bd", "6 4")],
                              label, lambda v: format_number(v, L, dec), self.chart_font_px)

    def _map_values(self, ind, year) -> tuple[dict, dict]:
        d = self.data.indicators
        d = d[(d["indicator"] == ind) & (d["industry_code"] == "ALL") & (d["year"] == year)
              & d["area_code"].str.startswith("KU")]
        d = d.drop_duplicates("area_code")
        vals = {c: (float("nan") if bool(sup) else float(v))
                for c, v, sup in zip(d["area_code"], d["value"], d["suppressed"], strict=False)}
        dec = 1 if ind in RATE_INDICATORS else 0
        labels = {c: f"{areas.area_name(c, self.lang)}: "
                     f"{t('suppressed', self.lang) if math.isnan(v) else format_number(v, self.lang, dec)}"
                  for c, v in vals.items()}
        return vals, labels

    def on_projector(self) -> None:
        """Projector mode changed: draw the chart again with its text size."""
        self.refresh()

    def refresh(self) -> None:
        """Recompute every output from the current selections."""
        L, ind = self.lang, self.indicator_select.value
        df = self.table_frame()
        self.summary.value = html.escape(self.summary_text())
        if self.compare:
            cf = self.compare_frame()
            self.table.value = self._compare_table_html(cf) + self._structure_html()
            self.download.value = csv_download_html(cf, f"kasvudata_{self.area}_compare_{ind}.csv", L)
            self.chart.value = self._compare_chart_svg(cf)
        else:
            self.table.value = self._table_html(df)
            self.download.value = csv_download_html(df, f"kasvudata_{self.area}_{ind}.csv", L)
            self.chart.value = self._chart_svg(df)
        prov = self.data.prov_for(ind)  # synthetic only for firm-level figures asked for from the synthetic panel
        self.badge.value = provenance.badge_html(prov, L, badge_css(prov))
        if self.map is not None:
            y1 = self.year_range.value[1]
            vals, labels = self._map_values(ind, y1)
            dec = 1 if ind in RATE_INDICATORS else 0

            self.map.update(vals, set(areas.municipalities(self.area)), labels,
                            caption=f"{area_label(self.area, L)} · {t(f'ind_{ind}', L)} {y1}",
                            legend=legend_html(vals, lambda x: format_number(x, L, dec), missing=t("suppressed", L)))
        self.url_query()
