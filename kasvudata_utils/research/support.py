"""Effectiveness of public business support: matching, difference-in-differences, event study.

Question: do firms that received business support (``support_eur > 0``)
grow faster afterwards than similar firms that did not? Pure computing for
notebook 12 (no I/O, no plotting):

1. :func:`support_events` — each supported firm's first grant year t;
2. :func:`match_controls` — for each supported firm, the never-supported firm
   most like it in t−1 (*before* support): exactly the same industry section,
   size class, age class and area type (urban / semi-urban / rural), and the
   nearest log personnel within that cell (with replacement);
3. :func:`stacked_panel` — the treated firm and its control over a window of
   years around t, as one "stack" per pair (Cengiz et al. 2019 stacked design,
   which avoids the bias of two-way fixed effects with staggered timing);
4. :func:`fit_did` — the two-way (firm and year) fixed-effects DiD in first
   differences: annual log personnel growth on the support window (1–3
   years after t), year effects (``linearmodels.PanelOLS``), errors
   clustered by firm;
5. :func:`fit_event_study` — the same with one term per year before and
   after t (leads show pre-trends, lags trace the effect).

The DiD coefficient reads "support raised annual personnel growth by β log
points in each of the three following years" — the unit in which the
synthetic panel plants its support effect.

References: Angrist & Pischke (2009) *Mostly Harmless Econometrics* ch. 5;
Cengiz, Dube, Lindner & Zipperer (2019) QJE 134(3) (stacked event studies);
Stuart (2010) "Matching methods for causal inference", Statistical Science 25.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError, require_columns
from kasvudata_utils.industries import division_section_map

SIZE_BOUNDS = (2.0, 5.0, 10.0, 50.0)          # persons: <2, 2–4, 5–9, 10–49, 50+
SIZE_LABELS = ("0-1", "2-4", "5-9", "10-49", "50+")
AGE_BOUNDS = (3, 6, 11)                        # years: 0–2, 3–5, 6–10, 11+
AGE_LABELS = ("0-2", "3-5", "6-10", "11+")
# exact-match traits (optional extras: ``entry_size_class``, the size class in the firm's first panel
# year, and ``pre_growth_class``, the sign of its growth t−2 → t−1); nearest-neighbour distances on
# ``MATCH_ON`` (log personnel in t−1 and at entry: the pre-period path, issue 20)
MATCH_KEYS = ("section", "size_class", "age_class", "area_type")
PATH_KEYS = ("entry_size_class", "pre_growth_class")
ALLOWED_KEYS = ("section", "size_class", "age_class", "area_type", *PATH_KEYS)
GROWTH_BOUNDS = (-0.05, 0.05)                  # log points: falling, flat, rising
GROWTH_LABELS = ("falling", "flat", "rising")
MATCH_ON = ("log_personnel", "log_entry_personnel")
PANEL_COLUMNS = ["firm_id", "year", "municipality_code", "industry_code", "personnel", "founded_year",
                 "support_eur"]


def size_class(personnel) -> np.ndarray:
    """Size class labels (``0-1``, ``2-4``, ``5-9``, ``10-49``, ``50+`` persons).

    >>> size_class([0.5, 2, 9.9, 10, 120]).tolist()
    ['0-1', '2-4', '5-9', '10-49', '50+']
    """
    idx = np.searchsorted(SIZE_BOUNDS, np.asarray(personnel, float), side="right")
    return np.array(SIZE_LABELS, dtype=object)[idx]


def age_class(age) -> np.ndarray:
    """Age class labels (``0-2``, ``3-5``, ``6-10``, ``11+`` years).

    >>> age_class([0, 3, 10, 11]).tolist()
    ['0-2', '3-5', '6-10', '11+']
    """
    idx = np.searchsorted(AGE_BOUNDS, np.asarray(age, float), side="right")
    return np.array(AGE_LABELS, dtype=object)[idx]


def support_events(panel: pd.DataFrame) -> pd.DataFrame:
    """First year of support per supported firm: ``firm_id, event_year, support_eur``.

    >>> p = pd.DataFrame({"firm_id": ["a", "a", "b"], "year": [2015, 2016, 2015],
    ...                   "support_eur": [0.0, 5000.0, 0.0]})
    >>> support_events(p).values.tolist()
    [['a', 2016, 5000.0]]
    """
    require_columns(panel, ["firm_id", "year", "support_eur"], "panel", expected="the firm panel columns of SPEC §3")
    s = panel[panel["support_eur"] > 0].sort_values(["firm_id", "year"])
    first = s.groupby("firm_id", as_index=False).first()[["firm_id", "year", "support_eur"]]
    return first.rename(columns={"year": "event_year"}).reset_index(drop=True)


def _traits(panel: pd.DataFrame) -> pd.DataFrame:
    """Firm-year traits used for matching (section, size and age class, area type, pre-period path)."""
    area_type = {c: a.urban_rural for c, a in areas.all_areas().items() if a.level == "KU"}
    out = panel[["firm_id", "year", "municipality_code", "personnel"]].copy()
    out["section"] = panel["industry_code"].map(division_section_map()).fillna("?").astype(str)
    out["size_class"] = size_class(panel["personnel"])
    out["age_class"] = age_class(panel["year"] - panel["founded_year"])
    out["area_type"] = panel["municipality_code"].map(area_type).fillna("").astype(str)
    out["log_personnel"] = np.log(np.maximum(panel["personnel"].astype(float), 0.01))
    first_year = panel.groupby("firm_id")["year"].transform("min")
    entry = panel.loc[panel["year"] == first_year].set_index("firm_id")["personnel"]
    out["entry_size_class"] = size_class(panel["firm_id"].map(entry).to_numpy())
    out["log_entry_personnel"] = np.log(np.maximum(panel["firm_id"].map(entry).astype(float).to_numpy(), 0.01))
    # positional, so that a panel with a repeated index still works
    order = np.lexsort((out["year"].to_numpy(), out["firm_id"].astype(str).to_numpy()))
    fid, yr, lp = (out[c].to_numpy()[order] for c in ("firm_id", "year", "log_personnel"))
    same = np.r_[False, (fid[1:] == fid[:-1]) & (yr[1:] == yr[:-1] + 1)]
    g_sorted = np.where(same, lp - np.r_[np.nan, lp[:-1]], np.nan)
    growth = np.empty(len(out))
    growth[order] = g_sorted
    idx = np.searchsorted(GROWTH_BOUNDS, growth, side="right")
    out["pre_growth_class"] = np.where(np.isnan(growth), "none", np.array(GROWTH_LABELS, dtype=object)[
        np.minimum(idx, len(GROWTH_LABELS) - 1)])
    return out


def match_controls(panel: pd.DataFrame, keys=MATCH_KEYS, caliper: float = 0.5, clean=(-7, 5),
                   match_on=MATCH_ON) -> pd.DataFrame:
    """Nearest clean control firm per supported firm, matched on the year before support.

    Parameters
    ----------
    panel : pandas.DataFrame
        SPEC §3 firm panel with ``support_eur``.
    keys : sequence of str
        Exact-match traits in year t−1, from ``section``, ``size_class``,
        ``age_class``, ``area_type`` and the pre-period path
        ``entry_size_class`` (size class in the firm's first panel year) and
        ``pre_growth_class`` (growth t−2 → t−1 below −0.05, within ±0.05 or
        above 0.05 log points; ``none`` where t−2 is missing).
    caliper : float
        Largest accepted difference in each ``match_on`` variable; pairs
        further apart are dropped (reported in ``attrs["unmatched"]``).
    match_on : sequence of str
        Nearest neighbour within the exact cell by the sum of absolute
        differences in these: ``log_personnel`` (t−1) and, by default,
        ``log_entry_personnel`` (log personnel in the firm's first panel
        year). At equal size in t−1 a firm that entered larger has grown less
        before; where support goes with size at entry, matching on t−1 alone
        builds a pre-trend into the comparison (Daw & Hatfield 2018 on
        matching on pre-period levels). Matching on the path (entry and t−1)
        removes it.
    clean : (int, int)
        Control firms have no grant in the years t + clean[0] … t + clean[1]
        (default −7 … 5: the event window (−4, 5) and the three effect years
        of a grant just before it). Firms supported later are valid controls
        ("not yet treated", Callaway & Sant'Anna 2021); never-supported firms
        are not required, which would select on the future (survivors have
        more chances of a later grant).

    Returns
    -------
    pandas.DataFrame
        ``pair_id, treated_id, control_id, event_year, log_personnel_treated,
        log_personnel_control`` plus the key columns. Controls are drawn with
        replacement (one control may serve several supported firms) and must
        be active in t−1 and t. Supported firms not active in t−1 (born in
        their support year) cannot be matched and are counted as unmatched.
    """
    require_columns(panel, PANEL_COLUMNS, "panel", expected="the firm panel columns of SPEC §3")
    keys = list(keys)
    bad = [k for k in keys if k not in ALLOWED_KEYS]
    if bad:
        raise InputError(f"matching keys {bad}: expected some of {list(ALLOWED_KEYS)}")
    lo, hi = int(clean[0]), int(clean[1])
    if not lo <= 0 <= hi:
        raise InputError(f"clean window {clean!r}: expected (years before ≤ 0, years after ≥ 0), e.g. (-7, 5)")
    if not caliper > 0:
        raise InputError(f"caliper={caliper!r}: expected a positive number of log points")
    events = support_events(panel)
    if events.empty:
        raise InputError("the panel has no supported firm (support_eur > 0 nowhere): nothing to evaluate")
    traits = _traits(panel)
    pre = traits.assign(event_year=traits["year"] + 1)
    treated = events[["firm_id", "event_year"]].merge(pre, on=["firm_id", "event_year"], how="inner")
    active = set(zip(panel["firm_id"], panel["year"], strict=False))
    granted = panel.loc[panel["support_eur"] > 0, ["firm_id", "year"]]
    dirty = pd.concat([granted.assign(event_year=granted["year"] - off) for off in range(lo, hi + 1)])
    dirty = pd.MultiIndex.from_frame(dirty[["firm_id", "event_year"]].drop_duplicates())
    cand = pre[~pd.MultiIndex.from_frame(pre[["firm_id", "event_year"]]).isin(dirty)]
    # a control must also be active in the event year itself
    cand = cand[[(f, y) in active for f, y in zip(cand["firm_id"], cand["event_year"], strict=False)]]
    by = ["event_year", *keys]
    m = _nearest(treated, cand, by, list(match_on), caliper)
    ok = m["control_id"].notna()
    out = m.loc[ok, ["treated_id", "control_id", "event_year", *keys, "log_personnel_treated",
                     "log_personnel_control"]].sort_values(["event_year", "treated_id"]).reset_index(drop=True)
    out.insert(0, "pair_id", np.arange(len(out)))
    out.attrs["n_supported"] = int(len(events))
    out.attrs["unmatched"] = int(len(events) - len(out))
    return out


def _nearest(treated: pd.DataFrame, cand: pd.DataFrame, by: list, on: list, caliper: float) -> pd.DataFrame:
    """Per treated row the candidate of the same ``by`` cell nearest in ``on`` (L1), within ``caliper`` each."""
    bad = [c for c in on if c not in ("log_personnel", "log_entry_personnel")]
    if bad or not on:
        raise InputError(f"match_on {on!r}: expected some of 'log_personnel', 'log_entry_personnel'")
    # one integer code per exact cell, shared by treated and candidates; then plain numpy per cell
    both = pd.concat([treated[by], cand[by]], ignore_index=True).astype(str)
    codes = pd.MultiIndex.from_frame(both).codes
    cell = np.zeros(len(both), dtype=np.int64)
    for c in codes:
        cell = cell * (int(c.max()) + 2) + (np.asarray(c) + 1)
    t_cell, c_cell = cell[:len(treated)], cell[len(treated):]
    t_x, c_x = treated[on].to_numpy(float), cand[on].to_numpy(float)
    c_ids, c_lp = cand["firm_id"].to_numpy(), cand["log_personnel"].to_numpy(float)
    c_order = np.argsort(c_cell, kind="stable")
    c_sorted = c_cell[c_order]
    control = np.full(len(treated), None, dtype=object)
    lp_c = np.full(len(treated), np.nan)
    for k in np.unique(t_cell):
        ti = np.flatnonzero(t_cell == k)
        lo, hi = np.searchsorted(c_sorted, k, "left"), np.searchsorted(c_sorted, k, "right")
        if lo == hi:
            continue
        ci = c_order[lo:hi]
        diff = np.abs(t_x[ti][:, None, :] - c_x[ci][None, :, :])                  # T × C × variables
        dist = np.where((diff <= caliper).all(axis=2), diff.sum(axis=2), np.inf)
        best = dist.argmin(axis=1)
        found = np.isfinite(dist[np.arange(len(ti)), best])
        control[ti[found]] = c_ids[ci[best[found]]]
        lp_c[ti[found]] = c_lp[ci[best[found]]]
    return treated.assign(control_id=control, log_personnel_control=lp_c).rename(
        columns={"firm_id": "treated_id", "log_personnel": "log_personnel_treated"})


def balance_table(panel: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """Standardised mean differences before support: all never-supported vs matched controls.

    Rows ``log_personnel``, ``age_years``, ``rural``; columns ``treated_mean,
    all_controls_mean, matched_controls_mean, smd_all, smd_matched``, where
    SMD = (mean_t − mean_c) / sqrt((var_t + var_c) / 2). |SMD| < 0.1 is the
    usual mark of good balance (Stuart 2010).
    """
    require_columns(matches, ["treated_id", "control_id", "event_year"], "matches",
                    expected="the firm panel columns of SPEC §3")
    tr = _traits(panel).assign(age_years=panel["year"] - panel["founded_year"])
    tr["rural"] = (tr["area_type"] == "rural").astype(float)
    pre_t = matches[["treated_id", "event_year"]].assign(year=matches["event_year"] - 1)
    t_rows = pre_t.merge(tr, left_on=["treated_id", "year"], right_on=["firm_id", "year"])
    c_rows = matches[["control_id", "event_year"]].assign(year=matches["event_year"] - 1).merge(
        tr, left_on=["control_id", "year"], right_on=["firm_id", "year"])
    ever = set(support_events(panel)["firm_id"])
    all_c = tr[~tr["firm_id"].isin(ever) & tr["year"].isin(pre_t["year"].unique())]
    rows = []
    for v in ("log_personnel", "age_years", "rural"):
        a, b, c = t_rows[v].astype(float), all_c[v].astype(float), c_rows[v].astype(float)

        def smd(x, y):
            s = np.sqrt((x.var() + y.var()) / 2)
            return float((x.mean() - y.mean()) / s) if s > 0 else 0.0

        rows.append({"variable": v, "treated_mean": a.mean(), "all_controls_mean": b.mean(),
                     "matched_controls_mean": c.mean(), "smd_all": smd(a, b), "smd_matched": smd(a, c)})
    return pd.DataFrame(rows)


def stacked_panel(panel: pd.DataFrame, matches: pd.DataFrame, window=(-4, 5)) -> pd.DataFrame:
    """Rows of each matched pair's two firms over ``window`` years around the event year.

    Returns ``pair_id, unit, firm_id, treated, year, rel_year, personnel,
    log_personnel, growth_log`` where ``unit`` = pair and role (the fixed
    effect), ``rel_year = year − event_year`` and ``growth_log`` is the log
    change from the firm's previous year (NaN where that year is missing).
    """
    require_columns(matches, ["pair_id", "treated_id", "control_id", "event_year"], "matches",
                    expected="the firm panel columns of SPEC §3")
    lo, hi = int(window[0]), int(window[1])
    if not lo < 0 < hi:
        raise InputError(f"window {window!r}: expected (negative lead, positive lag), e.g. (-4, 5)")
    p = panel[["firm_id", "year", "personnel"]].sort_values(["firm_id", "year"])
    prev = p.groupby("firm_id")[["year", "personnel"]].shift(1)
    ok = (prev["year"] == p["year"] - 1) & (prev["personnel"] > 0) & (p["personnel"] > 0)
    p = p.assign(growth_log=np.where(ok, np.log(p["personnel"].where(p["personnel"] > 0)
                                                / prev["personnel"].where(prev["personnel"] > 0)), np.nan))
    roles = pd.concat([
        matches[["pair_id", "event_year"]].assign(firm_id=matches["treated_id"], treated=1),
        matches[["pair_id", "event_year"]].assign(firm_id=matches["control_id"], treated=0)])
    s = roles.merge(p, on="firm_id", how="inner")
    s["rel_year"] = s["year"] - s["event_year"]
    s = s[s["rel_year"].between(lo, hi)].copy()
    s["unit"] = s["pair_id"].astype(str) + np.where(s["treated"] == 1, "_T", "_C")
    s["log_personnel"] = np.log(np.maximum(s["personnel"].astype(float), 0.01))
    return s.sort_values(["pair_id", "treated", "year"]).reset_index(drop=True)


def _panel_fit(df, y, xcols, level):
    """PanelOLS of ``y`` on ``xcols`` with pair-by-year effects, errors clustered by firm."""
    from linearmodels.panel import PanelOLS
    from scipy.stats import norm

    d = df.dropna(subset=[y]).set_index(["unit", "year"])
    # stack-by-year effects (Cengiz et al. 2019): each supported firm is compared with its own
    # matched firm in the same calendar year, which also removes every common year shock
    pair_year = pd.factorize(d["pair_id"].astype(str) + "_" + d.index.get_level_values("year").astype(str))[0]
    mod = PanelOLS(d[y], d[xcols], entity_effects=False, time_effects=False, drop_absorbed=True,
                   check_rank=False, other_effects=pd.DataFrame({"pair_year": pair_year}, index=d.index))
    res = mod.fit(cov_type="clustered", clusters=pd.DataFrame(
        {"firm": pd.factorize(d["firm_id"])[0]}, index=d.index))
    z = float(norm.ppf(0.5 + level / 2))
    out = pd.DataFrame({"term": res.params.index, "estimate": res.params.to_numpy(),
                        "std_error": res.std_errors.to_numpy(), "p_value": res.pvalues.to_numpy()})
    out["ci_low"] = out["estimate"] - z * out["std_error"]
    out["ci_high"] = out["estimate"] + z * out["std_error"]
    out = out[["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]].copy()
    out.attrs.update(nobs=int(res.nobs), n_units=int(d.index.get_level_values(0).nunique()),
                     n_firms=int(d["firm_id"].nunique()), cov=res.cov.copy())
    return out


def fit_did(stacked: pd.DataFrame, post=(1, 3), level: float = 0.95) -> pd.DataFrame:
    """Difference-in-differences with firm and year fixed effects, in first differences.

    The levels model ``ln L_it = α_i + γ_t + g·(years of support so far, at
    most 3) + ε`` has firm effects α_i; differencing it year on year removes
    them and leaves annual log growth::

        growth_log_it = Δγ_pt + g·D(post) + δ_pre·D(rel < 0) + δ_0·D(rel = 0) + δ_after·D(rel > 3) + Δε

    where the D's are 1 for the supported firm only and its matched
    never-supported firm is the comparison: the year effects are specific to
    each matched pair ("stack", Cengiz et al. 2019), so every comparison is
    within a pair and a calendar year. ``g`` (row ``support_effect``)
    is the extra annual growth in the ``post`` years (default 1–3 years after
    the grant). ``pre_window`` tests parallel growth before the grant (≈ 0
    when the comparison is fair); ``grant_year`` absorbs growth in the grant
    year itself, where selection acts (firms get support after a good year).
    Errors are clustered by firm (a control serving several pairs is one cluster).

    Returns the coefficient table (``term, estimate, std_error, ci_low,
    ci_high, p_value``) with the row ``support_effect`` first.
    """
    require_columns(stacked, ["unit", "firm_id", "year", "treated", "rel_year", "growth_log"], "stacked",
                    expected="the firm panel columns of SPEC §3")
    a, b = int(post[0]), int(post[1])
    if not 0 < a <= b:
        raise InputError(f"post window {post!r}: expected (first, last) years after the grant, e.g. (1, 3)")
    d = stacked.copy()
    tr = d["treated"] == 1
    d["support_effect"] = (tr & d["rel_year"].between(a, b)).astype(float)
    d["pre_window"] = (tr & (d["rel_year"] < 0)).astype(float)
    d["grant_year"] = (tr & d["rel_year"].between(0, a - 1)).astype(float)
    d["after_window"] = (tr & (d["rel_year"] > b)).astype(float)
    has = d["growth_log"].notna()
    cols = [c for c in ("support_effect", "pre_window", "grant_year", "after_window") if d.loc[has, c].sum() > 0]
    out = _panel_fit(d, "growth_log", cols, level)
    out["model"] = "DiD, first differences (firm effects out) + pair-by-year effects, cluster: firm"
    return out


def fit_event_study(stacked: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Event study: extra annual growth of supported firms, year by year around the grant.

    One dummy per relative year (supported firms only), pair-by-year effects,
    the matched firms as comparison, in first differences as :func:`fit_did`.
    Leads (negative relative years) near 0 mean parallel growth before the
    grant (no pre-trend); with the planted effect of g log points a year for
    three years, the lags 1–3 are about g and later ones about 0.
    ``cumulative`` sums the yearly estimates from year 1 on: the level
    difference in log personnel the grant has built up.

    Returns ``rel_year, estimate, std_error, ci_low, ci_high, p_value, cumulative, n_treated,
    band_low, band_high``: ``n_treated`` is the number of supported firms behind each relative year
    (the window is unbalanced: the panel's first and last years cut the early and late grants),
    ``band_*`` the simultaneous 95 % sup-t band (:func:`sup_t_critical_value`). ``attrs["leads_wald"]``
    is the joint Wald test of all leads (:func:`joint_wald`): pre-trends are judged jointly, not
    lead by lead.
    """
    require_columns(stacked, ["unit", "firm_id", "year", "treated", "rel_year", "growth_log"], "stacked",
                    expected="the firm panel columns of SPEC §3")
    d = stacked.dropna(subset=["growth_log"]).copy()
    rels = sorted(int(r) for r in d.loc[d["treated"] == 1, "rel_year"].unique())
    cols = []
    for r in rels:
        name = f"rel_{r}".replace("-", "m")
        d[name] = ((d["treated"] == 1) & (d["rel_year"] == r)).astype(float)
        cols.append(name)
    out = _panel_fit(d, "growth_log", cols, level)
    out["rel_year"] = [int(t.replace("rel_", "").replace("m", "-")) for t in out["term"]]
    cov_all = out.attrs["cov"]
    out = out.sort_values("rel_year").reset_index(drop=True)
    out.attrs["cov"] = cov_all
    out["cumulative"] = out["estimate"].where(out["rel_year"] >= 1, 0.0).cumsum()
    # composition: the window is unbalanced (a 2014 grant has one lead, a 2022 grant one lag), so each
    # relative year says how many supported firms it rests on
    n = d[(d["treated"] == 1)].groupby("rel_year")["firm_id"].nunique()
    out["n_treated"] = out["rel_year"].map(n).fillna(0).astype(int)
    cov = out.attrs["cov"].loc[out["term"], out["term"]].to_numpy()
    crit = sup_t_critical_value(cov, level)
    out["band_low"] = out["estimate"] - crit * out["std_error"]
    out["band_high"] = out["estimate"] + crit * out["std_error"]
    leads = out["rel_year"] < 0
    wald = joint_wald(out.loc[leads, "estimate"].to_numpy(), cov[np.ix_(leads.to_numpy(), leads.to_numpy())])
    table = out[["rel_year", "estimate", "std_error", "ci_low", "ci_high", "p_value", "cumulative", "n_treated",
                 "band_low", "band_high"]].copy()
    table.attrs.update(leads_wald=wald, band_critical_value=crit)
    return table


def joint_wald(estimates, cov) -> dict:
    """Joint Wald test that all ``estimates`` are 0: ``b' V^-1 b`` against χ² with len(b) degrees of freedom.

    Used on the event study's leads: individually insignificant leads can still reject jointly.

    >>> r = joint_wald([0.1, -0.1], np.diag([0.01, 0.01]))      # 1 + 1
    >>> r["statistic"], r["df"], round(r["p_value"], 4)          # P(χ²₂ > 2) = e^-1
    (2.0, 2, 0.3679)
    """
    from scipy.stats import chi2

    b = np.asarray(estimates, float).reshape(-1)
    if b.size == 0:
        return {"statistic": float("nan"), "df": 0, "p_value": float("nan")}
    stat = float(b @ np.linalg.pinv(np.asarray(cov, float)) @ b)
    return {"statistic": stat, "df": int(b.size), "p_value": float(chi2.sf(stat, b.size))}


def sup_t_critical_value(cov, level: float = 0.95, draws: int = 100_000, seed: int = 20240917) -> float:
    """Critical value of simultaneous sup-t bands (Olea & Plagborg-Møller 2019).

    The ``level`` quantile of ``max_i |Z_i|`` with Z normal with the correlation of the estimates:
    bands ``estimate ± c · std_error`` cover all coefficients at once with probability ``level``.

    >>> round(sup_t_critical_value(np.eye(1)), 2)                # one coefficient: the normal 1.96
    1.96
    """
    cov = np.asarray(cov, float)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    z = np.random.default_rng(seed).multivariate_normal(np.zeros(len(sd)), corr, size=draws, method="eigh")
    return float(np.quantile(np.abs(z).max(axis=1), level))


def honest_breakdown(did: pd.DataFrame, event_study: pd.DataFrame, level: float = 0.95) -> dict:
    """How large a violation of parallel growth after the grant would overturn the DiD's conclusion.

    A simplified relative-magnitudes bound in the spirit of Rambachan & Roth (2023): if the supported
    firms' growth after the grant could deviate from the comparison's by up to M̄ times the largest
    absolute lead of the event study, the interval of ``support_effect`` widens by M̄ · max|lead| on
    each side. ``breakdown`` is the M̄ at which it first contains 0 (0 where it already does;
    infinite without leads). Not the full HonestDiD procedure (no optimal inference over the
    identified set); a statement to read next to the joint lead test.

    >>> did = pd.DataFrame({"term": ["support_effect"], "estimate": [0.04], "std_error": [0.01]})
    >>> es = pd.DataFrame({"rel_year": [-2, -1, 1], "estimate": [0.005, -0.01, 0.04]})
    >>> round(honest_breakdown(did, es)["breakdown"], 3)          # (0.04 − 1.96 · 0.01) / 0.01
    2.04
    """
    from scipy.stats import norm

    r = did.set_index("term").loc["support_effect"]
    q = float(norm.ppf(0.5 + level / 2))
    leads = event_study.loc[event_study["rel_year"] < 0, "estimate"].abs()
    max_lead = float(leads.max()) if len(leads) else 0.0
    margin = abs(float(r["estimate"])) - q * float(r["std_error"])
    if margin <= 0:
        breakdown = 0.0
    elif max_lead == 0:
        breakdown = float("inf")
    else:
        breakdown = margin / max_lead
    return {"breakdown": breakdown, "max_abs_lead": max_lead}


def evaluate_support(panel: pd.DataFrame, window=(-4, 5), post=(1, 3), keys=MATCH_KEYS,
                     caliper: float = 0.5, level: float = 0.95, match_on=MATCH_ON) -> dict:
    """The whole pipeline in one dict.

    Keys ``matches`` (:func:`match_controls` on the path, with controls clean over the window and the
    effect years before it), ``balance``, ``stacked``, ``did``, ``event_study``, ``leads_wald`` (joint
    test of the leads) and ``honest`` (:func:`honest_breakdown`).
    """
    # clean controls: no grant in the window, nor in the effect years of a grant just before it
    matches = match_controls(panel, keys=keys, caliper=caliper, match_on=match_on,
                             clean=(int(window[0]) - int(post[1]), int(window[1])))
    if len(matches) < 10:
        raise InputError(f"only {len(matches)} supported firms could be matched: expected at least 10")
    stacked = stacked_panel(panel, matches, window)
    did, es = fit_did(stacked, post, level), fit_event_study(stacked, level=level)
    return {"matches": matches, "balance": balance_table(panel, matches), "stacked": stacked,
            "did": did, "event_study": es, "leads_wald": es.attrs["leads_wald"],
            "honest": honest_breakdown(did, es, level)}
