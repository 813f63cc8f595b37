"""Every SPEC §5 indicator for one or many areas, in the SPEC §4 long shape.

Output columns: ``area_code, reference_code, indicator, industry_code, year, value, suppressed,
note``. Levels (``establishments``, ``personnel``, ``turnover_eur``, ``exports_eur``) and rates
come for every year of [start, end]; growth indicators (``personnel_growth_pct``,
``turnover_growth_pct``, ``cagr_personnel_pct``) at ``year = end``. ``industry_code`` is a TOL
section or division, or ``ALL``.

Definitions: METHODS.md (cited per indicator in :mod:`.cells`, :mod:`.growth`,
:mod:`.specialisation`). Disclosure control (:mod:`kasvudata_utils.indicators.disclosure`) is applied to
every figure from a firm panel. Choices where METHODS leaves room:

* ``establishments`` from a firm panel counts firms (the business table's own column otherwise);
* ``share_personnel_pct`` is the industry's share of the area's personnel (e_i / e × 100);
  ``lq_personnel`` and ``share_personnel_pct`` have no ``ALL`` row;
* ``krugman_index`` and ``herfindahl_index`` use personnel shares over the industries of ``level``
  and are suppressed where any share they sum is (Krugman: the area's or the reference's);
* births cannot be seen in the panel's first year and deaths not in its last: those rows are left
  out; n-year survival starts at first year + 1 + n; high growth at first year + 3;
* ``hge_share_pct`` = HGEs / firms active in t with ≥ 10 persons in t − 3; a firm's HGE, gazelle and
  micro-HGE flags count in its cell of year t; survival counts in the cell where the firm was born;
* what each figure rests on for the threshold rule: levels, rates and counts on the cell's firms
  (``exports_eur`` and ``export_intensity_pct`` also on its exporters), survival on the births it
  follows, HGE figures on the firms with ≥ 10 persons in t − 3, micro-HGE on the 1–9-person
  firms; a ratio is suppressed where its numerator or denominator is;
* a count of firms with a property derived from confidential figures (``exporter_count``,
  ``hge_count``, ``gazelle_count``, ``micro_hge_count``, and the size classes behind
  ``micro_share_pct``) is suppressed where 1 or 2 firms have the property, with secondary
  suppression across industries and areas; births and deaths are register events and stay public.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas, provenance
from kasvudata_utils.indicators import disclosure, engine
from kasvudata_utils.indicators.cells import SURVIVAL_YEARS
from kasvudata_utils.indicators.growth import cagr_pct, growth_pct
from kasvudata_utils.labels import t

INDICATORS = ("establishments", "personnel", "turnover_eur", "exports_eur", "personnel_growth_pct",
              "turnover_growth_pct", "cagr_personnel_pct", "lq_personnel", "share_personnel_pct",
              "birth_rate_pct", "death_rate_pct", "churn_rate_pct", "survival_rate_1y_pct",
              "survival_rate_3y_pct", "survival_rate_5y_pct", "hge_count", "hge_share_pct", "micro_hge_count",
              "gazelle_count", "exporter_count", "export_intensity_pct", "micro_share_pct", "krugman_index",
              "herfindahl_index")
# Indicators that need firm-level data: a regional business table cannot give them.
PANEL_ONLY = ("birth_rate_pct", "death_rate_pct", "churn_rate_pct", "survival_rate_1y_pct", "survival_rate_3y_pct",
              "survival_rate_5y_pct", "hge_count", "hge_share_pct", "micro_hge_count", "gazelle_count",
              "exporter_count", "micro_share_pct")
NOTE_EXPERIMENTAL = "experimental"
NOTE_NOT_AVAILABLE = "not available from aggregate table"
NOTE_DEMOGRAPHY = "demographic births/deaths, not register openings/closures"
NOTE_EXPORTS_PANEL = "goods and services exports"
COLUMNS = ["area_code", "reference_code", "indicator", "industry_code", "year", "value", "suppressed", "note"]


def compute_indicators(data, area, reference=None, start=None, end=None, level: str = "section",
                       disclose: bool = True, reference_data=None) -> pd.DataFrame:
    """All SPEC §5 indicators for one area against a reference area.

    Parameters
    ----------
    data : DataFrame or CellData
        Firm panel or regional business table (SPEC §3), detected from the columns.
    area : str or int
        Any accepted spelling of an area code or name (``9``, ``"009"``, ``"KU009"``, ``"Alavieska"``).
    reference : str, optional
        Reference area; default the parent (SPEC §1).
    start, end : int, optional
        Period; default the first and last year of the data. ``start < end`` is required.
    level : {"section", "division"}
        Industry level of the rows.
    disclose : bool
        Disclosure control on firm-level data (default). ``False`` (or ``KASVUDATA_DISCLOSURE=off``)
        marks every row "not for publication".
    reference_data : DataFrame, optional
        Data for a reference the main data does not cover (e.g. the business table for ``SSS``
        when ``data`` is the Northern Ostrobothnia firm panel).

    Returns
    -------
    DataFrame
        Long table with columns ``area_code, reference_code, indicator, industry_code, year,
        value, suppressed, note``; ``attrs["provenance"]`` says where the figures come from.

    Examples
    --------
    >>> from kasvudata_utils.data.synthetic import generate
    >>> out = compute_indicators(generate(scale="test").firm_panel, "KU009", "MK17")
    >>> sorted(out["indicator"].unique())[:3]
    ['birth_rate_pct', 'cagr_personnel_pct', 'churn_rate_pct']
    """
    return compute_indicators_many(data, [area], reference, start, end, level, disclose, reference_data)


def compute_indicators_many(data, area_list, reference=None, start=None, end=None, level: str = "section",
                            disclose: bool = True, reference_data=None) -> pd.DataFrame:
    """:func:`compute_indicators` for many areas at once, reusing one cell table.

    ``reference`` None gives every area its own default reference; a code applies to all.

    Examples
    --------
    >>> from kasvudata_utils import areas
    >>> from kasvudata_utils.data import load_business_table, load_firm_panel
    >>> out = compute_indicators_many(load_firm_panel(), areas.home_region_areas(),
    ...                               reference_data=load_business_table())
    >>> out["area_code"].nunique()
    38
    """
    cd = engine.prepare(data)
    pairs, ref_cd = engine.resolve_pairs(cd, list(area_list), reference, reference_data)
    uses_extra = ref_cd is not None and any(not cd.covers(r) for _, r in pairs)
    start, end = engine.resolve_years(cd, start, end, ref_cd if uses_extra else None)
    enabled = disclosure.disclosure_enabled(disclose) if cd.kind == "panel" else True
    w = engine.area_frame(cd, pairs, start, end, level, enabled, ref_cd)
    # area, reference and industry travel as integer codes (merges and the final sort on integers);
    # the strings come back once, in _tidy
    area_codes = _Codes(pd.concat([w["area_code"], w["reference_code"]], ignore_index=True))
    n = len(w)
    ind_codes = _Codes(w["industry_code"])
    w = w.assign(area_code=area_codes.codes[:n], reference_code=area_codes.codes[n:], industry_code=ind_codes.codes)
    all_code = ind_codes.code("ALL")
    parts = _levels(w, cd.kind) + _structure(w, all_code) + _growth(w, start, end)
    parts += (_panel_only(w, cd.years, enabled) if cd.kind == "panel"
              else _unavailable(pairs, end, area_codes, all_code))
    out = _tidy(parts, area_codes, ind_codes)
    prov = cd.prov
    if uses_extra:
        prov = provenance.combine(prov, ref_cd.prov)
    out = engine.finish(out, prov, enabled or cd.kind == "table")
    out.attrs["reference_contains_area"] = {a: areas.contains(r, a) for a, r in pairs}
    return out


class _Codes:
    """Integer codes of a string column; :meth:`code` adds codes for strings not seen yet."""

    def __init__(self, values: pd.Series):
        codes, uniq = pd.factorize(values)
        self.codes = codes.astype(np.int64)
        self.uniq = [str(u) for u in uniq]
        self._index = {u: i for i, u in enumerate(self.uniq)}

    def code(self, value: str) -> int:
        if value not in self._index:
            self._index[value] = len(self.uniq)
            self.uniq.append(value)
        return self._index[value]

    def strings(self, codes: np.ndarray):
        """The codes as a pandas ``string`` array."""
        return pd.array(np.asarray(self.uniq, dtype=object), dtype="string").take(codes)

    def ranks(self) -> np.ndarray:
        """Rank of each code in the sorted order of its string."""
        r = np.empty(len(self.uniq), dtype=np.int64)
        r[np.argsort(np.asarray(self.uniq, dtype=object), kind="stable")] = np.arange(len(self.uniq))
        return r


def _rows(w: pd.DataFrame, indicator: str, value, flag, note: str = "", mask=None) -> dict:
    """One indicator's rows as column arrays (frames are built once, in :func:`_tidy`).

    ``area_code``, ``reference_code`` and ``industry_code`` of ``w`` are integer codes.
    """
    value = np.asarray(value, dtype=np.float64)
    flag = np.asarray(flag, dtype=bool)
    sel = slice(None) if mask is None else np.asarray(mask, dtype=bool)
    return {"area_code": w["area_code"].to_numpy(dtype=np.int64)[sel],
            "reference_code": w["reference_code"].to_numpy(dtype=np.int64)[sel],
            "indicator": indicator,
            "industry_code": w["industry_code"].to_numpy(dtype=np.int64)[sel],
            "year": w["year"].to_numpy(dtype=np.int64)[sel],
            "value": np.where(flag, np.nan, value)[sel], "suppressed": flag[sel],
            "note": note}


def _ratio(num, den, scale=100.0):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0) * scale, np.nan)


def _levels(w, kind):
    exp_note = NOTE_EXPORTS_PANEL if kind == "panel" else ""
    if kind != "panel" and not np.isfinite(w["exports_eur"].to_numpy(dtype=np.float64)).any():
        exp_note = NOTE_NOT_AVAILABLE  # a business table without exports (13wz has none): say so, not an empty cell
    return [
        _rows(w, "establishments", w["establishments"], w["f_establishments"]),
        _rows(w, "personnel", w["personnel"], w["f_personnel"]),
        _rows(w, "turnover_eur", w["turnover_eur"], w["f_turnover_eur"]),
        _rows(w, "exports_eur", w["exports_eur"], w["f_exports_eur"], exp_note),
        _rows(w, "export_intensity_pct", _ratio(w["exports_eur"], w["turnover_eur"]),
              w["f_exports_eur"] | w["f_turnover_eur"], exp_note),
    ]


def _structure(w, all_code: int):
    """Industry shares, location quotients, Krugman and Herfindahl (personnel)."""
    tot = w.loc[w["industry_code"] == all_code, ["area_code", "year", "personnel", "f_personnel", "ref_personnel",
                                             "ref_f_personnel"]]
    tot = tot.rename(columns=lambda c: c if c in ("area_code", "year") else f"tot_{c}")
    x = w.merge(tot, on=["area_code", "year"], how="left")
    ind = (x["industry_code"] != all_code).to_numpy()
    x = x.loc[ind].reset_index(drop=True)
    s = _ratio(x["personnel"], x["tot_personnel"], 1.0)
    S = _ratio(x["ref_personnel"], x["tot_ref_personnel"], 1.0)
    f_share = (x["f_personnel"] | x["tot_f_personnel"]).to_numpy()
    f_lq = f_share | (x["ref_f_personnel"] | x["tot_ref_f_personnel"]).to_numpy()
    lq = np.where(S > 0, s / np.where(S > 0, S, 1.0), np.nan)
    out = [_rows(x, "share_personnel_pct", s * 100.0, f_share), _rows(x, "lq_personnel", lq, f_lq)]
    # Krugman and Herfindahl over the industries of the chosen level; unknown where a share is unknown
    # Both are equations in the shares: published beside the total and the visible shares they
    # give suppressed cells back (two suppressed sections, two equations). So each is published
    # only where every share it sums is publishable: Herfindahl needs the area's cells, Krugman
    # the reference's too.
    k = pd.DataFrame({"area_code": x["area_code"], "year": x["year"], "absdiff": np.abs(s - np.nan_to_num(S)),
                      "sq": s * s, "unknown": np.isnan(s) & (x["tot_personnel"].to_numpy() > 0),
                      "hidden": x["f_personnel"].to_numpy(dtype=bool),
                      "ref_hidden": x["ref_f_personnel"].to_numpy(dtype=bool)})
    g = k.groupby(["area_code", "year"], sort=False).agg(krugman=("absdiff", "sum"), herf=("sq", "sum"),
                                                       unknown=("unknown", "max"), hidden=("hidden", "max"),
                                                       ref_hidden=("ref_hidden", "max")).reset_index()
    allrows = w.loc[w["industry_code"] == all_code].merge(g, on=["area_code", "year"], how="left")
    has = (allrows["personnel"].to_numpy(dtype=np.float64) > 0)
    unknown = allrows["unknown"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    hidden = allrows["hidden"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    ref_hidden = allrows["ref_hidden"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    flag = allrows["f_personnel"].to_numpy(dtype=bool) | unknown | hidden
    k_flag = flag | ref_hidden | allrows["ref_f_personnel"].to_numpy(dtype=bool)
    out.append(_rows(allrows, "krugman_index", np.where(has, allrows["krugman"], np.nan), k_flag))
    out.append(_rows(allrows, "herfindahl_index", np.where(has, allrows["herf"], np.nan), flag))
    return out


def _growth(w, start, end):
    keys = ["area_code", "reference_code", "industry_code"]
    a = w.loc[w["year"] == start, keys + ["personnel", "turnover_eur", "f_personnel", "f_turnover_eur"]]
    b = w.loc[w["year"] == end, keys + ["year", "personnel", "turnover_eur", "f_personnel", "f_turnover_eur"]]
    x = b.merge(a, on=keys, suffixes=("", "_0"))
    fp = (x["f_personnel"] | x["f_personnel_0"]).to_numpy()
    ft = (x["f_turnover_eur"] | x["f_turnover_eur_0"]).to_numpy()
    return [
        _rows(x, "personnel_growth_pct", growth_pct(x["personnel_0"], x["personnel"]), fp),
        _rows(x, "turnover_growth_pct", growth_pct(x["turnover_eur_0"], x["turnover_eur"]), ft),
        _rows(x, "cagr_personnel_pct", cagr_pct(x["personnel_0"], x["personnel"], end - start), fp),
    ]


def _panel_only(w, data_years, enabled: bool):
    first, last = data_years
    f_est = w["f_establishments"]
    # a birth cannot be seen in the panel's first year, a death not in its last
    births_ok = w["year"] > first
    deaths_ok = w["year"] < last
    out = [
        _rows(w, "birth_rate_pct", _ratio(w["births"], w["n_firms"]), f_est, NOTE_DEMOGRAPHY, births_ok),
        _rows(w, "death_rate_pct", _ratio(w["deaths"], w["n_firms"]), f_est, NOTE_DEMOGRAPHY, deaths_ok),
        _rows(w, "churn_rate_pct", _ratio(w["births"] + w["deaths"], w["n_firms"]), f_est, NOTE_DEMOGRAPHY,
              births_ok & deaths_ok),
    ]
    for n in SURVIVAL_YEARS:
        base = w[f"surv_base_{n}"]
        out.append(_rows(w, f"survival_rate_{n}y_pct", _ratio(w[f"surv_{n}"], base),
                         disclosure.threshold_flags(base) if enabled else np.zeros(len(w), bool), NOTE_DEMOGRAPHY,
                         w["year"] > first + n))
    hge_ok = w["year"] >= first + 3
    out += [
        _rows(w, "hge_count", w["hge"], w["f_hge"], mask=hge_ok),
        _rows(w, "hge_share_pct", _ratio(w["hge"], w["hge_base"]), w["f_hge"], mask=hge_ok),
        _rows(w, "gazelle_count", w["gazelles"], w["f_gazelles"], mask=hge_ok),
        _rows(w, "micro_hge_count", w["micro_hge"], w["f_micro_hge"], NOTE_EXPERIMENTAL, hge_ok),
        _rows(w, "exporter_count", w["exporters"], w["f_exporters"]),
        _rows(w, "micro_share_pct", _ratio(w["micro"], w["n_firms"]), w["f_micro"]),
    ]
    return out


def _unavailable(pairs, end, area_codes: _Codes, all_code: int):
    pairs = list(dict.fromkeys(pairs))
    k = len(pairs)
    a = np.array([area_codes.code(x[0]) for x in pairs], dtype=np.int64)
    r = np.array([area_codes.code(x[1]) for x in pairs], dtype=np.int64)
    return [{"area_code": a, "reference_code": r, "indicator": ind, "industry_code": np.full(k, all_code),
             "year": np.full(k, end, dtype=np.int64), "value": np.full(k, np.nan),
             "suppressed": np.zeros(k, dtype=bool), "note": NOTE_NOT_AVAILABLE} for ind in PANEL_ONLY]


def _tidy(parts, area_codes: _Codes, ind_codes: _Codes) -> pd.DataFrame:
    """One frame from the column arrays, sorted by area, indicator (SPEC order), ALL first, industry, year."""
    lens = [len(p["year"]) for p in parts]
    cols = {c: np.concatenate([p[c] for p in parts]) if parts else np.zeros(0, np.int64)
            for c in ("area_code", "reference_code", "industry_code", "year", "value", "suppressed")}
    ind_order = np.repeat(np.array([INDICATORS.index(p["indicator"]) for p in parts], dtype=np.int64), lens)
    notes = list(dict.fromkeys(p["note"] for p in parts))
    note_code = np.repeat(np.array([notes.index(p["note"]) for p in parts], dtype=np.int64), lens)
    all_code = ind_codes.code("ALL")
    a_rank, i_rank = area_codes.ranks(), ind_codes.ranks()
    is_not_all = cols["industry_code"] != all_code
    idx = _order((a_rank[cols["area_code"]], ind_order, is_not_all, i_rank[cols["industry_code"]], cols["year"]))
    out = pd.DataFrame({
        "area_code": area_codes.strings(cols["area_code"][idx]),
        "reference_code": area_codes.strings(cols["reference_code"][idx]),
        "indicator": pd.array(np.asarray(INDICATORS, dtype=object), dtype="string").take(ind_order[idx]),
        "industry_code": ind_codes.strings(cols["industry_code"][idx]),
        "year": cols["year"][idx].astype("int64"),
        "value": cols["value"][idx],
        "suppressed": cols["suppressed"][idx],
        "note": pd.array(np.asarray(notes, dtype=object), dtype="string").take(note_code[idx]),
    })
    out["value"] = out["value"].astype("float64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _order(keys) -> np.ndarray:
    """The order of ``np.lexsort`` on integer keys (the first key sorts first), by one stable argsort.

    Each key is shifted to start at 0 and the keys are packed into one int64 (mixed radix), which
    orders exactly as the keys do one after the other; a stable sort of it is then the same
    permutation as the stable ``lexsort``, in a fifth of the time on the national run (one key, and
    the rows come in long sorted runs). Where the packed key would not fit, ``lexsort`` is used.
    """
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    room = 1
    for k in keys:
        k = np.asarray(k, dtype=np.int64)
        lo = int(k.min()) if len(k) else 0
        size = (int(k.max()) - lo + 1) if len(k) else 1
        room *= size
        if room >= 2**62:
            return np.lexsort(tuple(np.asarray(k) for k in reversed(keys)))
        packed = packed * size + (k - lo)
    return np.argsort(packed, kind="stable")


_NOTE_KEYS = {
    NOTE_EXPERIMENTAL: "note_experimental", NOTE_NOT_AVAILABLE: "note_not_available",
    NOTE_DEMOGRAPHY: "note_demography", NOTE_EXPORTS_PANEL: "note_exports_goods_services",
    "absent at start: whole change in regional shift": "note_absent_start",
    "absent from reference: left out of industry mix": "note_absent_reference",
    "reference contains the area": "note_reference_contains",
    "reference does not contain the area": "note_reference_not_contains",
    "total components suppressed: a row is suppressed": "note_total_hidden",
    disclosure.NOT_FOR_PUBLICATION: "note_not_for_publication",
}


def note_text(note, lang: str = "fi") -> str:
    """The ``note`` of an engine row in Finnish or English (parts joined by "; " are translated each).

    >>> note_text("experimental; not for publication", "fi")
    'kokeellinen; ei julkaistavaksi'
    """
    if note is None or (isinstance(note, float) and np.isnan(note)) or note is pd.NA or str(note) == "":
        return ""
    return "; ".join(t(_NOTE_KEYS[p], lang) if p in _NOTE_KEYS else p for p in str(note).split("; "))
