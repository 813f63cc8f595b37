"""Shift-share analysis: classic (Dunn 1960), Esteban-Marquillas (1972), dynamic (Barff & Knight 1988).

Notation (METHODS.md): e = the area's value, E = the reference's, i = industry, 0/1 = start/end.
G = E1/E0 − 1, g_i = E_i1/E_i0 − 1, r_i = e_i1/e_i0 − 1.

* national share NS_i = e_i0 · G; industry mix IM_i = e_i0 · (g_i − G);
  regional (competitive) shift RS_i = e_i0 · (r_i − g_i); NS_i + IM_i + RS_i = e_i1 − e_i0.
* Esteban-Marquillas: ê_i = e_0 · E_i0 / E_0, net competitive = ê_i (r_i − g_i),
  allocation = (e_i0 − ê_i)(r_i − g_i) (together RS_i).
* dynamic: the classic components year by year over [t0, t1], summed per industry.
* An industry absent from the area at the start contributes its whole change to RS (net
  competitive in Esteban-Marquillas); one absent from the reference is reported (``note``) and
  left out of IM (g_i := G).
* Disclosure control: a row is suppressed where the area's cell is (start or end year, every
  year for dynamic) or the reference's cell is (its components carry g_i); where any row is
  suppressed, TOTAL is suppressed too (its components minus the visible rows would return them).
  On a business table StatFin's ``..``/``.`` (and a total over one) are never read as 0: the figures
  that would use one are empty and flagged, in the area's rows, the reference's and TOTAL.

>>> c = shift_share_components([100.0], [130.0], [1000.0], [1200.0], 10000.0, 11000.0)
>>> [round(float(c[k][0]), 9) for k in ("national_share", "industry_mix", "regional_shift")]
[10.0, 10.0, 10.0]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas, provenance
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import disclosure, engine

METHODS = ("classic", "esteban-marquillas", "dynamic")
SS_MEASURES = ("personnel", "turnover_eur", "establishments")
NOTE_ABSENT_START = "absent at start: whole change in regional shift"
NOTE_ABSENT_REFERENCE = "absent from reference: left out of industry mix"
NOTE_CONTAINS = "reference contains the area"
NOTE_NOT_CONTAINS = "reference does not contain the area"
NOTE_TOTAL_HIDDEN = "total components suppressed: a row is suppressed"


def shift_share_components(e0, e1, E0_i, E1_i, E0, E1, e_total0=None) -> dict:
    """Classic (and, with ``e_total0``, Esteban-Marquillas) components, vectorised over industries.

    Parameters
    ----------
    e0, e1 : array-like
        The area's industry values at start and end.
    E0_i, E1_i : array-like
        The reference's industry values at start and end.
    E0, E1 : float
        The reference's totals at start and end (must be > 0 at start).
    e_total0 : float, optional
        The area's total at start (for the homothetic ê_i).

    Returns
    -------
    dict of ndarray
        ``national_share, industry_mix, regional_shift`` (+ ``net_competitive, allocation``) and
        boolean ``absent_start``, ``absent_reference``.
    """
    e0, e1, E0_i, E1_i = (np.asarray(x, dtype=np.float64) for x in (e0, e1, E0_i, E1_i))
    if not E0 > 0:
        raise InputError(f"reference total at the start year is {E0}: expected a positive value for shift-share")
    G = E1 / E0 - 1.0
    absent_start = ~(e0 > 0)
    absent_ref = ~(E0_i > 0)
    safe_E = np.where(absent_ref, 1.0, E0_i)
    g = np.where(absent_ref, G, E1_i / safe_E - 1.0)
    safe_e = np.where(absent_start, 1.0, e0)
    r = e1 / safe_e - 1.0
    ns = np.where(absent_start, 0.0, e0 * G)
    im = np.where(absent_start, 0.0, e0 * (g - G))
    rs = np.where(absent_start, e1 - e0, e0 * (r - g))
    out = {"national_share": ns, "industry_mix": im, "regional_shift": rs,
           "absent_start": absent_start, "absent_reference": absent_ref}
    if e_total0 is not None:
        hat = np.where(absent_ref, 0.0, e_total0 * E0_i / E0)
        nc = np.where(absent_start, rs, hat * (r - g))
        out["net_competitive"] = nc
        out["allocation"] = np.where(absent_start, 0.0, (e0 - hat) * (r - g))
    return out


def _unknown(flags: pd.Series, values: pd.Series, years) -> bool:
    """True when a total is flagged suppressed or missing in any of ``years`` (a business table's unknowns)."""
    return bool(flags.reindex(years).fillna(False).astype(bool).any() or values.reindex(years).isna().any())


def compute_shift_share(data, area, reference=None, start=None, end=None, measure: str = "personnel",
                        method: str = "classic", level: str = "section", disclose: bool = True,
                        reference_data=None) -> pd.DataFrame:
    """Shift-share decomposition of an area's change against a reference area.

    Parameters
    ----------
    data : DataFrame or CellData
        Firm panel or regional business table (SPEC §3).
    area, reference : str
        Any accepted area spelling; reference None → the parent area (SPEC §1).
    start, end : int
        Period (start < end, inside the data); default the data's first and last year.
    measure : {"personnel", "turnover_eur", "establishments"}
    method : {"classic", "esteban-marquillas", "dynamic"}
    level : {"section", "division"}
    disclose : bool
        Disclosure control for firm-level data (default on).
    reference_data : DataFrame, optional
        Data for a reference that ``data`` does not cover.

    Returns
    -------
    DataFrame
        One row per industry plus ``TOTAL``: ``industry_code, base, end, national_share,
        industry_mix, regional_shift`` (Esteban-Marquillas adds ``net_competitive, allocation``),
        then ``suppressed`` (True where any value of the row is empty) and ``note``. ``attrs``
        carry ``area``, ``reference``, ``reference_contains_area``, ``method``, ``measure``,
        ``start``, ``end`` and provenance.

    Examples
    --------
    >>> from kasvudata_utils.data import load_firm_panel
    >>> ss = compute_shift_share(load_firm_panel(), "SK177", "MK17", 2015, 2022)
    >>> rows = ss.set_index("industry_code")
    >>> row = rows.loc["C"]  # manufacturing: its three components add up to its change
    >>> bool(abs(row.national_share + row.industry_mix + row.regional_shift - (row.end - row.base)) < 1e-6)
    True
    >>> bool(rows.loc["TOTAL", ["national_share", "industry_mix", "regional_shift"]].isna().all())  # rows hidden
    True
    """
    if measure not in SS_MEASURES:
        raise InputError(f"unknown measure {measure!r}: expected one of {', '.join(SS_MEASURES)}")
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")
    cd = engine.prepare(data)
    pairs, ref_cd = engine.resolve_pairs(cd, [area], reference, reference_data)
    code, ref = pairs[0]
    uses_extra = ref_cd is not None and not cd.covers(ref)
    start, end = engine.resolve_years(cd, start, end, ref_cd if uses_extra else None)
    enabled = disclosure.disclosure_enabled(disclose) if cd.kind == "panel" else True
    w = engine.area_frame(cd, pairs, start, end, level, enabled, ref_cd)
    m, fm = measure, f"f_{measure}"
    ind = w.loc[w["industry_code"] != "ALL"]
    tot = w.loc[w["industry_code"] == "ALL"].set_index("year")
    piv = {col: ind.pivot(index="industry_code", columns="year", values=col).reindex(columns=range(start, end + 1))
           for col in (m, f"ref_{m}", fm, f"ref_{fm}")}
    e, E, flag = piv[m].fillna(0.0), piv[f"ref_{m}"].fillna(0.0), piv[fm].fillna(False).astype(bool)
    ref_flag = piv[f"ref_{fm}"].fillna(False).astype(bool)
    e_tot = tot[m].reindex(range(start, end + 1))
    E_tot = tot[f"ref_{m}"].reindex(range(start, end + 1))
    keep = (e.abs().sum(axis=1) + E.abs().sum(axis=1)) > 0
    e, E, flag, ref_flag = e.loc[keep], E.loc[keep], flag.loc[keep], ref_flag.loc[keep]
    steps = [(start, end)] if method != "dynamic" else [(t, t + 1) for t in range(start, end)]
    comp_names = ["national_share", "industry_mix", "regional_shift"]
    if method == "esteban-marquillas":
        comp_names += ["net_competitive", "allocation"]
    sums = {k: np.zeros(len(e)) for k in comp_names}
    absent_start = absent_ref = None
    for t0, t1 in steps:
        if not E_tot[t0] > 0:
            raise InputError(f"reference {ref} has no {measure} in {t0}: shift-share needs a positive reference "
                             f"total in {'every year' if method == 'dynamic' else 'the start year'}")
        c = shift_share_components(e[t0], e[t1], E[t0], E[t1], float(E_tot[t0]), float(E_tot[t1]),
                                   float(e_tot[t0]) if method == "esteban-marquillas" else None)
        for k in comp_names:
            sums[k] = sums[k] + c[k]
        if absent_start is None:
            absent_start, absent_ref = c["absent_start"], c["absent_reference"]
    assert absent_start is not None and absent_ref is not None  # steps is never empty: start < end
    out = pd.DataFrame({"industry_code": e.index.astype("string"), "base": e[start].to_numpy(),
                        "end": e[end].to_numpy(), **sums})
    notes = np.where(absent_start, NOTE_ABSENT_START, "")
    notes = np.where(absent_ref, np.where(notes == "", NOTE_ABSENT_REFERENCE, np.char.add(
        notes.astype(str), "; " + NOTE_ABSENT_REFERENCE)), notes)
    out["note"] = notes
    years = [start, end] if method != "dynamic" else list(range(start, end + 1))
    protect = enabled and cd.kind == "panel"
    own_hidden = flag[years].any(axis=1).to_numpy() if protect else np.zeros(len(out), bool)
    # a row's components also hold the reference industry's growth g_i: hidden where that cell is
    comp_hidden = own_hidden | (ref_flag[years].any(axis=1).to_numpy() if protect else False)
    tot_hidden = bool(protect and (tot.loc[start, fm] or tot.loc[end, fm]))
    if cd.kind == "table":
        # StatFin's own '..'/'.' (and any total over one): the pivots above read an unknown cell as 0,
        # so every figure that used one is hidden, never shown as if the cell were 0
        own_hidden = (flag[years].any(axis=1).to_numpy()
                      | out[["base", "end"]].isna().any(axis=1).to_numpy())
        ref_total_unknown = bool(_unknown(tot[f"ref_{fm}"], E_tot, years))
        comp_hidden = (own_hidden | ref_flag[years].any(axis=1).to_numpy() | ref_total_unknown
                       | out[comp_names].isna().any(axis=1).to_numpy())
        tot_hidden = bool(_unknown(tot[fm], e_tot, [start, end]))
    contains = areas.contains(ref, code)
    # TOTAL's components are sums over the rows: with a row hidden, TOTAL minus the visible rows
    # (and the reference's growth rates) gives the hidden rows back, so they are hidden with it.
    hides_rows = protect or cd.kind == "table"
    total_comp_hidden = tot_hidden or bool(hides_rows and np.asarray(comp_hidden, dtype=bool).any())
    total = {"industry_code": "TOTAL", "base": float(e_tot[start]), "end": float(e_tot[end]),
             **{k: float(np.nansum(sums[k])) if not np.isnan(sums[k]).any() else np.nan for k in comp_names},
             "note": NOTE_CONTAINS if contains else NOTE_NOT_CONTAINS}
    if total_comp_hidden and not tot_hidden:
        total["note"] = f"{total['note']}; {NOTE_TOTAL_HIDDEN}"
    # base and end: hidden with the row (firm data), or on a table each where its own cell is unknown
    if cd.kind == "table":
        base_hidden, end_hidden = flag[start].to_numpy(), flag[end].to_numpy()
        tot_base, tot_end = _unknown(tot[fm], e_tot, [start]), _unknown(tot[fm], e_tot, [end])
    else:
        base_hidden = end_hidden = own_hidden
        tot_base = tot_end = tot_hidden
    out = out.assign(_own=own_hidden, _comp=comp_hidden, _base=base_hidden, _end=end_hidden
                     ).sort_values("industry_code")
    total.update(_own=tot_hidden, _comp=total_comp_hidden, _base=tot_base, _end=tot_end)
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    num = ["base", "end"] + comp_names
    own, comp = out.pop("_own").astype(bool), out.pop("_comp").astype(bool)
    hide_base, hide_end = out.pop("_base").astype(bool), out.pop("_end").astype(bool)
    out["suppressed"] = own | comp
    out[num] = out[num].astype("float64")
    out["base"] = out["base"].mask(hide_base, np.nan)
    out["end"] = out["end"].mask(hide_end, np.nan)
    out[comp_names] = out[comp_names].mask(comp | own, np.nan)
    out["note"] = out["note"].astype("string")
    out = out[["industry_code"] + num + ["suppressed", "note"]]
    prov = provenance.combine(cd.prov, ref_cd.prov) if uses_extra else cd.prov
    out = engine.finish(out, prov, enabled or cd.kind == "table")
    out.attrs.update({"area": code, "reference": ref, "reference_contains_area": contains, "method": method,
                      "measure": measure, "start": start, "end": end, "level": level})
    return out
