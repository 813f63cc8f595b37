"""One suppression pattern for every area and industry level of a firm panel.

Published figures add up in three ways: industries (sections) to the all-industries total,
divisions to their section, and areas to their parent (municipality → sub-region → region →
country). A suppressed cell must not be recoverable along any of them, also across separate
calls (a municipality's report, its sub-region's report and the site's overview are computed one
by one). So the engine decides the flags once per data set, on the table of *all* areas the data
covers at both industry levels, and every call reads its cells from that table: the same cell is
always suppressed or always published (:func:`protected_table`).

Rules: :mod:`kasvudata_utils.indicators.disclosure` (threshold < 3 firms; dominance > 80 % for sums;
secondary suppression repeated until no group has a single suppressed member).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas, industries
from kasvudata_utils.indicators import cells as _cells
from kasvudata_utils.indicators import disclosure

# measure → (value column, weight column for choosing secondary cells)
PROTECTED = {"establishments": ("n_firms", "n_firms"), "personnel": ("personnel", "n_firms"),
             "turnover_eur": ("turnover_eur", "n_firms"), "exports_eur": ("exports_eur", "exporters"),
             "exporters": ("exporters", "n_firms"), "hge": ("hge", "hge_base"),
             "gazelles": ("gazelles", "hge_base"), "micro_hge": ("micro_hge", "micro_hge_base"),
             "micro": ("micro", "n_firms")}


# protection level unit of each measure: one firm, one person; euros only by the 10 % rule
UNIT = {m: (0.0 if m in ("turnover_eur", "exports_eur") else 1.0) for m in PROTECTED}


def covered_areas(cd) -> list[str]:
    """Every area (KU, SK, MK, SSS) that the data covers (see ``CellData.covers``)."""
    codes = [c for lvl in ("SSS", "MK", "SK") for c in areas.members(areas.COUNTRY, lvl)]
    codes = [c for c in codes if cd.covers(c)]
    return codes + sorted(cd.municipalities)


def with_measures(agg: pd.DataFrame) -> pd.DataFrame:
    """Add ``establishments`` and any cell column a table-based frame lacks."""
    out = agg.copy()
    out["establishments"] = out["n_firms"].astype("float64")
    for c in _cells.COUNT_COLUMNS:
        if c not in out:
            out[c] = 0
    for c in _cells.MAX_COLUMNS:
        if c not in out:
            out[c] = np.nan
    if "table_suppressed" not in out:
        out["table_suppressed"] = 0
    return out


def primary(t: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``f_<measure>`` flags from the threshold and dominance rules (StatFin's own for a table)."""
    t = t.copy()
    if kind == "table":
        supp = t["table_suppressed"].to_numpy() > 0
        for m in PROTECTED:
            t[f"f_{m}"] = supp
        return t
    n = t["n_firms"]
    t["f_establishments"] = disclosure.threshold_flags(n)
    t["f_personnel"] = disclosure.primary_flags(n, t["personnel"], t["personnel_max"])
    t["f_turnover_eur"] = disclosure.primary_flags(n, t["turnover_eur"], t["turnover_eur_max"])
    t["f_exports_eur"] = (disclosure.primary_flags(n, t["exports_eur"], t["exports_eur_max"])
                          | disclosure.threshold_flags(t["exporters"]))
    # Counts of firms with a property derived from confidential figures (exporter, high growth,
    # gazelle, micro high growth, size class) rest on the firms that have the property: 1 or 2 such
    # firms is suppressed like a cell of 1 or 2 firms (a zero count is a structural zero).
    t["f_exporters"] = disclosure.threshold_flags(n) | disclosure.threshold_flags(t["exporters"])
    t["f_hge"] = disclosure.threshold_flags(t["hge_base"]) | disclosure.threshold_flags(t["hge"])
    t["f_gazelles"] = t["f_hge"] | disclosure.threshold_flags(t["gazelles"])
    t["f_micro_hge"] = (disclosure.threshold_flags(t["micro_hge_base"])
                        | disclosure.threshold_flags(t["micro_hge"]))
    # the size classes < 10 and >= 10 persons: both counts must be 0 or at least 3
    t["f_micro"] = (disclosure.threshold_flags(n) | disclosure.threshold_flags(t["micro"])
                    | disclosure.threshold_flags(n - t["micro"]))
    return t


def _groups(t: pd.DataFrame):
    """Membership arrays (row, group, is_total) of every additive relation in ``t``."""
    n = len(t)
    rid = np.arange(n, dtype=np.int64)
    # one integer code space for area codes and one for industry codes (incl. the parents')
    a_codes, a_uniq = pd.factorize(pd.concat([t["area_code"].astype(object), t["_parent_area"].astype(object)],
                                             ignore_index=True), use_na_sentinel=True)
    i_codes, i_uniq = pd.factorize(pd.concat([t["industry_code"].astype(object), t["_parent_ind"].astype(object)],
                                             ignore_index=True), use_na_sentinel=True)
    area, parent_area = a_codes[:n].astype(np.int64), a_codes[n:].astype(np.int64)
    ind, parent_ind = i_codes[:n].astype(np.int64), i_codes[n:].astype(np.int64)
    year = t["year"].to_numpy(dtype=np.int64) - int(t["year"].min())
    na, ni, ny = len(a_uniq) + 1, len(i_uniq) + 1, int(year.max()) + 1

    def key(relation, a, i, y):
        return ((relation * na + a) * ni + i) * ny + y

    lvl = t["_ind_level"].to_numpy(dtype=object)
    member_i = lvl != "ALL"  # industries → ALL, divisions → section
    total_i = lvl != "division"
    member_a = parent_area >= 0  # areas → parent area
    rows = np.concatenate([rid[member_i], rid[total_i], rid[member_a], rid])
    keys = np.concatenate([key(0, area[member_i], parent_ind[member_i], year[member_i]),
                           key(0, area[total_i], ind[total_i], year[total_i]),
                           key(1, parent_area[member_a], ind[member_a], year[member_a]),
                           key(1, area, ind, year)])
    tot = np.concatenate([np.zeros(member_i.sum(), bool), np.ones(total_i.sum(), bool),
                          np.zeros(member_a.sum(), bool), np.ones(n, bool)])
    gid, _ = pd.factorize(keys)
    # drop groups that have no member besides their total
    members = np.bincount(gid, weights=~tot)
    keep = members[gid] > 0
    _, gid = np.unique(gid[keep], return_inverse=True)
    return rows[keep], gid, tot[keep]


def protect(t: pd.DataFrame) -> pd.DataFrame:
    """Secondary suppression of every ``f_<measure>`` over all groups, repeated until stable."""
    t = t.copy()
    row, gid, tot = _groups(t)
    index = disclosure.membership_index(row, gid, len(t))
    for m, (value_col, weight_col) in PROTECTED.items():
        flags = t[f"f_{m}"].to_numpy(dtype=bool)
        values = t[value_col].to_numpy(dtype=np.float64)
        weights = t[weight_col].to_numpy(dtype=np.float64)
        flags = disclosure.secondary_until_stable(flags, values, weights, row, gid, tot, index)
        # then until every suppressed cell is hidden by at least its protection level (issue 12)
        t[f"f_{m}"] = disclosure.protection_until_stable(flags, values, weights, row, gid, tot, UNIT[m])
    return t


def protected_table(cd) -> pd.DataFrame:
    """All covered areas × sections, divisions and ALL × years with final flags (cached on ``cd``).

    Columns: ``area_code, industry_code, year``, the cell quantities, ``establishments`` and the
    flags ``f_establishments, f_personnel, f_turnover_eur, f_exports_eur, f_exporters, f_hge,
    f_gazelles, f_micro_hge, f_micro``, plus ``_ind_level`` (``ALL``/``section``/``division``).
    """
    cached = getattr(cd, "_protected", None)
    if cached is not None:
        return cached
    codes = covered_areas(cd)
    sec = _cells.aggregate_cells(cd.cells, codes, "section", cd.kind)
    div = _cells.aggregate_cells(cd.cells, codes, "division", cd.kind)
    div = div.loc[div["industry_code"] != industries.ALL]
    sec = sec.assign(_ind_level=np.where(sec["industry_code"] == industries.ALL, "ALL", "section"),
                     _parent_ind=np.where(sec["industry_code"] == industries.ALL, None, industries.ALL))
    div = div.assign(_ind_level="division",
                     _parent_ind=div["industry_code"].map(industries.division_section_map()).astype(object))
    t = pd.concat([sec, div], ignore_index=True)
    covered = set(codes)
    parent = {c: areas.parent(c) for c in codes}
    t["_parent_area"] = t["area_code"].astype(object).map({c: (p if p in covered else None)
                                                           for c, p in parent.items()})
    t = primary(with_measures(t), cd.kind)
    if cd.kind == "panel":
        t = protect(t)
    t = t.drop(columns=["_parent_ind", "_parent_area"])
    cd._protected = t
    return t
