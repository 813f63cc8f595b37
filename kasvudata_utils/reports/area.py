"""The area report (``notebooks/01_area_report.ipynb``): one method per report section.

The notebook stays thin: it normalises its parameters, builds an :class:`AreaReport` and calls
one method per section. Every figure and table shown comes from the indicator engine's
disclosed output (suppressed cells show as ``–``, never as a number) or from real public data,
and each carries its source and the data badge. Tables are also written as CSV files under
``output_dir`` for download.

>>> from kasvudata_utils.reports.common import normalise_parameters
>>> rep = AreaReport.build(normalise_parameters("KU009", "", 2018, 2023, "fi"))
>>> rep.name, rep.ref_name  # each section method (``rep.key_findings()`` …) displays its part
('Alavieska', 'Pohjois-Pohjanmaa')
"""
from __future__ import annotations

import html

import pandas as pd

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data import (
    load_business_table,
    load_exports_regional,
    load_geometries,
    load_web_geojson,
)
from kasvudata_utils.data.sources import (
    fetched_beside,
    file_sha256,
    load_table,
    population_for,
    unemployment_for,
)
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators.register_events import area_register_events
from kasvudata_utils.indicators.smallnumbers import SMALL_NUMBER_FIRMS, births_by_year, rate_bases
from kasvudata_utils.labels import t
from kasvudata_utils.plots import area_map, format_number
from kasvudata_utils.reports.common import (
    REAL_PROV,
    ReportParameters,
    about_disclosure,
    attribution_html,
    badge_block,
    compute_report_data,
    h2,
    html_table,
    industry_label,
    para,
    round_indicators,
    save_table,
    shared_table,
    show,
    size_classes,
    symbol_legend,
    wide,
)
from kasvudata_utils.reports.findings import findings_markdown, insight_figure, key_findings
from kasvudata_utils.reports.similar import fared_sentence, similar_comparison, similar_insights_html
from kasvudata_utils.reports.site import area_insights_html
from kasvudata_utils.research.factors import area_factor_context, factor_model
from kasvudata_utils.research.spatial import growth_lisa, spatial_context_text
from kasvudata_utils.svgcharts import bar_chart, line_chart

#: The report glossary: indicator names as every surface writes them (labels ``ind_*``) and their definitions.
GLOSSARY = ("birth_rate_pct", "death_rate_pct", "survival_rate_1y_pct", "hge_count", "micro_hge_count",
            "personnel")

def series(ind: pd.DataFrame, area: str, indicator: str, industry: str = "ALL"):
    """``(years, values, suppressed)`` of one indicator over the years, suppressed values as NaN."""
    sub = ind[(ind["area_code"] == area) & (ind["indicator"] == indicator) & (ind["industry_code"] == industry)]
    return _series_of(sub)


def _series_of(sub: pd.DataFrame):
    """:func:`series` of rows already selected (one area, indicator and industry), in year order."""
    order = sub["year"].to_numpy().argsort(kind="stable")
    years, values = sub["year"].to_numpy()[order], sub["value"].to_numpy(dtype="float64")[order]
    hidden = sub["suppressed"].to_numpy(dtype=bool)[order]
    return ([int(y) for y in years], [float("nan") if h else float(v) for v, h in zip(values, hidden, strict=True)],
            [bool(h) for h in hidden])


def _merge_tables(tables: list[str]) -> str:
    """Join one-row HTML tables (same header) into one table with a single header and note."""
    if not tables:
        return ""
    head, _, rest = tables[0].partition("</thead><tbody>")
    bodies = [tb.partition("</thead><tbody>")[2].partition("</tbody>")[0] for tb in tables]
    # the longest legend (the one that also explains the small-number mark, where a row uses it)
    note = max((tb.partition("</tbody></table>")[2] for tb in tables), key=len)
    return head + "</thead><tbody>" + "".join(bodies) + "</tbody></table>" + note


def cached_growth_lisa(start: int, end: int, table_path: str = "") -> pd.DataFrame:
    """LISA of municipal personnel growth (the business table: embedded, or ``table_path``), shared by a batch.

    Cached with :func:`kasvudata_utils.reports.common.shared_table` (keyed by the data and the code).
    """
    def compute():
        business = load_table(table_path) if table_path else load_business_table()
        table = pd.DataFrame(growth_lisa(load_geometries("KU", 3067), business, int(start), int(end)))
        return table.drop(columns=[c for c in table.columns if c == "geometry"]), {}

    key = ("growth_lisa", int(start), int(end)) + ((table_path, file_sha256(table_path)) if table_path else ())
    return shared_table(key, "", compute)[0]


def cached_factor_model(start: int):
    """The municipality growth-factor model (:func:`kasvudata_utils.research.factors.factor_model`), shared by a batch.

    The municipality dataset is the cached frame; the few estimates and the years ride in its metadata.
    """
    def compute():

        ds, est, s, e = factor_model(start=int(start))
        return ds, {"estimates": est.reset_index().to_dict("records"), "start": s, "end": e}

    ds, meta = shared_table(("factor_model", int(start)), "", compute)
    est = pd.DataFrame(meta["estimates"]).set_index("term")
    return ds, est, int(meta["start"]), int(meta["end"])


def models_on_real_data() -> bool:
    """True where the LISA and growth-factor models of the report run on real data.

    Both read the embedded business table (all of Finland's municipalities); with the
    synthetic embedded data their significance statements describe the generator, not an area.
    """
    return provenance.get(load_business_table()).get("kind") == "real"



def location_map(area: str, lang: str = "fi", title: str | None = None):
    """The report's location map: ``area`` among Northern Ostrobothnia's municipalities (a figure).

    A sub-region or municipality is highlighted and its municipalities named (up to seven; the names
    are placed without collisions, :func:`kasvudata_utils.plots.place_labels`); the whole region is
    coloured by sub-region with a legend.
    """
    feats = load_web_geojson("KU")["features"]
    munis = set(areas.municipalities(area))
    names = {f["properties"]["area_code"]: areas.area_name(f["properties"]["area_code"], lang) for f in feats}
    whole = areas.level_of(area) == "MK"
    labels = munis if len(munis) <= 7 else []
    return area_map(feats, munis, title=title or t("chart_map", lang, area=areas.area_name(area, lang)),
                    prov=REAL_PROV, lang=lang, label_codes=labels, names=names,
                    colour_by="subregion" if whole else None)

class AreaReport:
    """Sections of the area report for one area against its reference."""

    table_path = ""  # the business table the figures come from ("" = the embedded data)
    table_only = False  # True when the figures come from a business table alone (no firm panel)

    def __init__(self, data, output_dir: str = ""):
        self.d = data
        self.lang = data.lang
        self.out = output_dir
        self.name = areas.official_name(data.area, self.lang)
        self.ref_name = areas.official_name(data.reference, self.lang)
        # rounded once to the precision it is published with: the page and tables/indicators.csv agree
        self.ind = round_indicators(data.indicators)
        # a business table alone holds no firms: firm-level sections say so instead of borrowing figures,
        # unless the synthetic panel was asked for (synthetic_firm_data): then they show it, badged synthetic
        self.table_only = "firm_id" not in data.panel.columns
        self.firm_synthetic = self.table_only and data.firm_panel is not None
        self.no_firms = self.table_only and not self.firm_synthetic

    @property
    def firms(self) -> pd.DataFrame:
        """The firm panel of the firm-level sections: the data's own, or the synthetic one asked for."""
        return self.d.firm_panel if self.firm_synthetic else self.d.panel

    @property
    def firm_prov(self) -> dict:
        """Provenance of the firm-level figures (synthetic when borrowed from the synthetic panel)."""
        return self.d.firm_prov if self.firm_synthetic else self.d.prov

    def _firm_badge(self) -> None:
        """In a firm-level section of a table run with synthetic firm data: the synthetic badge."""
        if self.firm_synthetic:
            show(badge_block(self.d.firm_prov, self.lang) + para(t("firm_data_synthetic_note", self.lang), "kd-note"))

    @classmethod
    def build(cls, params: ReportParameters, output_dir: str = ""):
        """Compute the indicators of the notebook's normalised parameters and save the area's disclosed table.

        ``tables/indicators.csv`` holds the area's own rows (the reference's figures the page shows are
        in the section tables, and in the reference's own report), rounded as the page shows them.

        ``params.table_path`` names a SPEC §3 business table (``--table`` / ``--data statfin``) the figures
        come from (:mod:`kasvudata_utils.data.sources`).
        """
        rep = cls(compute_report_data(params), output_dir)
        rep.table_path = params.table_path
        save_table(rep.ind[rep.ind["area_code"] == rep.d.area], output_dir, "indicators")
        return rep

    # -- helpers ---------------------------------------------------------------------------------
    def _series(self, area: str, indicator: str):
        """:func:`series` of the report's own (rounded) indicators, industry ALL, from one grouping of them.

        (The yearly tables ask for ≈ 30 series; each :func:`series` call filtered the whole long table.)
        """
        if getattr(self, "_all_series", None) is None:
            rows = self.ind[self.ind["industry_code"] == "ALL"]
            self._all_series = {key: sub for key, sub in rows.groupby(["area_code", "indicator"], sort=False)}
        sub = self._all_series.get((area, indicator))  # already this area's, indicator's and industry ALL's rows
        return _series_of(sub) if sub is not None else ([], [], [])

    def _rate_bases(self) -> dict:
        """The firm counts behind the area's and the reference's rates (small numbers), computed once a report."""
        if getattr(self, "_bases", None) is None:
            self._bases = {self.d.reference: rate_bases(self.ind, self.d.reference),
                           self.d.area: rate_bases(self.ind, self.d.area, births_by_year(self.firms, self.d.area))}
        return self._bases

    def _label(self, code):
        return industry_label(code, self.lang)

    def _sections(self, df):
        return df.loc[[c for c in df.index if c != "ALL"]]

    def _chart(self, fig, name: str) -> None:
        """Show a figure with its data (CSV) and image (PNG) downloads beside it (when tables are written)."""
        show(fig, name, self.out, self.lang)

    def _table_prov(self):
        return self.d.prov

    # -- sections --------------------------------------------------------------------------------
    def header(self) -> None:
        """Title, parameters, data badge, attribution."""
        L = self.lang
        title = t("report_title", L, area=self.name)
        meta = t("report_meta", L, code=self.d.area, reference=f"{self.ref_name} ({self.d.reference})",
                 start=self.d.start, end=self.d.end)
        extra = ""
        if self.firm_synthetic:  # the report mixes sources: say so on the first screen as well
            extra = badge_block(self.d.firm_prov, L) + para(t("firm_data_synthetic_note", L), "kd-note")
        show(f"<h1>{html.escape(title)}</h1>" + para(meta) + badge_block(self.d.prov, L) + extra
             + attribution_html(L))

    def key_findings(self) -> list:
        """Key findings generated from the indicator table (:mod:`kasvudata_utils.reports.findings`)."""
        found = key_findings(self.ind, self.d.area, self.d.reference, self.d.shift_share, self.lang)
        items = "".join(f"<li>{html.escape(f.text)}</li>" for f in found)
        body = f"<ul>{items}</ul>" if found else para(findings_markdown([], self.lang))
        show(h2(t("sec_findings", self.lang)) + body)
        return found

    def business_structure(self) -> None:
        """Establishments, personnel and turnover by section; firms by size class."""
        L, end = self.lang, self.d.end
        cols = ["establishments", "personnel", "turnover_eur", "share_personnel_pct"]
        w = wide(self.ind, self.d.area, cols, year=end)
        show(h2(t("sec_structure", L)) + para(t("structure_intro", L, year=end)))
        if w.empty:
            show(para(t("no_data_period", L)))
            return
        if "turnover_eur" in w:
            w["turnover_meur"] = w["turnover_eur"] / 1e6
            w["turnover_meur__suppressed"] = w.get("turnover_eur__suppressed", False)
        spec = {"establishments": (t("col_establishments", L), 0), "personnel": (t("col_personnel", L), 0),
                "turnover_meur": (t("col_turnover_meur", L), 1), "share_personnel_pct": (t("col_share_pct", L), 1)}
        spec = {k: v for k, v in spec.items() if k in w}
        show(html_table(w, spec, L, index_label=self._label) + para(industries.coverage_text(L), "kd-note kd-coverage"))
        save_table(w.reset_index(), self.out, "structure")
        s = self._sections(w)
        if "personnel" in s:
            fig = bar_chart([self._label(c) for c in s.index], s["personnel"], suppressed=s["personnel__suppressed"],
                            title=t("chart_personnel_by_industry", L, area=self.name, year=end),
                            unit=t("unit_person_years", L), prov=self.d.prov, lang=L)
            self._chart(fig, "personnel_by_industry")
        if self.no_firms:
            show(para(t("not_available_from_table", L, what=t("col_size_class", L)), "kd-note kd-not-available"))
            return
        self._firm_badge()
        sc = size_classes(self.firms, self.d.area, end)
        save_table(sc, self.out, "size_classes")
        sc_idx = sc.set_index("size_class")
        show(html_table(sc_idx, {"firms": (t("col_firms", L), 0), "share_pct": (t("col_share_firms_pct", L), 1)},
                         L, first_col=t("col_size_class", L),
                         index_label=lambda c: t("all_firms", L) if c == "ALL" else c))

    def growth(self) -> None:
        """Personnel and turnover growth over the period, area against reference, by section."""
        L, a, r = self.lang, self.d.area, self.d.reference
        show(h2(t("sec_growth", L)) + para(t("growth_intro", L, start=self.d.start, end=self.d.end,
                                                 reference=self.ref_name)))
        wa = wide(self.ind, a, ["personnel_growth_pct", "turnover_growth_pct", "cagr_personnel_pct"])
        wr = wide(self.ind, r, ["personnel_growth_pct", "turnover_growth_pct"])
        if wa.empty:
            show(para(t("no_data_period", L)))
            return
        wr = wr.add_prefix("ref_") if not wr.empty else pd.DataFrame(index=wa.index)
        w = wa.join(wr, how="left")
        spec = {"personnel_growth_pct": (t("col_personnel_growth_area", L, area=self.name), 1),
                "ref_personnel_growth_pct": (t("col_personnel_growth_area", L, area=self.ref_name), 1),
                "turnover_growth_pct": (t("col_turnover_growth_area", L, area=self.name), 1),
                "ref_turnover_growth_pct": (t("col_turnover_growth_area", L, area=self.ref_name), 1),
                "cagr_personnel_pct": (t("col_cagr_pct", L), 1)}
        spec = {k: v for k, v in spec.items() if k in w}
        show(html_table(w, spec, L, index_label=self._label))
        save_table(w.reset_index(), self.out, "growth")
        years, va, _ = self._series(a, "personnel")
        yr, vr, _ = self._series(r, "personnel")
        if len(years) > 1:
            fig = line_chart({self.name: (years, va), self.ref_name: (yr, vr)}, index_base=True,
                             title=t("chart_personnel_index", L, start=years[0]),
                             unit=t("unit_index", L, start=years[0]), prov=self.d.prov, lang=L)
            self._chart(fig, "personnel_index")
        s = self._sections(w)
        if "personnel_growth_pct" in s:
            fig = bar_chart([self._label(c) for c in s.index], s["personnel_growth_pct"],
                            suppressed=s["personnel_growth_pct__suppressed"], decimals=1,
                            reference_values=s.get("ref_personnel_growth_pct"), area_label=self.name,
                            reference_label=self.ref_name, unit=t("unit_pct", L), prov=self.d.prov, lang=L,
                            title=t("chart_growth_by_industry", L, start=self.d.start, end=self.d.end))
            self._chart(fig, "growth_by_industry")

    def shift_share(self) -> None:
        """Classic shift-share of personnel: national share, industry mix, regional shift."""
        L, ss = self.lang, self.d.shift_share
        show(h2(t("sec_shift_share", L)) + para(t("shift_share_intro", L, reference=self.ref_name)))
        if ss is None or ss.empty:
            show(para(t("no_data_period", L)))
            return
        w = ss.set_index("industry_code")
        sup = w["suppressed"] if "suppressed" in w else pd.Series(False, index=w.index)
        for c in ("base", "end", "national_share", "industry_mix", "regional_shift"):
            if c in w:  # per cell: a hidden row keeps the figures it may show (TOTAL's base and end, METHODS)
                w[f"{c}__suppressed"] = sup & w[c].isna()
        order = [c for c in w.index if c != "TOTAL"] + [c for c in w.index if c == "TOTAL"]
        w = w.loc[order]
        spec = {"base": (t("col_base", L, year=self.d.start), 0), "end": (t("col_end", L, year=self.d.end), 0),
                "national_share": (t("col_ns", L), 0), "industry_mix": (t("col_im", L), 0),
                "regional_shift": (t("col_rs", L), 0)}
        show(html_table(w, spec, L, index_label=lambda c: t("total", L) if c == "TOTAL" else self._label(c)))
        save_table(ss, self.out, "shift_share")
        s = w.loc[[c for c in w.index if c != "TOTAL"]]
        fig = bar_chart([self._label(c) for c in s.index], s["regional_shift"], suppressed=sup.loc[s.index],
                        colour_by_sign=True, title=t("chart_regional_shift", L, start=self.d.start, end=self.d.end),
                        unit=t("unit_person_years", L), prov=self.d.prov, lang=L)
        self._chart(fig, "regional_shift")

    def specialisation(self) -> None:
        """Location quotients by section; Krugman and Herfindahl indices."""
        L, a = self.lang, self.d.area
        show(h2(t("sec_specialisation", L)) + para(t("specialisation_intro", L, reference=self.ref_name)))
        w = wide(self.ind, a, ["lq_personnel", "krugman_index", "herfindahl_index"])
        if w.empty:
            show(para(t("no_data_period", L)))
            return
        tot = w.loc["ALL"] if "ALL" in w.index else None
        if tot is not None:
            k, h = tot.get("krugman_index"), tot.get("herfindahl_index")
            show(para(t("krugman_sentence", L, area=self.name, reference=self.ref_name,
                       k=format_number(k, L, 2), h=format_number(h, L, 3))))
        s = self._sections(w)
        if "lq_personnel" in s:
            show(html_table(s, {"lq_personnel": (t("col_lq", L), 2)}, L, index_label=self._label))
            fig = bar_chart([self._label(c) for c in s.index], s["lq_personnel"], decimals=2,
                            suppressed=s["lq_personnel__suppressed"], title=t("chart_lq", L, area=self.name),
                            unit=t("unit_lq", L, reference=self.ref_name), prov=self.d.prov, lang=L, marker_at=1.0)
            self._chart(fig, "lq")
        save_table(w.reset_index(), self.out, "specialisation")

    def _yearly_table(self, names: dict, key: str):
        """Indicator × year table (industry ALL) for the area and, where it has them, the reference.

        Years run across (six columns fit an A4 page); the CSV keeps the long form.
        """
        L, rows, long, small = self.lang, {}, [], set()
        # the area's births from its firm panel (exact, also before the period); the reference's from its table
        bases = self._rate_bases()
        for name, (label, dec) in names.items():
            for area, who in ((self.d.area, self.name), (self.d.reference, self.ref_name)):
                years, vals, sup = self._series(area, name)
                pairs = [(y, v, s) for y, v, s in zip(years, vals, sup, strict=True)
                         if self.d.start <= y <= self.d.end]
                if not pairs or all(pd.isna(v) and not s for _, v, s in pairs):
                    continue  # e.g. firm-level indicators of a reference taken from the business table
                row = {}
                for y, v, s in pairs:
                    row[y], row[f"{y}__suppressed"] = v, s
                    firms = bases[area].get((name, y))
                    # a rate on few firms: one decimal would be spurious precision (METHODS "Small numbers")
                    few = firms is not None and firms < SMALL_NUMBER_FIRMS
                    if few:
                        small.add((f"{label} – {who}", y))
                    long.append({"area_code": area, "indicator": name, "year": y, "value": v, "suppressed": s,
                                 "small_number": few})
                rows[f"{label} – {who}"] = (row, dec)
        if not rows:
            show(para(t("no_data_period", L)))
            return None
        years = sorted({y for row, _ in rows.values() for y in row if isinstance(y, int)})
        parts = []
        for label, (row, _dec) in rows.items():  # one-row tables share the header: decimals differ per row
            parts.append(pd.DataFrame([row], index=[label]))
        df = pd.concat(parts)
        decs = [dec for _, dec in rows.values()]
        html_rows = [html_table(df.iloc[[i]], {y: (str(y), decs[i]) for y in years}, L,
                                first_col=t("insight_indicator_label", L), small=small)
                     for i in range(len(df))]
        show(_merge_tables(html_rows))
        out = pd.DataFrame(long)
        save_table(out, self.out, key)
        return out

    def demography(self) -> None:
        """Births, deaths, churn and survival rates by year (Eurostat–OECD definitions)."""
        L = self.lang
        show(h2(t("sec_demography", L)) + para(t("demography_intro", L)))
        if self.no_firms:
            show(para(t("not_available_from_table", L, what=t("sec_demography", L)), "kd-note kd-not-available"))
            self.register_events()
            return
        self._firm_badge()
        self._yearly_table({"birth_rate_pct": (t("col_birth_rate", L), 1),
                            "death_rate_pct": (t("col_death_rate", L), 1),
                            "churn_rate_pct": (t("col_churn_rate", L), 1),
                            "survival_rate_1y_pct": (t("col_survival_1y", L), 1),
                            "survival_rate_3y_pct": (t("col_survival_3y", L), 1),
                            "survival_rate_5y_pct": (t("col_survival_5y", L), 1)}, "demography")
        ya, ba, _ = self._series(self.d.area, "birth_rate_pct")
        yd, da, _ = self._series(self.d.area, "death_rate_pct")
        if len(ya) > 1:
            self._chart(line_chart({t("col_birth_rate", L): (ya, ba), t("col_death_rate", L): (yd, da)}, decimals=1,
                             title=t("chart_births_deaths", L, area=self.name), unit=t("unit_pct", L),
                             prov=self.firm_prov, lang=L), "births_deaths")
        if self.firm_synthetic:
            self.register_events()

    def register_events(self) -> None:
        """Openings and closures from the register-event table fetched beside the business table, if any.

        Named as register events, never as births or deaths (METHODS.md); StatFin's confidential cells
        stay suppressed.
        """
        L = self.lang
        ev = fetched_beside(self.table_path, "openings_closures.parquet")
        if ev is None:
            return
        for code, who in ((self.d.area, self.name), (self.d.reference, self.ref_name)):
            yearly = area_register_events(ev, code)
            if yearly.empty:
                continue
            w = yearly.set_index("year")
            show(para(f"{t('register_events_title', L)} – {who}"))
            show(html_table(w, {"register_opening": (t("col_register_opening", L), 0),
                                 "register_closure": (t("col_register_closure", L), 0)}, L,
                             first_col=t("years", L), caption=provenance.badge_text(provenance.get(ev), L)))
            save_table(yearly.assign(area_code=code), self.out, f"register_events_{code}")

    def high_growth(self) -> None:
        """High-growth enterprises, gazelles and micro high-growth enterprises (experimental)."""
        L = self.lang
        show(h2(t("sec_high_growth", L)) + para(t("high_growth_intro", L))
             + para(t("micro_hge_experimental", L), "kd-note"))
        if self.no_firms:
            show(para(t("not_available_from_table", L, what=t("sec_high_growth", L)), "kd-note kd-not-available"))
            return
        self._firm_badge()
        self._yearly_table({"hge_count": (t("col_hge", L), 0), "hge_share_pct": (t("col_hge_share", L), 1),
                            "gazelle_count": (t("col_gazelles", L), 0),
                            "micro_hge_count": (t("col_micro_hge", L), 0)}, "high_growth")

    def exports(self) -> None:
        """Exporters and export intensity (firm data); goods exports trend of the region (Customs)."""
        L = self.lang
        show(h2(t("sec_exports", L)) + para(t("exports_intro", L)))
        if self.no_firms:
            show(para(t("not_available_from_table", L, what=t("col_exporters", L)), "kd-note kd-not-available"))
        else:
            self._firm_badge()
            self._yearly_table({"exporter_count": (t("col_exporters", L), 0),
                                "export_intensity_pct": (t("col_export_intensity", L), 1)}, "exports")
        region = self.d.area if areas.level_of(self.d.area) == "MK" else areas.get_area(self.d.area).region_code
        ex = load_exports_regional()
        ex = ex[ex["region_code"] == region].sort_values("year")
        if not ex.empty:
            save_table(ex, self.out, "goods_exports_customs")
            drawn = {areas.area_name(region, L): (ex["year"].tolist(), (ex["exports_goods_eur"] / 1e6).tolist())}
            fig = line_chart(drawn,
                             title=t("chart_goods_exports", L, region=areas.area_name(region, L)),
                             unit=t("unit_meur", L), prov=provenance.get(ex), lang=L, source=t("source_customs", L))
            self._chart(fig, "goods_exports")
            if region != self.d.area:
                show(para(t("goods_exports_region_note", L, region=areas.area_name(region, L)), "kd-note"))

    def labour_market(self) -> None:
        """Population and unemployment rate (real public data), area against reference."""
        L = self.lang
        show(h2(t("sec_labour", L)) + para(t("labour_intro", L)))
        # population and unemployment fetched with the business table (`kasvudata data fetch`) are newer
        # than the embedded ones: used instead of them (the one rule of data.sources), labelled with their
        # table and fetch date
        pop, un = population_for(self.table_path, fill=False), unemployment_for(self.table_path, fill=False)
        fetched_pop, fetched_un = bool(pop.attrs["fetched"]), bool(un.attrs["fetched"])
        if fetched_pop:
            pop = provenance.tag(pop[pop["year"] >= 2000], provenance.get(pop))
        series_pop, series_un, rows = {}, {}, []
        for code, who in ((self.d.area, self.name), (self.d.reference, self.ref_name)):
            munis = set(areas.municipalities(code))
            p = pop[pop["municipality_code"].isin(munis)].groupby("year")["population"].sum()
            u = un[un["municipality_code"].isin(munis)].groupby("year")[["unemployed", "labour_force"]]
            # a year with a member's count missing (suppressed, or its labour force not yet published) has no rate
            whole = u.count().min(axis=1) == len(munis)
            u = u.sum()
            rate = (u["unemployed"] / u["labour_force"] * 100.0).where((u["labour_force"] > 0) & whole)
            series_pop[who] = (p.index.tolist(), p.tolist())
            series_un[who] = (rate.index.tolist(), rate.tolist())
            rows.append(pd.DataFrame({"area_code": code, "year": p.index, "population": p.to_numpy()})
                        .merge(pd.DataFrame({"year": rate.index, "unemployment_rate_pct": rate.to_numpy()}),
                               on="year", how="outer").assign(area_code=code))  # years without population too
        table = pd.concat(rows, ignore_index=True)
        save_table(table, self.out, "population_labour_market")
        py = series_pop[self.name][0]
        if py:
            show(para(t("population_sentence", L, area=self.name, y0=py[0], y1=py[-1],
                        p0=format_number(series_pop[self.name][1][0], L),
                        p1=format_number(series_pop[self.name][1][-1], L))))
            self._chart(line_chart(series_pop, index_base=True, title=t("chart_population", L, start=py[0]),
                                   unit=t("unit_index", L, start=py[0]), prov=provenance.get(pop), lang=L,
                                   source="; ".join(provenance.get(pop)["sources"]) if fetched_pop
                                   else t("source_population", L)), "population_index")
        if series_un[self.name][0]:
            self._chart(line_chart(series_un, decimals=1, title=t("chart_unemployment", L), unit=t("unit_pct", L),
                                   prov=provenance.get(un), lang=L,
                                   source="; ".join(provenance.get(un)["sources"]) if fetched_un
                                   else t("source_unemployment", L)),
                        "unemployment")
        for fetched, frame in ((fetched_pop, pop), (fetched_un, un)):  # the fetched tables' source as text too
            if fetched:
                show(para(provenance.badge_text(provenance.get(frame), L), "kd-note"))

    def map(self) -> None:
        """Static map: the area among Northern Ostrobothnia's municipalities."""
        show(h2(t("sec_map", self.lang)))
        self._chart(location_map(self.d.area, self.lang, title=t("chart_map", self.lang, area=self.name)), "map")

    def spatial_context(self) -> None:
        """"Tutkijoille / For researchers": the LISA growth cluster and the growth-factor model.

        Model-based statements (a LISA class with its FDR, growth factors with 95 % intervals) are
        research output, not findings for business advisers (issue 13). They appear only in this
        separate section, with their caveats, and only where the models' data are real: on the
        embedded synthetic data the section says why it holds no model results instead, so the
        report never makes a significance claim on a synthetic outcome. A run on a business table
        (``--table``/``--data statfin``) computes the LISA from that table; the growth-factor model
        needs firms and is marked not available.

        The LISA over all mainland municipalities is the same for every area of one batch, so the
        first report computes it (:func:`kasvudata_utils.research.spatial.growth_lisa`) and the others read it;
        the sentence is :func:`kasvudata_utils.research.spatial.spatial_context_text`, the one
        :func:`~kasvudata_utils.research.spatial.area_spatial_context` uses.
        """
        L = self.lang
        head = h2(t("sec_research", L))
        if not self.table_path and not models_on_real_data():  # a run's table is real or user data
            show(head + para(t("research_synthetic_omitted", L), "kd-note"))
            return
        try:
            table = cached_growth_lisa(self.d.start, self.d.end, self.table_path)
            text = spatial_context_text(table, self.d.area, L, self.d.start, self.d.end)
        except (ImportError, InputError, ValueError, KeyError) as exc:  # shown, never silent: why it is empty
            text = t("section_unavailable", L, reason=f"{type(exc).__name__}: {exc}")
        if self.table_only and self.firm_synthetic:  # firms borrowed from the synthetic panel: no model claims
            factors = t("factor_model_synthetic_omitted", L)
        elif self.table_only:  # the growth-factor model rests on the (synthetic) firm panel
            factors = t("not_available_from_table", L, what=t("growth_factor_model", L))
        else:
            factors = area_factor_context(self.d.area, L, model=cached_factor_model(self.d.start))
        show(head + para(t("research_caveat", L), "kd-note") + para(text) + para(factors))

    def similar_areas(self) -> None:
        """"Samankaltaiset alueet / Similar areas": the areas most like this one, and how it fared.

        The most similar areas of Finland (:mod:`kasvudata_utils.reports.similar`), the area's change against
        theirs, and the insights recorded for them (marked as coming from elsewhere).
        """
        L = self.lang
        # the run's data: its business table for the personnel growth, the population and unemployment
        # fetched beside it (if any) for the similarity features and the population columns
        table = load_table(self.table_path) if self.table_path else None
        df = similar_comparison(self.d.area, self.d.start, self.d.end, business_table=table, source=self.table_path)
        save_table(df, self.out, "similar_areas")
        v = df.attrs["vintage"]
        note = t("similar_source_note_run", L,
                 population=provenance.sources_text(provenance.make("real", df.attrs["population_source"]), L),
                 unemployment=provenance.source_text(v["unemployment_source"], L), un_year=v["unemployment_year"],
                 personnel=provenance.badge_text(provenance.get(table if table is not None
                                                                else load_business_table()), L))
        y0, y1 = df.attrs["population_years"]
        spec = {"distance": (t("col_similarity_distance", L), 2),
                "population": (t("col_population_year", L, year=y1), 0),
                "population_change_pct": (t("col_population_change_pct", L, start=y0, end=y1), 1),
                "personnel_growth_pct": (t("col_personnel_growth_pct", L, start=self.d.start, end=self.d.end), 1)}
        names = {c: f"{areas.area_name(c, L)} ({c})" for c in df["area_code"]}
        show(h2(t("sec_similar", L)) + para(t("similar_intro", L, n=len(df) - 1, start=self.d.start, end=self.d.end))
              + para(fared_sentence(df.assign(name_fi=[areas.area_name(c, L) for c in df["area_code"]]), L))
              + html_table(df.set_index("area_code"), spec, L, first_col=t("area", L), index_label=names.get)
              + para(note, "kd-note")
              + similar_insights_html(df["area_code"].tolist()[1:], L))

    def insights(self) -> None:
        """"Yrityspalvelujen havainnot / What the business services said" from the insights store."""
        show(area_insights_html(self.d.area, self.lang, figure_for=self.figure_for))

    def figure_for(self, record: dict):
        """The report's figure an insight refers to (indicator, industry, year), formatted; None if absent."""
        return insight_figure(self.ind, self.d.area, record, self.lang)

    def footer(self) -> None:
        """Closing lines: the glossary (one vocabulary, METHODS), badge, attribution and the methods note."""
        L = self.lang
        items = "".join(f"<li><b>{html.escape(t(f'ind_{k}', L))}</b>: {html.escape(t(f'glossary_{k}', L))}</li>"
                        for k in GLOSSARY)
        glossary = (h2(t("sec_glossary", L)) + f'<ul class="kd-glossary">{items}</ul>'
                    + para(industries.coverage_text(L)) + symbol_legend(L, small=True))
        show(glossary + h2(t("sec_about", L)) + para(about_disclosure(self.d.prov, L)) + badge_block(self.d.prov, L)
              + attribution_html(L))

