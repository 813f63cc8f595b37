"""The area report's section "Samankaltaiset alueet / Similar areas" (issue 19).

:func:`similar_comparison` lists the areas of Finland most similar to the report's area
(:func:`kasvudata_utils.research.similar.similar_areas`, real open data) with how each fared over the
report's period: population change (real) and personnel growth from the regional business table
(the only firm-level source that covers all of Finland; synthetic in the embedded data, with
disclosure flags). :func:`similar_insights_html` shows what workshops recorded for those areas,
marked as coming from elsewhere (co-learning across similar areas).
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from kasvudata_utils import areas, provenance
from kasvudata_utils.data import load_business_table
from kasvudata_utils.data.sources import complete_years, covers, municipalities_in, population_for, year_sources
from kasvudata_utils.indicators import compute_indicators_many
from kasvudata_utils.insights.render import render_area_insights_html
from kasvudata_utils.labels import t
from kasvudata_utils.numbers import format_pct
from kasvudata_utils.paths import processed_dir
from kasvudata_utils.research.similar import DEFAULT_COMPARE_N, similar_areas

COLUMNS = ["area_code", "name_fi", "rank", "distance", "population", "population_change_pct",
           "personnel_growth_pct", "personnel_growth_pct__suppressed"]


def similar_comparison(area, start: int, end: int, n: int = DEFAULT_COMPARE_N, business_table=None,
                       population=None, source=None) -> pd.DataFrame:
    """The area (rank 0) and its ``n`` most similar areas with their change over ``start``–``end``.

    Parameters
    ----------
    area : str
        Any accepted area code (custom areas too).
    start, end : int
        The report's period.
    n : int
        Number of similar areas.
    business_table, population : pandas.DataFrame, optional
        Default the embedded regional business table and the run's population (tests pass their own).
    source : DataSource or str, optional
        The run's data source (or its business-table path): the similarity features and the population
        columns use the population and unemployment fetched beside it
        (:func:`kasvudata_utils.data.sources.population_for`), else the embedded ones.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: ``population`` in ``end`` (or the last year with data), ``population_change_pct``
        over the period's years that have data, ``personnel_growth_pct`` (all industries, business
        table, NaN and flagged where suppressed, NaN where the table does not cover the area).
        ``attrs``: ``population_years`` and ``population_source``
        (the sources of those years' rows), ``vintage`` (the similarity features' years and sources).
    """
    sim = similar_areas(area, n, source=source)
    codes = sim["area_code"].tolist()
    if business_table is None:
        g, prov = embedded_growth(start, end)
        g = g.reindex([c for c in codes if c in g.index])
        missing = [c for c in codes if c not in g.index]  # a custom area: not among the precomputed ones
        if missing:
            more, _ = personnel_growth(load_business_table(), missing, start, end)
            g = pd.concat([g, more])
    else:
        g, prov = personnel_growth(business_table, codes, start, end)
    pop = population_for(source) if population is None else population
    # the last year of the period covering as many municipalities as any (a fetch of a few areas adds no year)
    full = complete_years(pop, ["population"])
    y0, y1 = max(start, int(pop["year"].min())), max([y for y in full if y <= end] or [min(end, full[-1])])
    pops = {}
    for c in codes:
        p = pop[pop["municipality_code"].isin(areas.municipalities(c))].groupby("year")["population"].sum()
        pops[c] = (float(p.get(y0, np.nan)), float(p.get(y1, np.nan)))
    out = pd.DataFrame({
        "area_code": codes, "name_fi": sim["name_fi"], "rank": sim["rank"], "distance": sim["distance"],
        "population": [pops[c][1] for c in codes],
        "population_change_pct": [(pops[c][1] / pops[c][0] - 1) * 100 if pops[c][0] else np.nan for c in codes],
        "personnel_growth_pct": [float(g["value"].get(c, np.nan)) for c in codes],
        "personnel_growth_pct__suppressed": [bool(g["suppressed"].get(c, False)) for c in codes],
    })
    out = provenance.tag(out, provenance.combine(provenance.get(sim), provenance.get(pop), prov))
    out.attrs["population_years"] = (y0, y1)
    out.attrs["population_source"] = list(dict.fromkeys(year_sources(pop, y0) + year_sources(pop, y1)))
    out.attrs["vintage"] = sim.attrs["vintage"]
    return out


def personnel_growth(table, codes, start: int, end: int) -> tuple[pd.DataFrame, dict]:
    """Personnel growth (all industries) of ``codes`` over ``start``–``end`` from a business table, disclosed.

    Returns a frame indexed by area code with ``value`` and ``suppressed``, and the provenance of the
    indicators. Growth does not depend on the reference: an area itself serves. A table that does not
    cover an area (a --table extract of one region; METHODS "Data sources and coverage") leaves it out,
    so its growth is unknown.
    """
    have_munis = municipalities_in(table)  # once: covers() would collect them again for every code
    have = [c for c in dict.fromkeys(codes) if covers(have_munis, c)]
    if not have:
        return pd.DataFrame({"value": [], "suppressed": []}, index=pd.Index([], name="area_code")), \
            provenance.get(table)
    ind = compute_indicators_many(table, have, have[0], start, end)
    g = ind[(ind["indicator"] == "personnel_growth_pct") & (ind["industry_code"] == "ALL")]
    return g.set_index("area_code")[["value", "suppressed"]], provenance.get(ind)


#: Every area's personnel growth from the embedded business table, by period, kept while its files are unchanged.
_GROWTH: dict = {}


def embedded_growth(start: int, end: int) -> tuple[pd.DataFrame, dict]:
    """:func:`personnel_growth` of every area of Finland (municipalities, sub-regions, regions) in the embedded table.

    Computed once per process and period (≈ 0.5 s) instead of for each report's similar areas
    (≈ 0.35 s a report: the engine prepared the table's cells again for every report, as the loader
    hands out a new frame per call). The engine's figures of an area do not depend on the other areas
    computed with it (``tests/test_report_similar.py`` compares them with the areas computed alone).
    """
    root = processed_dir()
    stamps = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.glob("*")) if p.is_file()) \
        if root.exists() else ()
    key = (int(start), int(end), stamps)
    if key not in _GROWTH:
        _GROWTH.clear()
        codes = [c for c in areas.all_areas() if c != areas.COUNTRY]
        _GROWTH[key] = personnel_growth(load_business_table(), codes, start, end)
    return _GROWTH[key]


def fared_sentence(df: pd.DataFrame, lang: str = "fi") -> str:
    """How the area (row 0) fared against the others: its personnel growth, the others' median, its rank.

    >>> d = pd.DataFrame({"name_fi": ["A", "B", "C", "D"], "personnel_growth_pct": [5.0, -1.0, 2.0, 10.0],
    ...                   "personnel_growth_pct__suppressed": [False] * 4})
    >>> fared_sentence(d, "en")
    'A: personnel +5.0% over the period, the similar areas +2.0% (median): number 2 of 4.'
    """
    g = df["personnel_growth_pct"].where(~df["personnel_growth_pct__suppressed"].astype(bool))
    own, others = g.iloc[0], g.iloc[1:].dropna()
    if pd.isna(own) or others.empty:
        return t("similar_fared_unknown", lang, area=df["name_fi"].iloc[0])
    rank = 1 + int((others > own).sum())
    return t("similar_fared", lang, area=df["name_fi"].iloc[0], growth=format_pct(own, lang, signed=True),
             median=format_pct(float(others.median()), lang, signed=True), rank=rank, n=1 + len(others))


def similar_insights_html(codes, lang: str = "fi", store=None) -> str:
    """Insights recorded for ``codes`` (the similar areas), each under its area, marked as from elsewhere."""
    parts = []
    for c in codes:
        body = render_area_insights_html(store, c, lang=lang, include_members=False, title=False,
                                         heading_level=4)
        if "kd-insights-empty" in body:
            continue
        parts.append(f"<h4>{html.escape(areas.area_name(c, lang))} ({html.escape(c)})</h4>" + body)
    head = (f'<section class="kd-similar-insights"><h3>{html.escape(t("similar_insights_title", lang))}</h3>'
            f'<p class="kd-note">{html.escape(t("similar_insights_note", lang))}</p>')
    if not parts:
        return head + f'<p class="kd-insights-empty">{html.escape(t("similar_insights_none", lang))}</p></section>'
    return head + "".join(parts) + "</section>"
