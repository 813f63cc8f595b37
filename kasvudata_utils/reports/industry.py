"""The industry profile (``notebooks/02_industry_profile.ipynb``): one industry across all areas.

Who is specialised (location quotient against the region), who grows, where the exports come
from, for the 30 municipalities, 7 sub-regions and the region itself. Every value comes from the
indicator engine's disclosed output; suppressed cells show as ``–``.
"""
from __future__ import annotations

import html

import pandas as pd

from kasvudata_utils import areas, industries
from kasvudata_utils.data import load_web_geojson, sources
from kasvudata_utils.indicators import compute_indicators, compute_indicators_many
from kasvudata_utils.labels import t
from kasvudata_utils.plots import area_map
from kasvudata_utils.reports.common import (
    ReportParameters,
    about_disclosure,
    attribution_html,
    badge_block,
    combined_provenance,
    h2,
    html_table,
    para,
    save_table,
    shared_table,
    show,
)
from kasvudata_utils.svgcharts import bar_chart

COLUMNS = ("personnel", "personnel_growth_pct", "lq_personnel", "establishments", "exporter_count",
           "export_intensity_pct", "hge_count")


class IndustryProfile:
    """One industry (section or division) across the areas of a region."""

    def __init__(self, industry: str, region: str, reference: str, start: int, end: int, lang: str,
                 table: pd.DataFrame, prov: dict, output_dir: str = ""):
        self.industry, self.region, self.reference = industry, region, reference
        self.start, self.end, self.lang, self.out = start, end, lang, output_dir
        self.table, self.prov = table, prov
        self.iname = industries.industry_name(industry, lang)

    @classmethod
    def build(cls, industry, params: ReportParameters, output_dir: str = ""):
        """Compute the industry's indicators for the region, its sub-regions and municipalities.

        ``params`` are the notebook's normalised parameters
        (:func:`~kasvudata_utils.reports.common.normalise_parameters`);
        ``params.table_path``: a SPEC §3 business table the figures come from (:mod:`kasvudata_utils.data.sources`).
        """
        region, ref, start, end, lang = params.area, params.reference, params.start, params.end, params.lang
        panel, table = params.panel_path, params.table_path
        code = industries.normalise_industry(industry)
        level = "section" if code.isalpha() else "division"
        codes = list(dict.fromkeys([region] + areas.members(region, "SK") + areas.members(region, "KU")))

        def compute():
            main, companion = sources.load_main_and_companion(sources.resolve_source("default", panel, table))
            refs = [ref] + [areas.default_reference(c) for c in codes[1:]]
            table_ = sources.reference_data_for(main, companion, refs)
            # one cell table for all areas; each area against its default reference (the region, or SSS for it)
            ind_region = compute_indicators(main, region, ref, start, end, level=level, reference_data=table_)
            if len(codes) > 1:
                ind_ = compute_indicators_many(main, codes[1:], None, start, end, level=level,
                                               reference_data=table_)
                ind_ = pd.concat([ind_region, ind_], ignore_index=True)
            else:
                ind_ = ind_region
            used = [main] + ([table_] if table_ is not None else [])
            return ind_, combined_provenance(*used, ind_region, ind_)

        # the same industry-independent table for every profile of a batch: computed once, kept on disk
        key = ("industry_profiles", codes, ref, start, end, level) + ((table, sources.file_sha256(table)) if table
                                                                      else ())
        ind, prov = shared_table(key, panel, compute)
        ind = ind[(ind["industry_code"] == code) & ind["indicator"].isin(COLUMNS)]
        # each area's and indicator's latest year, its first row there: one pass over the rows instead of
        # a filter per area and indicator (≈ 270 boolean selections a profile)
        latest = ind[ind["year"] == ind.groupby(["area_code", "indicator"])["year"].transform("max")]
        found: dict = {}
        for a, name, v, s in zip(latest["area_code"], latest["indicator"], latest["value"], latest["suppressed"],
                                 strict=True):
            found.setdefault((a, name), (v, s))
        rows = []
        for c in codes:
            row = {"area_code": c, "level": areas.level_of(c), "name": areas.official_name(c, lang)}
            for name in COLUMNS:
                if (c, name) not in found:
                    continue
                v, s = found[(c, name)]
                row[name] = float(v) if pd.notna(v) else float("nan")
                row[f"{name}__suppressed"] = bool(s)
            rows.append(row)
        table = pd.DataFrame(rows).set_index("area_code")
        prof = cls(code, region, ref, start, end, lang, table, prov, output_dir)
        flat = table.reset_index()
        for name in COLUMNS:  # CSV: suppressed values stay empty
            if name in flat and f"{name}__suppressed" in flat:
                flat[name] = flat[name].mask(flat[f"{name}__suppressed"].astype(bool))
        save_table(flat, output_dir, "industry_profile")
        return prof

    def header(self) -> None:
        """The profile's title, period, data badge and attribution."""
        L = self.lang
        title = t("profile_title", L, industry=f"{self.industry} {self.iname}",
                  region=areas.area_name(self.region, L))
        meta = t("profile_meta", L, start=self.start, end=self.end)
        show(f"<h1>{html.escape(title)}</h1>" + para(meta) + badge_block(self.prov, L) + attribution_html(L))

    def _spec(self):
        L = self.lang
        return {"personnel": (t("col_personnel", L), 0), "personnel_growth_pct": (t("col_personnel_growth", L), 1),
                "lq_personnel": (t("col_lq", L), 2), "establishments": (t("col_establishments", L), 0),
                "exporter_count": (t("col_exporters", L), 0),
                "export_intensity_pct": (t("col_export_intensity", L), 1), "hge_count": (t("col_hge", L), 0)}

    def overview(self) -> None:
        """The table of all areas, region and sub-regions first."""
        L = self.lang
        show(h2(t("sec_profile_table", L)) + para(t("profile_table_intro", L, year=self.end)))
        spec = {k: v for k, v in self._spec().items() if k in self.table}
        show(html_table(self.table, spec, L, first_col=t("area", L),
                         index_label=lambda c: f"{self.table.loc[c, 'name']} ({c})"))

    def _munis(self):
        return self.table[self.table["level"] == "KU"]

    def specialisation(self) -> None:
        """Location quotients of the municipalities and a map of the specialised ones."""
        L = self.lang
        m = self._munis()
        show(h2(t("sec_profile_specialisation", L)))
        if "lq_personnel" not in m or m.empty:
            show(para(t("no_data_period", L)))
            return
        m = m.sort_values("lq_personnel", ascending=False, na_position="last")
        show(bar_chart(m["name"], m["lq_personnel"], suppressed=m["lq_personnel__suppressed"], decimals=2,
                       title=t("chart_profile_lq", L, industry=self.iname),
                       unit=t("unit_lq", L, reference=areas.area_name(self.region, L)), prov=self.prov, lang=L),
             "profile_lq", self.out, L)
        hidden = m["lq_personnel__suppressed"].astype(bool)
        spec = m[(m["lq_personnel"] > 1.0) & ~hidden].index.tolist()

        feats = load_web_geojson("KU")["features"]
        names = {c: areas.area_name(c, L) for c in spec}
        # the colours are the firm data's LQ: the map carries that data's badge, the geometry is the source line
        show(area_map(feats, spec, title=t("chart_profile_map", L, industry=self.iname), prov=self.prov, lang=L,
                      label_codes=spec if len(spec) <= 8 else [], names=names, suppressed=m.index[hidden].tolist(),
                      legend_labels=(t("map_lq_above", L), t("map_lq_not_above", L))),
             "profile_map", self.out, L)

    def growth(self) -> None:
        """Personnel growth of the industry by sub-region."""
        L = self.lang
        s = self.table[self.table["level"] == "SK"]
        show(h2(t("sec_profile_growth", L)))
        if "personnel_growth_pct" not in s or s.empty:
            show(para(t("no_data_period", L)))
            return
        show(bar_chart(s["name"], s["personnel_growth_pct"], suppressed=s["personnel_growth_pct__suppressed"],
                        decimals=1, colour_by_sign=True, unit=t("unit_pct", L), prov=self.prov, lang=L,
                       title=t("chart_profile_growth", L, industry=self.iname, start=self.start, end=self.end)),
             "profile_growth", self.out, L)

    def exports(self) -> None:
        """Where the industry's exports come from: exporters and export intensity by sub-region."""
        L = self.lang
        s = self.table[self.table["level"] == "SK"]
        show(h2(t("sec_profile_exports", L)))
        if "exporter_count" not in s or s.empty:
            show(para(t("no_data_period", L)))
            return
        show(bar_chart(s["name"], s["exporter_count"], suppressed=s["exporter_count__suppressed"],
                        title=t("chart_profile_exporters", L, industry=self.iname, year=self.end),
                       unit=t("unit_firms", L), prov=self.prov, lang=L), "profile_exporters", self.out, L)

    def footer(self) -> None:
        """"Tietoja raportista / About": methods, data badge and attribution."""
        L = self.lang
        show(h2(t("sec_about", L)) + para(about_disclosure(self.prov, L)) + badge_block(self.prov, L)
             + attribution_html(L))
