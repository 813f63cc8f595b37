"""Key findings: a short text generated from the indicator table, in Finnish or English.

The input is the long table of :func:`kasvudata_utils.indicators.compute_indicators`
(``area_code, reference_code, indicator, industry_code, year, value, suppressed``) holding rows
for the area and for its reference area (concatenate the two calls), plus optionally the
shift-share table (``industry_code, base, end, national_share, industry_mix, regional_shift``).
Every number in a finding is taken from those tables as it stands (already disclosure
controlled): a suppressed or missing value is never stated; the finding is left out instead.
Wording comes from :mod:`kasvudata_utils.labels`.

Examples
--------
>>> import pandas as pd
>>> rows = [("KU009", "personnel", "ALL", 2023, 120.0), ("KU009", "personnel_growth_pct", "ALL", 2023, 20.0),
...         ("MK17", "personnel_growth_pct", "ALL", 2023, 5.0)]
>>> ind = pd.DataFrame(rows, columns=["area_code", "indicator", "industry_code", "year", "value"])
>>> ind["suppressed"] = False
>>> [f.key for f in key_findings(ind, "KU009", "MK17", lang="en")]
['total']
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from kasvudata_utils import areas, industries
from kasvudata_utils.errors import InputError, require_columns
from kasvudata_utils.labels import normalise_lang, t
from kasvudata_utils.numbers import signed
from kasvudata_utils.plots import format_number, format_pct

REQUIRED = ("area_code", "indicator", "industry_code", "year", "value")
#: Headline figures shown per area on the knowledge-base home page (indicator, decimals).
HEADLINE = (("personnel", 0), ("personnel_growth_pct", 1), ("birth_rate_pct", 1))
#: An industry is headlined (fastest growers, laggards) only where it had at least this many
#: person-years at the start or the end of the period ...
MIN_HEADLINE_PERSONNEL = 10.0
#: ... and at least this share (%) of the area's personnel: 23 → 30 person-years is +28 % but no headline.
MIN_HEADLINE_SHARE_PCT = 2.0


@dataclass(frozen=True)
class Finding:
    """One key finding: a stable key, the sentence, and the raw numbers it states."""

    key: str
    text: str
    values: dict = field(default_factory=dict)


def _check(ind) -> None:
    require_columns(ind, REQUIRED, "indicator table",
                    expected=f"the long table of compute_indicators ({', '.join(REQUIRED)}, suppressed)")


def _ok(value, suppressed) -> bool:
    if bool(suppressed):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _rows(ind, area: str, indicator: str, year=None):
    """Rows of one indicator for one area at one year (default: the latest year it has)."""
    sub = ind[(ind["area_code"] == area) & (ind["indicator"] == indicator)]
    if sub.empty:
        return sub
    y = int(sub["year"].max()) if year is None else int(year)
    return sub[sub["year"] == y]


def value_of(ind, area: str, indicator: str, industry: str = "ALL", year=None):
    """``(value, year)`` of one cell, or ``(None, year)`` where it is missing or suppressed."""
    _check(ind)
    sub = _rows(ind, area, indicator, year)
    sub = sub[sub["industry_code"] == industry]
    if sub.empty:
        return None, year
    r = sub.iloc[0]
    sup = r["suppressed"] if "suppressed" in sub.columns else False
    return (float(r["value"]) if _ok(r["value"], sup) else None), int(r["year"])


def _by_industry(ind, area: str, indicator: str) -> dict:
    """Section (or division) → value for published, finite cells of the latest year."""
    sub = _rows(ind, area, indicator)
    sub = sub[sub["industry_code"] != "ALL"]
    sup = sub["suppressed"] if "suppressed" in sub.columns else [False] * len(sub)
    return {str(c): float(v) for c, v, s in zip(sub["industry_code"], sub["value"], sup, strict=True) if _ok(v, s)}


def _ind_name(code: str, lang: str) -> str:
    try:
        return industries.industry_name(code, lang)
    except InputError:
        return code


def _area_name(code: str, lang: str) -> str:
    try:
        return areas.official_name(code, lang)
    except InputError:
        return code


def key_findings(ind, area: str, reference: str, shift_share=None, lang: str = "fi", n: int = 3) -> list[Finding]:
    """Generate the key findings of an area report.

    Parameters
    ----------
    ind : pandas.DataFrame
        Long indicator table with rows for ``area`` and for ``reference``.
    area, reference : str
        Normalised area codes.
    shift_share : pandas.DataFrame, optional
        Classic shift-share table of the area (SPEC §4 columns with a ``TOTAL`` row).
    lang : {"fi", "en"}
    n : int
        How many industries to name as the largest gainers against the reference (ranked by
        person-years, :func:`industry_contributions`; small industries are never headlined).

    Returns
    -------
    list of Finding
        In reading order: total change, largest gains and losses in person-years against the
        reference's trend,
        specialisation, own competitiveness (shift-share), business births. A finding whose
        numbers are missing or suppressed is left out.
    """
    _check(ind)
    lang = normalise_lang(lang)
    out: list[Finding] = []
    aname, rname = _area_name(area, lang), _area_name(reference, lang)

    pers, year = value_of(ind, area, "personnel")
    g_area, _ = value_of(ind, area, "personnel_growth_pct")
    g_ref, _ = value_of(ind, reference, "personnel_growth_pct")
    if pers is not None and g_area is not None:
        vals = {"personnel": pers, "growth_pct": g_area, "reference_growth_pct": g_ref, "year": year}
        key = "finding_total" if g_ref is not None else "finding_total_noref"
        out.append(Finding("total", t(key, lang, area=aname, year=year, personnel=format_number(pers, lang, 0),
                                      growth=format_pct(g_area, lang, 1, signed=True), reference=rname,
                                      ref_growth=format_pct(g_ref, lang, 1, signed=True)), vals))

    ga, gr = _by_industry(ind, area, "personnel_growth_pct"), _by_industry(ind, reference, "personnel_growth_pct")
    contrib = industry_contributions(ind, area, reference, total=pers)
    ranked = sorted(contrib, key=lambda c: (-contrib[c], c))

    def item(c):
        return t("finding_item", lang, industry=_ind_name(c, lang), contribution=signed(contrib[c], lang, 0),
                 growth=format_pct(ga[c], lang, 1, signed=True), reference=rname,
                 ref_growth=format_pct(gr[c], lang, 1, signed=True))

    top = [c for c in ranked if contrib[c] > 0][:n]
    if top:
        out.append(Finding("top_growth", t("finding_top", lang, n=len(top), reference=rname,
                                           items=", ".join(item(c) for c in top)),
                           {c: (ga[c], gr[c], contrib[c]) for c in top}))
    lag = [c for c in reversed(ranked) if contrib[c] < 0 and c not in top][:2]
    if lag:
        out.append(Finding("lagging", t("finding_lag", lang, reference=rname, items=", ".join(item(c) for c in lag)),
                           {c: (ga[c], gr[c], contrib[c]) for c in lag}))

    lq = _by_industry(ind, area, "lq_personnel")
    if lq:
        best = sorted(lq, key=lambda c: (-lq[c], c))[:2]
        if lq[best[0]] > 1.0:
            items = ", ".join(f"{_ind_name(c, lang)} (LQ {format_number(lq[c], lang, 2)})" for c in best if lq[c] > 1.0)
            out.append(Finding("specialisation", t("finding_lq", lang, area=aname, reference=rname, items=items),
                               {c: lq[c] for c in best if lq[c] > 1.0}))

    if shift_share is not None and len(shift_share):
        tot = shift_share[shift_share["industry_code"] == "TOTAL"]
        if len(tot) and "regional_shift" in tot.columns:
            rs = tot["regional_shift"].iloc[0]
            sup = bool(tot["suppressed"].iloc[0]) if "suppressed" in tot.columns else False
            if _ok(rs, sup):
                key = "finding_shift_pos" if float(rs) >= 0 else "finding_shift_neg"
                text = t(key, lang, area=aname, value=format_number(abs(float(rs)), lang, 0))
                out.append(Finding("shift_share", text, {"regional_shift": float(rs)}))

    b_area, byear = value_of(ind, area, "birth_rate_pct")
    b_ref, _ = value_of(ind, reference, "birth_rate_pct", year=byear)
    if b_area is not None and b_ref is not None:
        out.append(Finding("births", t("finding_births", lang, area=aname, year=byear,
                                       rate=format_pct(b_area, lang, 1), reference=rname,
                                       ref_rate=format_pct(b_ref, lang, 1)),
                           {"birth_rate_pct": b_area, "reference_birth_rate_pct": b_ref, "year": byear}))
    return out


def industry_contributions(ind, area: str, reference: str, total: float | None = None) -> dict:
    """Person-years each industry gained or lost against the reference's trend in that industry.

    The regional shift of shift-share (METHODS "Shift-share"), from the table's own figures:
    ``e_i0 · (r_i − g_i)`` with ``e_i0 = e_i1 / (1 + r_i)``, where ``e_i1`` is the industry's
    personnel in the latest year, ``r_i`` its growth and ``g_i`` the reference's growth in the
    same industry. Industries too small to headline (below :data:`MIN_HEADLINE_PERSONNEL`
    person-years, or below :data:`MIN_HEADLINE_SHARE_PCT` % of ``total``, at both ends of the
    period) and industries with a missing or suppressed figure are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [("A1", "personnel", "C", 120.0), ("A1", "personnel_growth_pct", "C", 20.0),
    ...         ("R1", "personnel_growth_pct", "C", 5.0), ("A1", "personnel", "D", 18.0),
    ...         ("A1", "personnel_growth_pct", "D", 80.0), ("R1", "personnel_growth_pct", "D", 0.0)]
    >>> ind = pd.DataFrame(rows, columns=["area_code", "indicator", "industry_code", "value"])
    >>> ind["year"], ind["suppressed"] = 2023, False
    >>> {k: round(v, 6) for k, v in industry_contributions(ind, "A1", "R1", total=1000.0).items()}  # D: 10 → 18
    {'C': 15.0}
    """
    ga, gr = _by_industry(ind, area, "personnel_growth_pct"), _by_industry(ind, reference, "personnel_growth_pct")
    e1 = _by_industry(ind, area, "personnel")
    floor = max(MIN_HEADLINE_PERSONNEL, (MIN_HEADLINE_SHARE_PCT / 100 * total) if total else 0.0)
    out = {}
    for c in ga:
        if c not in gr or c not in e1 or ga[c] <= -100:
            continue
        e0 = e1[c] / (1 + ga[c] / 100)
        if max(e0, e1[c]) < floor:
            continue
        out[c] = e0 * (ga[c] - gr[c]) / 100
    return out


def findings_markdown(findings: list[Finding], lang: str = "fi") -> str:
    """The findings as a Markdown bullet list (an explicit sentence when there are none)."""
    if not findings:
        return t("finding_none", lang)
    return "\n".join(f"- {f.text}" for f in findings)


def headline_figures(ind, area: str) -> dict:
    """The three headline figures of the site's home page: indicator → ``(value or None, year)``."""
    return {name: value_of(ind, area, name) for name, _ in HEADLINE}


def insight_figure(ind, area: str, record: dict, lang: str = "fi") -> str | None:
    """The figure an insight refers to (its indicator, industry, year) in the report's indicators, formatted.

    ``ind`` is the report's disclosed indicator table (as saved in ``tables/indicators.csv``); ``None``
    when the insight names no indicator, is about another area, or the table lacks the figure. Used by
    the report (:meth:`AreaReport.figure_for`) and by the insight-only refresh
    (:mod:`kasvudata_utils.reports.refresh`), so both show the same text.
    """
    name = record.get("indicator")
    if not name or record.get("area_code") not in (area,):
        return None
    sub = ind[(ind["area_code"] == area) & (ind["indicator"] == name)]
    if sub.empty:
        return None
    year = record.get("year") if record.get("year") in set(sub["year"].astype(int)) else None
    value, y = value_of(ind, area, name, record.get("industry_code") or "ALL", year)
    dec = 0 if name in ("personnel", "establishments", "turnover_eur", "exports_eur") or name.endswith("_count") else 1
    return f"{format_number(value, lang, dec)} ({y})"
