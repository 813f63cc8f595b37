"""Export dynamics of firms: exporter entry and exit, intensity, concentration, Customs trend.

Pure computing for notebook 13 (no I/O, no plotting). Definitions follow
METHODS "Exports": an exporter is a firm with goods + services exports > 0
in the year; export intensity = Σ exports / Σ turnover of the cell's firms.
Every table built from firm-level data passes disclosure control
(:func:`kasvudata_utils.indicators.disclosure.apply_disclosure`: at least 3 firms, the
largest firm at most 80 % of a sum), so small cells show as suppressed.

Customs' regional statistics cover goods only; the firm panel has goods and
services: :func:`goods_trend_vs_customs` compares goods with goods.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError, require_columns
from kasvudata_utils.indicators import disclosure
from kasvudata_utils.industries import division_section_map
from kasvudata_utils.research.support import size_class

REQUIRED = ["firm_id", "year", "municipality_code", "industry_code", "turnover_eur", "exports_goods_eur",
            "exports_services_eur", "personnel"]


def _area_panel(panel: pd.DataFrame, area) -> pd.DataFrame:
    require_columns(panel, REQUIRED, "panel", expected="the firm panel columns of SPEC §3")
    code = areas.normalise_area(area)
    munis = set(areas.municipalities(code))
    p = panel[panel["municipality_code"].isin(munis)].copy()
    if p.empty:
        raise InputError(f"no firms of {code} in the panel: expected an area the panel covers (e.g. MK17)")
    p["exports_eur"] = p["exports_goods_eur"].astype(float) + p["exports_services_eur"].astype(float)
    p["exporter"] = p["exports_eur"] > 0
    return p


def exporter_dynamics(panel: pd.DataFrame, area, disclose: bool = True) -> pd.DataFrame:
    """Exporters per year and how many start and stop exporting.

    ``entrants`` in t: exporters in t that were not exporters in t−1 (new
    firms included); ``exits``: exporters in t−1 that do not export in t
    (closed firms included). The first panel year has no entrants/exits.
    Counts resting on fewer than 3 firms are suppressed (NaN, ``*_suppressed``).

    Examples
    --------
    >>> p = pd.DataFrame({"firm_id": list("aabb"), "year": [2015, 2016] * 2, "municipality_code": "KU564",
    ...                   "industry_code": "10", "personnel": 1.0, "turnover_eur": 1.0,
    ...                   "exports_goods_eur": [0.0, 5.0, 5.0, 0.0], "exports_services_eur": 0.0})
    >>> exporter_dynamics(p, "KU564", disclose=False)[["exporters", "entrants", "exits"]].values.tolist()
    [[1.0, nan, nan], [1.0, 1.0, 1.0]]
    """
    p = _area_panel(panel, area)
    ex = p.loc[p["exporter"], ["firm_id", "year"]]
    sets = {y: set(g["firm_id"]) for y, g in ex.groupby("year")}
    years = sorted(p["year"].unique())
    rows = []
    for i, y in enumerate(years):
        cur = sets.get(y, set())
        prev = sets.get(years[i - 1], set()) if i else None
        rows.append({"year": int(y), "firms": float(p.loc[p["year"] == y, "firm_id"].nunique()),
                     "exporters": float(len(cur)),
                     "entrants": float(len(cur - prev)) if prev is not None else np.nan,
                     "exits": float(len(prev - cur)) if prev is not None else np.nan})
    out = pd.DataFrame(rows)
    out["exporter_share_pct"] = out["exporters"] / out["firms"] * 100
    enabled = disclosure.disclosure_enabled(disclose)
    for c in ("exporters", "entrants", "exits"):
        flag = disclosure.threshold_flags(out[c].fillna(0)) if enabled else np.zeros(len(out), bool)
        out[f"{c}_suppressed"] = flag
        out[c] = out[c].mask(flag)
    out["exporter_share_pct"] = out["exporter_share_pct"].mask(out["exporters_suppressed"])
    return out


def export_intensity_by(panel: pd.DataFrame, area, year: int, by: str = "size_class",
                        disclose: bool = True) -> pd.DataFrame:
    """Export intensity (% of turnover) by size class or industry section in ``year``.

    Columns ``group, firms, exporters, exports_eur, turnover_eur,
    export_intensity_pct, suppressed`` plus an ``ALL`` row. Exports and
    intensity are suppressed where the cell has fewer than 3 exporting firms
    or the largest exporter holds over 80 % of the cell's exports (and one
    more cell where the suppressed one could be recovered from the total).
    """
    if by not in ("size_class", "section"):
        raise InputError(f"by={by!r}: expected 'size_class' or 'section'")
    p = _area_panel(panel, area)
    p = p[p["year"] == int(year)]
    if p.empty:
        raise InputError(f"year {year} not in the panel: expected {panel['year'].min()}–{panel['year'].max()}")
    p["group"] = (size_class(p["personnel"]) if by == "size_class"
                  else p["industry_code"].map(division_section_map()).fillna("?").to_numpy())
    p["group"] = p["group"].astype(str)

    def agg(g):
        return {"firms": len(g), "exporters": int(g["exporter"].sum()), "exports_eur": g["exports_eur"].sum(),
                "turnover_eur": g["turnover_eur"].sum(), "largest_exports_eur": g["exports_eur"].max(),
                "largest_turnover_eur": g["turnover_eur"].max()}

    cells = pd.DataFrame([{"group": k, **agg(g)} for k, g in p.groupby("group")])
    total = pd.DataFrame([{"group": "ALL", **agg(p)}])
    t = pd.concat([cells, total], ignore_index=True)
    enabled = disclosure.disclosure_enabled(disclose)
    # turnover is a sum over firms too: the same rules, on all the cell's firms
    tt = disclosure.apply_disclosure(t, "turnover_eur", "firms", "largest_turnover_eur", group_cols=[],
                                     industry_col="group", total_code="ALL", enabled=enabled, unit=0.0)
    t = disclosure.apply_disclosure(t, "exports_eur", "exporters", "largest_exports_eur", group_cols=[],
                                    industry_col="group", total_code="ALL", enabled=enabled, unit=0.0)
    t["turnover_eur"] = tt["turnover_eur"]
    t["suppressed"] = t["suppressed"] | tt["suppressed"]
    t["export_intensity_pct"] = (t["exports_eur"] / t["turnover_eur"].where(t["turnover_eur"] > 0) * 100
                                 ).mask(t["suppressed"])
    return t.drop(columns=["largest_exports_eur", "largest_turnover_eur"])


def export_concentration(panel: pd.DataFrame, area, year: int, top=(3, 5, 10), disclose: bool = True) -> pd.DataFrame:
    """How much of the area's exports the largest exporters hold.

    ``top_k, share_pct, suppressed``: the share of the k largest exporters
    in the area's total exports. Disclosure: k < 3 is never published (it
    would rest on fewer than 3 firms); a top-k share is suppressed where the
    largest firm alone holds more than 80 % of the top-k sum (dominance), and
    where only 1 or 2 exporters are left outside the top k (their exports
    would follow from the share and the published total).
    A last row ``firms_for_half`` gives how many exporters together hold
    half of the exports (a count, safe to publish when at least 3).

    Examples
    --------
    >>> p = pd.DataFrame({"firm_id": list("abcdefgh"), "year": 2020, "municipality_code": "KU564",
    ...                   "industry_code": "10", "personnel": 1.0, "turnover_eur": 100.0,
    ...                   "exports_goods_eur": [40.0, 30, 10, 10, 4, 3, 2, 1], "exports_services_eur": 0.0})
    >>> export_concentration(p, "KU564", 2020, top=(3, 5, 6))["share_pct"].tolist()  # 80/100, 94/100
    [80.0, 94.0, nan, nan]

    (Top 6 leaves 2 firms outside, so it is suppressed; 40 + 30 ≥ 50: two
    firms hold half, a count below 3, so that is suppressed too.)
    """
    p = _area_panel(panel, area)
    e = np.sort(p.loc[(p["year"] == int(year)) & p["exporter"], "exports_eur"].to_numpy())[::-1]
    total = e.sum()
    enabled = disclosure.disclosure_enabled(disclose)
    rows = []
    for k in top:
        k = int(k)
        if k < 1:
            raise InputError(f"top {k}: expected a positive number of firms")
        share = e[:k].sum() / total * 100 if total > 0 else np.nan
        rest = len(e) - k  # exporters outside the top k: 1 or 2 of them would be recoverable
        sup = enabled and (k < disclosure.THRESHOLD or len(e) < disclosure.THRESHOLD
                           or 0 < rest < disclosure.THRESHOLD
                           or bool(disclosure.dominance_flags(e[:k].sum(), e[0] if len(e) else 0)))
        rows.append({"top_k": str(k), "share_pct": np.nan if sup else share, "suppressed": bool(sup)})
    half = float(np.searchsorted(np.cumsum(e), total / 2) + 1) if total > 0 else np.nan
    sup = enabled and not half >= disclosure.THRESHOLD
    rows.append({"top_k": "firms_for_half", "share_pct": np.nan if sup else half, "suppressed": bool(sup)})
    return pd.DataFrame(rows)


def goods_trend_vs_customs(panel: pd.DataFrame, exports_regional: pd.DataFrame, region="MK17") -> pd.DataFrame:
    """Goods exports of the panel's firms against Finnish Customs' regional goods totals.

    Returns ``year, panel_goods_eur, customs_goods_eur, coverage_pct`` for the
    years both cover (coverage = panel / Customs × 100). Aggregate sums over
    the whole region rest on many firms, so they are published as they are.
    """
    code = areas.normalise_area(region)
    if areas.level_of(code) != "MK":
        raise InputError(f"region {code}: expected a region code (MKxx); Customs' statistics are regional")
    need = ["region_code", "year", "exports_goods_eur"]
    require_columns(exports_regional, need, "exports_regional")
    p = _area_panel(panel, code)
    mine = p.groupby("year", as_index=False)["exports_goods_eur"].sum().rename(
        columns={"exports_goods_eur": "panel_goods_eur"})
    cus = exports_regional.loc[exports_regional["region_code"] == code, ["year", "exports_goods_eur"]].rename(
        columns={"exports_goods_eur": "customs_goods_eur"})
    out = mine.merge(cus, on="year", how="inner").sort_values("year").reset_index(drop=True)
    out["coverage_pct"] = out["panel_goods_eur"] / out["customs_goods_eur"] * 100
    return out


def municipal_export_intensity(business_table: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Export intensity per municipality over ``start``…``end`` from the regional business table.

    ``export_intensity_pct = Σ exports_eur / Σ turnover_eur × 100`` over the
    years and industries (suppressed cells left out; a municipality without any exports value gets NaN,
    not 0). Returns ``area_code, exports_eur, turnover_eur, export_intensity_pct``.

    >>> bt = pd.DataFrame({"area_code": ["KU009"] * 2, "industry_code": ["10", "46"], "year": 2020,
    ...                    "turnover_eur": [100.0, 300.0], "exports_eur": [40.0, 20.0], "suppressed": False})
    >>> municipal_export_intensity(bt, 2020, 2020)["export_intensity_pct"].tolist()   # 60 / 400
    [15.0]
    """
    need = ["area_code", "year", "turnover_eur", "exports_eur"]
    require_columns(business_table, need, "business_table")
    bt = business_table[business_table["area_code"].astype(str).str.startswith("KU")
                        & business_table["year"].between(int(start), int(end))]
    if "suppressed" in bt.columns:
        bt = bt[~bt["suppressed"].astype(bool)]
    # min_count: a municipality whose table holds no exports (e.g. StatFin's 13wz) has unknown, not 0 %
    out = bt.groupby("area_code", as_index=False)[["exports_eur", "turnover_eur"]].sum(min_count=1)
    out["export_intensity_pct"] = out["exports_eur"] / out["turnover_eur"].where(out["turnover_eur"] > 0) * 100
    return out
