"""ScenarioWorkshop: the workshop's "what if" app (issue 5, METHODS "Scenario model").

For the chosen area (``kd-area-select``): the baseline projection to a horizon
year and the model's levers as sliders (``kd-slider``, ``continuous_update``
off so dragging never queues work); a chart of baseline vs scenario by industry
group (``kd-chart``); the difference in jobs, firms and exports (``kd-summary``)
with the assumptions printed beside it; a reset button (``kd-scenario-reset``);
a note and ``kd-scenario-save``, which stores the lever values, the results and
the note in the insights store (:class:`kasvudata_utils.insights.store.InsightStore`).
"""
from __future__ import annotations

import contextlib
import html
import math

import ipywidgets as widgets
import pandas as pd

from kasvudata_utils import areas, industries, scenarios
from kasvudata_utils.apps.area_explorer import _data
from kasvudata_utils.apps.cache import SECTION_INDICATORS, AppData
from kasvudata_utils.apps.charts import svg_bar_chart
from kasvudata_utils.apps.common import (
    AllowedAreas,
    BaseApp,
    area_label,
    area_options,
    data_badge,
    format_number,
    signed,
    typed_area,
)
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.labels import t, tn


def area_rates(data: AppData, area: str, year: int) -> dict:
    """The area's observed rates for the model (``scenarios.observed_rates`` keys), NaN-free.

    Birth rate and survival (100 − death rate) are averaged over the last three years
    (single years of small areas jump); the micro-growth share is micro high-growth
    firms per micro-firm in ``year``.
    """
    out = {}
    years = [year - 2, year - 1, year]

    def mean_of(ind):
        vals = [data.value(area, ind, y) for y in years]
        vals = [v for v in vals if not math.isnan(v)]
        return sum(vals) / len(vals) if vals else float("nan")

    b, d = mean_of("birth_rate_pct"), mean_of("death_rate_pct")
    if not math.isnan(b):
        out["birth_rate_pct"] = b
    if not math.isnan(d):
        out["survival_rate_pct"] = 100.0 - d
    micro_share = data.value(area, "micro_share_pct", year)
    if not math.isnan(micro_share):
        out["micro_share_pct"] = micro_share
        firms = data.value(area, "establishments", year)
        micro_hge = data.value(area, "micro_hge_count", year)
        if firms > 0 and micro_share > 0 and not math.isnan(micro_hge):
            out["micro_growth_share_pct"] = micro_hge / (firms * micro_share / 100) * 100
    return out


def _with_totals(data: AppData, area: str):
    """The area's section table plus its published all-industries totals (``industry_code`` ``ALL``)."""
    tab = data.section_table(area)
    total = None
    for col in SECTION_INDICATORS:
        s = data.series(area, col)[["year", "value"]].rename(columns={"value": col})
        total = s if total is None else total.merge(s, on="year", how="outer")
    if total is None or total.empty:
        return tab
    return pd.concat([tab, total.assign(industry_code=scenarios.ALL_CODE)[tab.columns]], ignore_index=True)


def scenario_inputs(data: AppData, area: str, reference: str, year: int):
    """The scenario model's inputs for ``area`` in base year ``year`` and the number of hidden sections.

    Suppressed sections are not counted as 0: the published total minus the visible
    sections forms the group ``scenarios.OTHER_GROUP`` (see :func:`scenarios.baseline_inputs`),
    so the groups add up to the area's published total.

    Returns
    -------
    ``(inputs, n_hidden)``: the :func:`scenarios.baseline_inputs` frame and the number of
    sections whose personnel is suppressed in ``year``.
    """
    area_tab = _with_totals(data, area)
    ref_tab = _with_totals(data, reference)
    if ref_tab.empty:  # no data for the reference: the area's own trend is the best we have
        ref_tab = area_tab
    sections = area_tab[(area_tab["year"] == year) & (area_tab["industry_code"] != scenarios.ALL_CODE)]
    n_hidden = int(sections["personnel"].isna().sum())
    return scenarios.baseline_inputs(area_tab, ref_tab, last_year=year), n_hidden


class ScenarioWorkshop(BaseApp):
    """The scenario app; ``ScenarioWorkshop(area="KU009").view`` is the widget to show.

    Parameters
    ----------
    area, lang
        Area code and ``fi``/``en``.
    data
        An :class:`AppData` (default the project's app cache).
    store
        An object with ``add_scenario(area, levers, results, note)`` and ``list(area=, kind=)``
        (default :class:`kasvudata_utils.insights.store.InsightStore` on ``KASVUDATA_INSIGHTS_DB``).
    """

    @classmethod
    def preload(cls) -> None:
        """Load the cache and the insights store module before the page request (preheated kernels)."""
        with contextlib.suppress(Exception):  # never a traceback in the notebook: from_url shows the notice
            _data()

    @classmethod
    def allowed_areas(cls):
        """The areas of the app cache, and custom areas inside the home region (computed on demand)."""
        return AllowedAreas(_data().area_codes())

    def __init__(self, area=areas.DEFAULT_AREA, lang: str = "fi", data: AppData | None = None, store=None):
        super().__init__(lang)
        self.data = data or _data()
        self._store = store
        codes = self.data.area_codes()
        code = areas.normalise_area(area)
        if code not in codes and code in AllowedAreas(codes):  # the user's grouping, computed on demand
            self.data.add_areas([code])
            codes = [*codes, code]
        if code not in codes:
            raise InputError(f"area {area!r}: expected one of the {len(codes)} Northern Ostrobothnia areas")
        L = self.lang
        self.base_year = self.data.years()[1]
        self.title = widgets.HTML(f"<h2 style='margin:4px 0'>{html.escape(t('scenario_title', L))}</h2>")
        self.area_select = widgets.Combobox(options=area_options(codes, L), value=area_label(code, L),
                                            placeholder=t("search_area", L), ensure_option=False,
                                            description=t("area", L), continuous_update=False,
                                            layout=widgets.Layout(width="560px", max_width="100%"))
        self.area_select.add_class("kd-area-select")
        self.horizon = widgets.IntSlider(value=self.base_year + scenarios.HORIZON_YEARS, min=self.base_year + 1,
                                         max=self.base_year + 15, description=t("horizon", L),
                                         continuous_update=False, layout=widgets.Layout(width="360px"))
        self.horizon.add_class("kd-horizon")
        self.sliders: dict[str, widgets.FloatSlider] = {}
        self.readouts: dict[str, tuple] = {}
        rows = []
        for name, (lo, hi, step, unit) in scenarios.LEVER_SPECS.items():
            # the slider's own readout speaks d3-format ("0.50"): ours is in the page's number format
            s = widgets.FloatSlider(min=lo, max=hi, step=step, value=lo, description=t(f"lever_{name}", L),
                                    continuous_update=False, readout=False,
                                    tooltip=t(f"lever_{name}", L), layout=widgets.Layout(width="410px"))
            s.style.description_width = "235px"
            s.add_class("kd-slider")
            s.add_class(f"kd-lever-{name.replace('_', '-')}")
            self.sliders[name] = s
            readout = widgets.HTML("", layout=widgets.Layout(width="60px"))
            readout.add_class("kd-slider-readout")
            readout.add_class(f"kd-readout-{name.replace('_', '-')}")
            self.readouts[name] = (readout, 2 if step < 0.1 else 1)
            rows.append(widgets.HBox([s, readout,
                                      widgets.HTML(html.escape(t(unit, L)), layout=widgets.Layout(width="175px"))]))
        self.area_select.style.description_width = self.horizon.style.description_width = "140px"
        self.summary = widgets.HTML("")
        self.summary.add_class("kd-summary")
        self.assumptions = widgets.HTML("")
        self.assumptions.add_class("kd-assumptions")
        self.chart = widgets.HTML("", layout=widgets.Layout(width="100%", max_width="620px"))
        self.chart.add_class("kd-chart")
        self.reset_button = widgets.Button(description=t("reset", L), icon="undo")
        self.reset_button.add_class("kd-scenario-reset")
        self.note = widgets.Textarea(placeholder=t("scenario_note", L), layout=widgets.Layout(width="630px",
                                                                                           height="54px"))
        self.note.add_class("kd-scenario-note")
        self.save_button = widgets.Button(description=t("save_scenario", L), button_style="primary", icon="save")
        self.save_button.add_class("kd-scenario-save")
        self.save_status = widgets.HTML("")
        self.save_status.add_class("kd-save-status")
        self.badge = data_badge(self.data.prov, L)

        self._select(code)
        self.area_select.observe(self.safe(self._on_area), names="value")
        self.horizon.observe(self.safe(self._on_lever), names="value")
        for name, s in self.sliders.items():
            s.observe(self.safe(self._on_lever), names="value")
            s.observe(lambda _change, name=name: self._show_readout(name), names="value")
            self._show_readout(name)
        self.reset_button.on_click(self.safe(lambda _: self.reset()))
        self.save_button.on_click(self.safe(lambda _: self.save()))

        # levers, reset, note and save on the left; the result and its assumptions on the right
        left = widgets.VBox([self.area_select, self.horizon, *rows, self.reset_button, self.note,
                             widgets.HBox([self.save_button, self.save_status])],
                            layout=widgets.Layout(width="52%"))
        right = widgets.VBox([self.chart, self.assumptions], layout=widgets.Layout(width="48%"))
        self.finish_view([self.title, self.badge, self.summary,
                          widgets.HBox([left, right], layout=widgets.Layout(width="100%", align_items="flex-start"))])
        self.refresh()

    # -- state ---------------------------------------------------------------------------------
    _updating = False

    def _select(self, code: str) -> None:
        """Take ``code`` as the area: model inputs, observed rates, sliders at the baseline."""
        self.area = code
        self.reference = areas.default_reference(code)
        self.inputs, self.n_suppressed = scenario_inputs(self.data, code, self.reference, self.base_year)
        self.inactive = scenarios.inactive_levers(self.inputs)
        self.rates = area_rates(self.data, code, self.base_year)
        # the area's export total is confidential or missing (a business table without exports): never show
        # the model's export figures as if known, and say which of the two it is
        self.exports_suppressed = math.isnan(self.data.value(code, "exports_eur", self.base_year))
        self.exports_confidential = self.data.is_suppressed(code, "exports_eur", self.base_year)
        self.defaults = scenarios.default_levers(self.rates)
        self._set_levers(self.defaults)

    def url_query(self) -> str:
        """The view as a URL query: area, target year, the levers moved from the baseline, language.

        A lever at its baseline is left out: the baseline is the area's own (observed rates), so a
        shared link opened on newer data starts from that data's baseline. Values are plain decimals
        with a dot (a URL, not a page text).
        """
        params: dict = {"area": self.area, "year": int(self.horizon.value)}
        for k, v in self.levers.items():
            if abs(v - self.defaults[k]) > 1e-9:
                params[k] = f"{v:g}"
        return self.set_url_state(params)

    def apply_url(self, params: dict) -> None:
        """Apply the URL parameters after the area (the state :meth:`url_query` writes).

        ``year`` within the horizon slider's range and each lever (``birth_rate_pct=9.5`` …) within its
        slider's range, rounded to its step; a value the app cannot use keeps the default.
        """
        before = (self.horizon.value, self.levers)
        self._updating = True
        try:
            with contextlib.suppress(TypeError, ValueError):  # an unreadable year keeps the default
                year = int(params.get("year", self.horizon.value))
                if self.horizon.min <= year <= self.horizon.max:
                    self.horizon.value = year
            for k, (lo, hi, step, _) in scenarios.LEVER_SPECS.items():
                try:
                    v = float(str(params.get(k, "")).replace(",", "."))
                except ValueError:
                    continue
                if math.isfinite(v) and lo <= v <= hi:
                    self.sliders[k].value = round(round(v / step) * step, 10)
        finally:
            self._updating = False
        if before != (self.horizon.value, self.levers):
            self.refresh()

    def _show_readout(self, name: str) -> None:
        """The lever's value beside its slider, in the page's number format ("0,50" in Finnish)."""
        readout, decimals = self.readouts[name]
        readout.value = html.escape(format_number(self.sliders[name].value, self.lang, decimals))

    def _set_levers(self, values: dict) -> None:
        self._updating = True
        try:
            for k, v in values.items():
                self.sliders[k].value = v
        finally:
            self._updating = False

    @property
    def levers(self) -> dict[str, float]:
        """Current slider values."""
        return {k: float(s.value) for k, s in self.sliders.items()}

    @property
    def horizon_years(self) -> int:
        """Years from the base year to the horizon chosen on the slider."""
        return int(self.horizon.value) - self.base_year

    def result(self):
        """:func:`scenarios.project` for the current sliders."""
        return scenarios.project(self.inputs, self.levers, self.horizon_years, self.rates)

    def totals(self) -> dict[str, float]:
        """Baseline, scenario and difference totals of :meth:`result` (:func:`scenarios.summarise`)."""
        return scenarios.summarise(self.result())

    # -- events --------------------------------------------------------------------------------
    def _on_area(self, change) -> None:
        """A picked option, or a typed name or code + Enter ("Oulu" → Oulu (KU564)); else a notice.

        As in the explorer (issue 17): the box never says one area while the page shows another.
        """
        code = typed_area(self.area_select, change["new"], self.area, self.data.area_codes(), self.lang)
        if code is None:
            return
        self.clear_notice()
        if code == self.area or not self.data.has(code):
            return
        self._select(code)
        self.save_status.value = ""
        self.refresh()

    def _on_lever(self, change) -> None:
        if not self._updating:
            self.refresh()

    def select_area(self, code) -> None:
        """Show the area ``code`` (any accepted spelling), as if picked in the area search."""
        self.area_select.value = area_label(areas.normalise_area(code), self.lang)

    def reset(self) -> None:
        """Sliders back to the baseline values; outputs recomputed once."""
        self._set_levers(self.defaults)
        self.refresh()

    def store(self):
        """The insights store the scenarios are saved to, opened on first use."""
        if self._store is None:

            self._store = InsightStore(lang=self.lang)
        return self._store

    def save(self) -> str:
        """Store the scenario (levers, results, area, note); returns the record's id."""
        tot = self.totals()
        results = {**{k: round(v, 3) for k, v in tot.items()}, "base_year": self.base_year,
                   "horizon_year": int(self.horizon.value), "reference_code": self.reference,
                   "by_group": self.result().round(3).to_dict("records"),
                   # the stored JSON sorts its keys: the published table shows the levers in slider order,
                   # each with its unit (issue 17)
                   "lever_order": list(self.sliders),
                   "lever_units": {k: spec[3] for k, spec in scenarios.LEVER_SPECS.items()}}
        uid = self.store().add_scenario(self.area, self.levers, results, self.note.value)
        n = len(self.store().list(area=self.area, kind="scenario"))
        self.save_status.value = html.escape(tn("scenario_saved", n, self.lang))
        self.note.value = ""
        return uid

    # -- outputs -------------------------------------------------------------------------------
    def summary_text(self, tot: dict | None = None) -> str:
        """The ``kd-summary`` sentence: jobs, firms and exports at the horizon and their change from the baseline."""
        L = self.lang
        tot = tot or self.totals()
        return t("scenario_summary", L, area=area_label(self.area, L), year=int(self.horizon.value),
                 jobs=format_number(tot["personnel_scenario"], L), jobs_diff=signed(tot["personnel_diff"], L),
                 firms=format_number(tot["firms_scenario"], L), firms_diff=signed(tot["firms_diff"], L),
                 exports=t("suppressed" if self.exports_confidential else "no_data", L) if self.exports_suppressed else
                 t("million_eur", L, value=format_number(tot["exports_eur_scenario"] / 1e6, L, 1)),
                 # ".." is the tables' symbol for confidential; a table without exports has no data to change
                 exports_diff=(".." if self.exports_confidential else t("no_data", L)) if self.exports_suppressed else
                 t("million_eur", L, value=signed(tot["exports_eur_diff"] / 1e6, L, 1)))

    def assumptions_html(self) -> str:
        """HTML list of the assumptions: base year and reference, constants, levers moved from the baseline."""
        L = self.lang
        lines = [t("assumption_base", L, year=self.base_year, reference=areas.official_name(self.reference, L),
                   n=scenarios.TREND_YEARS),
                 t("assumption_constants", L, new_firm=format_number(scenarios.NEW_FIRM_PERSONNEL, L, 1))]
        for k, v in self.levers.items():
            unit_key = scenarios.LEVER_SPECS[k][3]
            unit = f"({t(unit_key, L)})" if unit_key == "unit_elasticity" else t(unit_key, L)
            base = self.defaults[k]
            mark = "" if abs(v - base) < 1e-9 else f" ({t('baseline', L).lower()} {format_number(base, L, 2)})"
            if k in self.inactive:  # say so rather than let a lever silently do nothing
                mark += " — " + t(f"lever_inactive_{self.inactive[k]}", L)
            lines.append(f"{t(f'lever_{k}', L)}: {format_number(v, L, 2)} {unit}{mark}")
        if self.n_suppressed:
            lines.append(t("assumption_suppressed", L, n=self.n_suppressed))
        lines.append(industries.coverage_text(L))
        items = "".join(f"<li>{html.escape(x)}</li>" for x in lines)
        return f"<b>{html.escape(t('assumptions', L))}</b><ul style='margin:2px 0;padding-left:18px'>{items}</ul>"

    def _chart_svg(self, res) -> str:
        """Personnel at the horizon by industry group: baseline against scenario."""
        L = self.lang
        return svg_bar_chart([t(f"group_{g}", L) for g in res["group"]],
                             [(t("baseline", L), list(res["personnel_baseline"]), "#9ecae1"),
                              (t("scenario", L), list(res["personnel_scenario"]), "#e6550d")],
                             t("scenario_chart_title", L, year=int(self.horizon.value)),
                             lambda v: format_number(v, L), self.chart_font_px)

    def on_projector(self) -> None:
        """Projector mode changed: draw the chart again with its text size."""
        self.refresh()

    def refresh(self) -> None:
        """Recompute the projection and every output."""
        res = self.result()
        self.summary.value = html.escape(self.summary_text(scenarios.summarise(res)))
        self.assumptions.value = self.assumptions_html()
        self.chart.value = self._chart_svg(res)
        self.url_query()  # a shared link or a reload shows this view (issue 17)
