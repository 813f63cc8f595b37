"""Disclosure audit: attack what a run publishes and list every cell an attacker can pin down.

The audit plays the attacker of issue 12. It takes the figures a run would publish for a set of
areas (every indicator of :func:`compute_indicators_many` at section and division level, and the
classic shift-share of each area against its default reference) and the confidential truth (the
same computed with disclosure control off), and attacks the published set:

* **additive relations** — for each additive measure (firms, personnel, turnover, exports and the
  counts of exporters, HGEs, gazelles and micro-HGEs) every suppressed cell is a variable ≥ 0;
  industries add up to ``ALL``, divisions to their section and municipalities to their sub-region
  and region, in every year. The feasible interval [lo, hi] of each suppressed cell is found by
  linear programming (``scipy.optimize.linprog``, HiGHS). A cell is **exposed** when the interval
  does not contain its protection interval [max(0, x − p), x + p], where x is its true value and
  p = max(10 % of x, one unit) for persons and firm counts (one person, one firm) and 10 % of x
  for euros (:data:`PROTECTION_SHARE`, :data:`PROTECTION_UNIT`); this is the upper/lower protection
  level of τ-ARGUS (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, ch. 4).
* **non-linear figures** — a published Herfindahl or Krugman index of an area-year with a hidden
  share; a published share, location quotient, growth rate or export intensity whose own cell is
  hidden while the other term is published; a shift-share ``TOTAL`` with components while a row is
  hidden, or a row with components while its cell is hidden; a published count of 1–2 firms with a
  property derived from confidential figures (exporters, HGEs, gazelles, micro-HGEs), and a
  published share that with a published count gives one (:data:`DERIVED_COUNTS`: the size classes
  behind ``micro_share_pct`` and establishments; the firms of 10+ persons behind ``hge_share_pct``
  and ``hge_count``, and those of them that did not grow fast; the difference of two counts printed
  side by side: firms − exporters, HGEs − gazelles).

* **published files** — the long indicator tables a run writes (each report's
  ``tables/indicators.csv``, the app cache ``app_indicators.csv``, any CSV with the SPEC §4 columns)
  must publish a cell only where the protected set does, with the same value; and no CSV a report
  or the apps write (tables, chart data, downloads) may print a suppressed cell's true value
  (personnel with decimals, euros: values that do not occur by chance).

Intervals: :mod:`kasvudata_utils.indicators.intervals` (per connected block of relations; joint
rounds first, a programme of its own for each cell they do not certify; the exposed cells' exact
intervals on their block, one warm solver per block).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from kasvudata_utils import areas, industries
from kasvudata_utils.indicators import engine, intervals, protection
from kasvudata_utils.indicators.compute import compute_indicators_many
from kasvudata_utils.indicators.disclosure import THRESHOLD
from kasvudata_utils.indicators.shiftshare import compute_shift_share

#: additive measures (indicator names) audited by linear programming, with their protection unit
ADDITIVE = {"establishments": 1.0, "personnel": 1.0, "turnover_eur": 0.0, "exports_eur": 0.0,
            "exporter_count": 1.0, "hge_count": 1.0, "gazelle_count": 1.0, "micro_hge_count": 1.0}
PROTECTION_SHARE = intervals.PROTECTION_SHARE  # ±10 % of the true value, or one person / firm (ADDITIVE)
PROPERTY_COUNTS = ("exporter_count", "hge_count", "gazelle_count", "micro_hge_count")
EXPOSED_COLUMNS = ["source", "area_code", "indicator", "industry_code", "year", "value", "lower", "upper",
                   "reason"]


def protection_level(value, unit) -> np.ndarray:
    """Protection level p = max(10 % of |x|, unit) (:func:`intervals.protection_level`)."""
    return intervals.protection_level(value, unit)


def _parents(codes, with_data=None) -> dict:
    """Parent of each area among ``codes`` (municipality → sub-region → region → country).

    A parent counts only where all its children that hold data are among ``codes``: a sum over
    some of them is no relation. ``with_data`` is the set of municipalities with data (default:
    the municipalities among ``codes``).
    """
    codes = set(codes)
    munis = set(with_data) if with_data is not None else {c for c in codes if areas.level_of(c) == "KU"}
    out = {}
    for c in codes:
        p = areas.parent(c)
        if p not in codes:
            continue
        level = areas.level_of(c)
        kids = [k for k in areas.members(p, level) if munis & set(areas.municipalities(k))]
        if all(k in codes for k in kids):
            out[c] = p
    return out


def _relations(keys: pd.DataFrame, with_data=None) -> list:
    """Additive groups of (area, industry) cells within a year: list of (total index, member indices)."""
    idx = {(a, i): k for k, (a, i) in enumerate(zip(keys["area_code"], keys["industry_code"], strict=True))}
    to_section = industries.division_section_map()
    groups: dict = {}
    for (a, i), k in idx.items():
        if i == industries.ALL:
            continue
        parent_ind = to_section.get(i, industries.ALL) if i.isdigit() else industries.ALL
        groups.setdefault((a, parent_ind), []).append(k)
    parents = _parents({a for a, _ in idx}, with_data)
    for (a, i), k in idx.items():
        if a in parents:
            groups.setdefault(("area", parents[a], i), []).append(k)
    out = []
    for key, members in groups.items():
        tot = idx.get(key[1:] if key[0] == "area" else key)
        if tot is not None and members:
            out.append((tot, members))
    return out


def additive_exposures(published: pd.DataFrame, truth: pd.DataFrame, indicator: str,
                       with_data=None) -> pd.DataFrame:
    """Suppressed cells of one additive indicator whose LP interval misses its protection interval.

    ``published`` and ``truth`` are long indicator tables (SPEC §4) of the same areas, industries
    and years, the second computed with disclosure control off. ``with_data``: the municipalities
    that hold data (for which area sums are complete relations).
    """
    unit = ADDITIVE[indicator]
    keys = ["area_code", "industry_code", "year"]
    p = published.loc[published["indicator"] == indicator, keys + ["value", "suppressed"]]
    tr = truth.loc[truth["indicator"] == indicator, keys + ["value"]].rename(columns={"value": "true"})
    cells = p.drop_duplicates(keys).merge(tr.drop_duplicates(keys), on=keys, how="left")
    cells["true"] = cells["true"].fillna(0.0)
    rows = []
    for year, c in cells.groupby("year", sort=True):
        c = c.reset_index(drop=True)
        hidden = c["suppressed"].to_numpy(dtype=bool)
        if not hidden.any():
            continue
        var = -np.ones(len(c), dtype=np.int64)
        var[hidden] = np.arange(hidden.sum())
        known = np.where(hidden, 0.0, c["value"].to_numpy(dtype=np.float64))
        a_rows, b = [], []
        for tot, members in _relations(c[["area_code", "industry_code"]].astype(str), with_data):
            coef: dict[int, float] = {}
            rhs = 0.0
            for k, s in [(tot, -1.0)] + [(m, 1.0) for m in members]:
                if var[k] >= 0:
                    coef[var[k]] = coef.get(var[k], 0.0) + s
                else:
                    rhs -= s * known[k]
            if coef:
                a_rows.append(coef)
                b.append(rhs)
        x = c.loc[hidden, "true"].to_numpy(dtype=np.float64)
        need = protection_level(x, unit)
        if a_rows:
            r_idx = np.repeat(np.arange(len(a_rows)), [len(coef) for coef in a_rows])
            c_idx = np.fromiter((j for coef in a_rows for j in coef), dtype=np.int64)
            vals = np.fromiter((v for coef in a_rows for v in coef.values()), dtype=np.float64)
            a = csr_matrix((vals, (r_idx, c_idx)), shape=(len(a_rows), len(x)))
            bad = intervals.unprotected(a, np.array(b), x, need)
        else:
            a, bad = None, np.zeros(len(x), dtype=bool)
        if bad.any():
            hc = c.loc[hidden].reset_index(drop=True)
            js = np.flatnonzero(bad)
            for j, (lo, hi) in zip(js, intervals.intervals_of(a, np.array(b), js), strict=True):
                rows.append({"source": "indicators", "area_code": hc.loc[j, "area_code"], "indicator": indicator,
                             "industry_code": hc.loc[j, "industry_code"], "year": int(year), "value": x[j],
                             "lower": float(lo), "upper": float(hi), "reason": "additive relations (LP interval)"})
    return pd.DataFrame(rows, columns=EXPOSED_COLUMNS)


def _row(source, r, reason, value=np.nan) -> dict:
    return {"source": source, "area_code": r.area_code, "indicator": r.indicator, "industry_code": r.industry_code,
            "year": int(r.year), "value": value, "lower": value, "upper": value, "reason": reason}


def nonlinear_exposures(published: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Published non-additive figures that hand back a hidden cell or a count of 1–2 firms."""
    keys = ["area_code", "industry_code", "year"]
    pers = published[published["indicator"] == "personnel"].drop_duplicates(keys).set_index(keys)["suppressed"]
    true_val = truth.drop_duplicates(["indicator"] + keys).set_index(["indicator"] + keys)["value"]
    pub = published[~published["suppressed"]]
    rows = []
    # counts of firms with a confidential property
    for r in pub[pub["indicator"].isin(PROPERTY_COUNTS) & pub["value"].between(1, THRESHOLD - 1)].itertuples():
        rows.append(_row("indicators", r, "count of 1-2 firms with a confidential property", r.value))
    rows += derived_count_exposures(pub, "indicators").to_dict("records")
    # indices over shares: published with a hidden share in the same area-year
    hid = pers[pers].reset_index()
    hid = hid[hid["industry_code"] != industries.ALL]
    hid_level = np.where(hid["industry_code"].astype(str).str.isdigit(), "division", "section")
    hidden_ay = set(zip(hid["area_code"], hid["year"], hid_level, strict=True))
    for r in pub[pub["indicator"].isin(["herfindahl_index", "krugman_index"])].itertuples():
        if (r.area_code, r.year, r.level) in hidden_ay:
            rows.append(_row("indicators", r, "index over shares published beside a hidden share", r.value))
    # ratios whose own cell is hidden
    for r in pub[pub["indicator"].isin(["share_personnel_pct", "lq_personnel"])].itertuples():
        if bool(pers.get((r.area_code, r.industry_code, r.year), False)):
            rows.append(_row("indicators", r, "share of a hidden cell published",
                             true_val.get(("personnel", r.area_code, r.industry_code, r.year), np.nan)))
    return pd.DataFrame(rows, columns=EXPOSED_COLUMNS)


#: a published figure and a published count that together count firms with a property derived from
#: confidential figures (a share times or over the count, or two counts' difference):
#: ``figure → (count, how the counts follow from (figure, count), what they count)``
DERIVED_COUNTS = {
    # micro = n · s / 100 (firms of 1-9 persons) and n − micro (firms of 10 or more)
    "micro_share_pct": ("establishments", lambda s, n: (n * s / 100.0, n - n * s / 100.0),
                        "size class of 1-2 firms from micro_share_pct"),
    # base = hge / s · 100 (firms of 10 or more persons three years earlier) and base − hge (of those, the
    # ones that did not grow fast); with no HGE (s = 0) the base is not given away
    "hge_share_pct": ("hge_count", lambda s, hge: (np.where(s > 0, hge / np.where(s > 0, s, 1.0) * 100.0, 0.0),
                                                   np.where(s > 0, hge / np.where(s > 0, s, 1.0) * 100.0 - hge, 0.0)),
                      "count of 1-2 firms from hge_share_pct and hge_count"),
    # two counts published side by side give their difference: the firms that do not export, the HGEs
    # older than 5 years
    "exporter_count": ("establishments", lambda e, n: (n - e,), "count of 1-2 non-exporting firms"),
    "gazelle_count": ("hge_count", lambda g, h: (h - g,), "count of 1-2 HGEs that are no gazelles"),
}


def derived_count_exposures(long: pd.DataFrame, source: str) -> pd.DataFrame:
    """Published shares that, with a published count, give a count of 1-2 firms with a property.

    ``long``: published cells in the SPEC §4 long shape (``area_code, indicator, industry_code, year,
    value``; a hidden cell is left out or empty). For each share of :data:`DERIVED_COUNTS` published
    beside its count in the same area, industry and year, the counts it gives (rounded to whole
    firms) must each be 0 or at least 3 (the threshold rule on the firms that have the property).

    >>> t = pd.DataFrame({"area_code": "KU305", "industry_code": "ALL", "year": 2022,
    ...                   "indicator": ["establishments", "micro_share_pct", "hge_count", "hge_share_pct"],
    ...                   "value": [20.0, 95.0, 3.0, 75.0]})
    >>> derived_count_exposures(t, "x")["indicator"].tolist()  # 1 firm of 10+; a base of 4, 1 not an HGE
    ['micro_share_pct', 'hge_share_pct']
    >>> t = pd.DataFrame({"area_code": "KU305", "industry_code": "ALL", "year": 2022,
    ...                   "indicator": ["establishments", "exporter_count", "hge_count", "gazelle_count"],
    ...                   "value": [7.0, 5.0, 4.0, 4.0]})
    >>> derived_count_exposures(t, "x")["reason"].tolist()  # 2 firms do not export; every HGE is a gazelle
    ['count of 1-2 non-exporting firms']
    """
    keys = ["area_code", "industry_code", "year"]
    vals = long.dropna(subset=["value"])
    out = []
    for share, (count, derive, reason) in DERIVED_COUNTS.items():
        s = vals.loc[vals["indicator"] == share, keys + ["value"]].drop_duplicates(keys)
        c = vals.loc[vals["indicator"] == count, keys + ["value"]].drop_duplicates(keys)
        both = s.merge(c, on=keys, suffixes=("", "_count"))
        if both.empty:
            continue
        derived = derive(both["value"].to_numpy(dtype=np.float64), both["value_count"].to_numpy(dtype=np.float64))
        small = np.zeros(len(both), dtype=bool)
        for d in derived:
            k = np.round(d)
            small |= (k >= 1) & (k < THRESHOLD)
        for r in both[small].itertuples():
            out.append({"source": source, "area_code": r.area_code, "indicator": share,
                        "industry_code": r.industry_code, "year": int(r.year), "value": r.value,
                        "lower": r.value, "upper": r.value, "reason": reason})
    return pd.DataFrame(out, columns=EXPOSED_COLUMNS)


def shift_share_exposures(ss: pd.DataFrame, area: str) -> pd.DataFrame:
    """A shift-share table whose TOTAL or rows publish components over hidden cells."""
    comps = [c for c in ("national_share", "industry_mix", "regional_shift", "net_competitive", "allocation")
             if c in ss.columns]
    rows = ss[ss["industry_code"] != "TOTAL"]
    tot = ss[ss["industry_code"] == "TOTAL"]
    out = []
    hidden_rows = rows[rows[["base", "end"]].isna().any(axis=1) & rows[["base", "end"]].notna().any(axis=1)
                       | rows["suppressed"]]
    year = int(ss.attrs.get("end", 0))
    if len(hidden_rows) and len(tot) and tot[comps].notna().any(axis=1).iloc[0]:
        out.append({"source": "shift-share", "area_code": area, "indicator": "TOTAL components",
                    "industry_code": "TOTAL", "year": year, "value": np.nan, "lower": np.nan, "upper": np.nan,
                    "reason": "TOTAL components published while a row is hidden"})
    leak = rows[rows[["base", "end"]].isna().any(axis=1) & rows[comps].notna().any(axis=1)]
    for r in leak.itertuples():
        out.append({"source": "shift-share", "area_code": area, "indicator": "components",
                    "industry_code": r.industry_code, "year": year, "value": np.nan, "lower": np.nan,
                    "upper": np.nan, "reason": "row components published while its cell is hidden"})
    return pd.DataFrame(out, columns=EXPOSED_COLUMNS)


LONG_KEYS = ["area_code", "indicator", "industry_code", "year"]
EURO_INDICATORS = ("turnover_eur", "exports_eur")
EURO_MIN = 10_000.0  # hidden euro values at least this large rarely turn up in a file by chance
#: columns of public figures that are no firm's (the population: Statistics Finland's, public): a
#: number there equal to a hidden euro value is a coincidence (MK17's population of 2005, 384 808)
PUBLIC_COLUMNS = ("population",)


def _numbers(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Every number in a CSV read as text, and how many decimals it was written with.

    >>> v, d = _numbers(pd.DataFrame({"a": ["1.25", "x", "3"]}))
    >>> v.tolist(), d.tolist()
    ([1.25, 3.0], [2, 0])
    """
    text = pd.Series(frame.to_numpy().ravel()).astype(str).str.strip()
    vals = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    ok = np.isfinite(vals)
    frac = text[ok].str.extract(r"\.(\d+)$", expand=False).fillna("")
    return vals[ok], frac.str.len().to_numpy(dtype=np.int64)


def _tolerance(text: pd.Series) -> np.ndarray:
    """Half a unit of the last decimal each value was written with (the page's rounding)."""
    decimals = text.astype(str).str.extract(r"\.(\d+)$", expand=False).fillna("").str.len()
    return 0.5 * 10.0 ** (-decimals.to_numpy(dtype=np.float64)) + 1e-9


def file_exposures(paths, published: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """What the CSV files a run wrote publish beyond the protected set.

    Parameters
    ----------
    paths : iterable of Path
        CSV files (report tables, chart data, the app cache).
    published, truth : DataFrame
        The protected long indicator table and the same with disclosure control off.

    Returns
    -------
    DataFrame
        :data:`EXPOSED_COLUMNS` rows with ``source`` the file's path: a long table (SPEC §4) that
        publishes a cell the protected set hides or with another value, a count of 1–2 firms with a
        confidential property, and any file that prints a hidden cell's true euro value.
    """
    pub = published.drop_duplicates(LONG_KEYS).set_index(LONG_KEYS)
    hid = pub[pub["suppressed"]].index
    tr = truth.drop_duplicates(LONG_KEYS).set_index(LONG_KEYS)["value"]
    hidden_true = tr.reindex(hid)
    euro = hidden_true[hidden_true.index.get_level_values("indicator").isin(EURO_INDICATORS)
                       & (hidden_true.abs() >= EURO_MIN)]
    # a hidden value that some published cell also has is no evidence when a file prints it
    shown = pub.loc[~pub["suppressed"] & pub.index.get_level_values("indicator").isin(EURO_INDICATORS), "value"]
    shown_int = np.round(shown.dropna().to_numpy(dtype=np.float64)).astype(np.int64)
    euro = euro[~np.isin(np.round(euro.to_numpy(dtype=np.float64)).astype(np.int64), shown_int)]
    order = np.argsort(euro.to_numpy(dtype=np.float64), kind="stable")
    secret_values = euro.to_numpy(dtype=np.float64)[order]
    secret_keys = [euro.index[i] for i in order]
    rows = []
    for path in paths:
        try:
            f = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
            continue
        src = str(path)
        if set(LONG_KEYS) | {"value"} <= set(f.columns):
            long = f.assign(year=pd.to_numeric(f["year"], errors="coerce"), tol=_tolerance(f["value"]),
                            value=pd.to_numeric(f["value"], errors="coerce")).dropna(subset=["year", "value"])
            long = long.astype({"year": np.int64})[LONG_KEYS + ["value", "tol"]]
            m = long.merge(pub[["value", "suppressed"]].rename(columns={"value": "pub_value"}).reset_index(),
                           on=LONG_KEYS, how="inner")
            leak = m[m["suppressed"].astype(bool)]
            for r in leak.itertuples():
                rows.append({"source": src, "area_code": r.area_code, "indicator": r.indicator,
                             "industry_code": r.industry_code, "year": int(r.year), "value": r.value,
                             "lower": r.value, "upper": r.value, "reason": "file publishes a suppressed cell"})
            ok = m[~m["suppressed"].astype(bool)]
            diff = ok[(ok["value"] - ok["pub_value"]).abs() > ok["tol"] + 1e-9 * ok["pub_value"].abs()]
            for r in diff.itertuples():
                rows.append({"source": src, "area_code": r.area_code, "indicator": r.indicator,
                             "industry_code": r.industry_code, "year": int(r.year), "value": r.value,
                             "lower": np.nan, "upper": np.nan, "reason": "file differs from the protected figure"})
            parts_derived = derived_count_exposures(long, src)
            rows += parts_derived.to_dict("records")
            small = long[long["indicator"].isin(PROPERTY_COUNTS) & long["value"].between(1, THRESHOLD - 1)]
            for r in small.itertuples():
                rows.append({"source": src, "area_code": r.area_code, "indicator": r.indicator,
                             "industry_code": r.industry_code, "year": int(r.year), "value": r.value,
                             "lower": r.value, "upper": r.value,
                             "reason": "count of 1-2 firms with a confidential property"})
        scan = f.drop(columns=[c for c in PUBLIC_COLUMNS if c in f.columns])
        if set(LONG_KEYS) | {"value"} <= set(f.columns):
            # a long table's value is its row's indicator: firms, persons, % and indices are no euros
            # (the country's 66 224 firms of section G in 2013 are not a hidden 66 224 €); its cells of
            # the published set were compared above
            scan = scan.assign(value=scan["value"].where(scan["indicator"].isin(EURO_INDICATORS), ""))
        nums, decimals = _numbers(scan)
        found = set()
        # euros, and million euros as the pages show them (only numbers written with at least three
        # decimals: a growth of 1.2 % is not 1 200 000 €). A printed number gives a hidden value away
        # when it is that value rounded as printed: within half a unit of its last decimal (at most
        # half a euro). 67144.12 persons is not 67 144 €, nor the full-precision shift-share component
        # 2.8932923731016 persons 2 893 292 €: both turned up by chance among thousands of hidden values.
        for scale, keep in ((1.0, np.ones(len(nums), dtype=bool)), (1e6, decimals >= 3)):
            vals = nums[keep] * scale
            tol = np.minimum(0.5, 0.5 * 10.0 ** (-decimals[keep].astype(np.float64)) * scale) + 1e-9
            lo = np.searchsorted(secret_values, vals - tol, side="left")
            hi = np.searchsorted(secret_values, vals + tol, side="right")
            for i in np.flatnonzero(hi > lo):
                for k in range(lo[i], hi[i]):
                    if k in found:
                        continue
                    found.add(k)
                    a, ind, code, year = secret_keys[k]
                    v = float(np.round(vals[i]))
                    rows.append({"source": src, "area_code": a, "indicator": ind, "industry_code": code,
                                 "year": int(year), "value": v, "lower": v, "upper": v,
                                 "reason": "file prints a suppressed cell's true value"})
    return pd.DataFrame(rows, columns=EXPOSED_COLUMNS)


def published_files(*folders) -> list:
    """Every CSV file under ``folders`` (reports' tables and chart data, the app cache), sorted."""
    out = []
    for folder in folders:
        if folder is not None:
            out += sorted(Path(folder).rglob("*.csv"))
    return out


def reference_for(cd, area: str, has_reference_data: bool) -> str:
    """The reference an area is published against.

    The default reference (SPEC §1) where the data (or public reference data) holds it, else the
    nearest ancestor the panel covers, else the area itself.
    """
    ref = areas.default_reference(area)
    if cd.covers(ref) or has_reference_data:
        return ref
    code = areas.parent(area)
    while code is not None:
        if cd.covers(code):
            return code
        code = areas.parent(code)
    return area


def published_set(data, area_list=None, start=None, end=None, reference_data=None, disclose=True) -> dict:
    """What a run publishes for ``area_list`` (default: every area the data covers).

    Returns
    -------
    dict
        ``indicators`` (section and division levels, concatenated) and ``shift_share``
        (area code → classic shift-share of personnel against the default reference).
    """
    cd = engine.prepare(data)
    codes = list(area_list) if area_list is not None else protection.covered_areas(cd)
    codes = [areas.normalise_area(a) for a in codes]
    refs = {a: reference_for(cd, a, reference_data is not None) for a in codes}
    parts = [compute_indicators_many(cd, [a for a in codes if refs[a] == r], r, start, end, level=lvl,
                                     disclose=disclose, reference_data=reference_data).assign(level=lvl)
             for lvl in ("section", "division") for r in dict.fromkeys(refs.values())]
    # the same cell at both levels once; indices over shares (Herfindahl, Krugman) differ by level
    ind = pd.concat(parts, ignore_index=True)
    ind.loc[~ind["indicator"].isin(["herfindahl_index", "krugman_index"]), "level"] = "any"
    ind = ind.drop_duplicates(["area_code", "indicator", "industry_code", "year", "level"])
    ss = {}
    for a in codes:
        if refs[a] != a:
            ss[a] = compute_shift_share(cd, a, refs[a], start, end, disclose=disclose,
                                        reference_data=reference_data)
    return {"indicators": ind, "shift_share": ss, "municipalities": sorted(cd.municipalities)}


def audit_published(published: dict, truth: dict, files=()) -> pd.DataFrame:
    """Every exposed cell of a published set (see :func:`published_set`) given its truth.

    ``files``: CSV files the run wrote (:func:`published_files`), checked with :func:`file_exposures`.

    Returns
    -------
    DataFrame
        ``source, area_code, indicator, industry_code, year, value, lower, upper, reason``;
        empty when nothing is exposed.
    """
    pub, tru = published["indicators"], truth["indicators"]
    munis = published.get("municipalities")
    parts = [additive_exposures(pub, tru, ind, munis) for ind in ADDITIVE if ind in set(pub["indicator"])]
    parts.append(nonlinear_exposures(pub, tru))
    parts += [shift_share_exposures(ss, a) for a, ss in published["shift_share"].items()]
    files = list(files)
    if files:
        parts.append(file_exposures(files, pub, tru))
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EXPOSED_COLUMNS)
    out.attrs["summary"] = {
        "areas": sorted(set(pub["area_code"].astype(str))),
        "published_figures": int((~pub["suppressed"]).sum()),
        "suppressed_figures": int(pub["suppressed"].sum()),
        "shift_share_tables": len(published["shift_share"]),
        "attacked_cells": int(pub.loc[pub["indicator"].isin(list(ADDITIVE)), "suppressed"].sum()),
        "files_checked": len(files),
        "exposed": len(out),
        "protection": f"±max({PROTECTION_SHARE:.0%} of the value, 1 person or firm); euros ±10 %",
    }
    return out


def audit(data, area_list=None, start=None, end=None, reference_data=None, files=()) -> pd.DataFrame:
    """Attack everything a run publishes for ``area_list`` and list the exposed cells.

    Parameters
    ----------
    data : DataFrame or CellData
        The confidential firm panel (SPEC §3).
    area_list : list of str, optional
        Areas whose outputs are published; default every area the panel covers.
    start, end : int, optional
        Period; default the panel's years.
    reference_data : DataFrame, optional
        Public data for references the panel does not cover (the regional business table).
    files : iterable of Path
        CSV files a run wrote from this panel (reports' tables, the app cache), checked too.

    Returns
    -------
    DataFrame
        Exposed cells (:data:`EXPOSED_COLUMNS`); empty when the published set is safe.

    Examples
    --------
    >>> cols = ["firm_id", "year", "municipality_code", "industry_code", "personnel", "turnover_eur",
    ...         "exports_goods_eur", "exports_services_eur", "founded_year"]
    >>> rows = [(f"F{k}", y, "KU305", "25", 10.0 + k, 1e6, 0.0, 0.0, 2000) for k in range(4) for y in (2021, 2022)]
    >>> rows += [("L", y, "KU305", "47", 40.0, 5e6, 0.0, 0.0, 2000) for y in (2021, 2022)]  # a lone firm
    >>> audit(pd.DataFrame(rows, columns=cols)).empty
    True
    """
    cd = engine.prepare(data)
    published = published_set(cd, area_list, start, end, reference_data, disclose=True)
    truth = published_set(cd, area_list, start, end, reference_data, disclose=False)
    return audit_published(published, truth, files)
