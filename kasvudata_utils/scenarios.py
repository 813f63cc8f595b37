"""The workshop scenario model (METHODS "Scenario model"): pure, deterministic functions.

A projection runs from the last observed year ``T`` to a horizon ``T + n``
(default ``n = 8``), per industry group ``g`` (:data:`GROUPS`, built from TOL
sections). Inputs per group: personnel ``P``, firms ``F``, exports ``X`` and
turnover ``R`` in ``T``, and the reference area's recent annual personnel
trend ``b`` (percent, compound growth over the last :data:`TREND_YEARS` years).
Industries whose cells are suppressed in the area form their own group
:data:`OTHER_GROUP` ("other industries, not shown separately"): the published
area total minus the visible sections, at the reference's trend of the hidden
sections. The groups therefore add up to the published total, and at the
default levers the first projected year continues the published series.

Baseline (the industry-mix view of shift-share: every group grows at its
reference trend)::

    a = (1 + b/100) ** n
    P_base = P·a,   F_base = F·a,   X_base = X·a

Levers (sliders; at their defaults the scenario equals the baseline):

- ``export_<group>`` — extra annual export volume change ``x`` (% per year) for
  the groups in :data:`EXPORT_GROUPS`: ``X_scn = X_base · (1 + x/100) ** n``;
- ``export_elasticity`` ``ε`` — employment elasticity of exports, applied to the
  export-dependent share of the group's jobs, the export intensity ``s = X / R``
  (capped at 1): ``ΔP_exports = P_base · ε · s · ((1 + x/100) ** n − 1)``;
- ``birth_rate_pct`` and ``survival_rate_pct`` — annual firm birth rate and
  annual survival (100 − death rate), each against its observed value
  (``b0``, ``s0``, rounded to the slider's step so that the default slider
  position is exactly the baseline): the firm stock's growth changes by
  ``d = (birth − b0)/100 + (survival − s0)/100`` per year,
  ``F_scn = F_base · (1 + d) ** n`` and every extra firm adds
  :data:`NEW_FIRM_PERSONNEL` person-years: ``ΔP_firms = (F_scn − F_base) · NEW_FIRM_PERSONNEL``;
- ``micro_growth_share_pct`` ``m`` — share of micro-firms (1–9 persons, a share
  ``μ`` of all firms) that make the micro high-growth step (+3.31 persons over
  3 years, METHODS "High growth") in each 3-year period, against its observed
  value ``m0``: ``ΔP_micro = (m − m0)/100 · μ/100 · F_base · 3.31 · n/3``.

``P_scn = max(0, P_base + ΔP_exports + ΔP_firms + ΔP_micro)``.

Examples
--------
>>> import pandas as pd
>>> inputs = pd.DataFrame({"group": ["manufacturing"], "personnel": [100.0], "firms": [10.0],
...                        "exports_eur": [50.0], "turnover_eur": [100.0], "trend_pct": [0.0]})
>>> levers = default_levers() | {"export_manufacturing": 10.0, "export_elasticity": 0.5}
>>> row = project(inputs, levers, horizon_years=1).iloc[0]
>>> round(float(row["exports_eur_scenario"]), 6), round(float(row["personnel_scenario"]), 6)
(55.0, 102.5)
"""
from __future__ import annotations

import math

import pandas as pd

from kasvudata_utils.errors import InputError, require_columns

#: Industry groups of the model (TOL 2008 sections of the firm panel, ``industries.BUSINESS_SECTIONS``).
GROUPS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("B", "C", "D", "E"),
    "construction": ("F",),
    "trade_transport": ("G", "H", "I"),
    "business_services": ("J", "L", "M", "N"),
    "other_services": ("R", "S"),
}
#: Groups that get their own export lever (the exporting parts of the region's economy).
EXPORT_GROUPS = ("manufacturing", "trade_transport", "business_services")
#: The group of the industries hidden in the area's published section table (suppressed cells):
#: published total minus the visible sections, projected at the reference's trend of those sections.
OTHER_GROUP = "other"
#: The industry code of a published all-industries total.
ALL_CODE = "ALL"
TREND_YEARS = 5
HORIZON_YEARS = 8
#: Person-years of one extra (new or surviving) firm: a young micro-firm's typical size.
NEW_FIRM_PERSONNEL = 2.0
#: The micro high-growth step (METHODS "High growth"): +3.31 persons over 3 years.
MICRO_GROWTH_GAIN = 3.31
MICRO_GROWTH_PERIOD = 3
#: Observed rates used where the data cannot give them (percent per year / percent of firms).
DEFAULT_RATES = {"birth_rate_pct": 7.0, "survival_rate_pct": 92.0,
                 "micro_growth_share_pct": 2.0, "micro_share_pct": 93.0}

#: Lever specifications: name → (min, max, step, unit label key). Defaults come from :func:`default_levers`.
LEVER_SPECS: dict[str, tuple[float, float, float, str]] = {
    **{f"export_{g}": (-10.0, 15.0, 0.5, "unit_pct_per_year") for g in EXPORT_GROUPS},
    "export_elasticity": (0.0, 1.5, 0.05, "unit_elasticity"),
    "birth_rate_pct": (0.0, 20.0, 0.5, "unit_pct_per_year"),
    "survival_rate_pct": (70.0, 100.0, 0.5, "unit_pct_per_year"),
    "micro_growth_share_pct": (0.0, 20.0, 0.5, "unit_pct_of_micro"),
}
DEFAULT_ELASTICITY = 0.5

INPUT_COLUMNS = ("group", "personnel", "firms", "exports_eur", "turnover_eur", "trend_pct")
MEASURES = ("personnel", "firms", "exports_eur")


def group_of(section: str) -> str | None:
    """The model group of a TOL section letter (``None`` for sections outside the model)."""
    for g, sections in GROUPS.items():
        if section in sections:
            return g
    return None


def default_levers(rates: dict | None = None) -> dict[str, float]:
    """Lever values that reproduce the baseline: no export change, observed rates.

    ``rates`` may hold ``birth_rate_pct``, ``survival_rate_pct`` and
    ``micro_growth_share_pct`` observed in the area (missing ones: :data:`DEFAULT_RATES`).
    Values are rounded to the lever's step so that a slider can show them exactly.
    """
    r = observed_rates(rates)
    out = {f"export_{g}": 0.0 for g in EXPORT_GROUPS}
    out["export_elasticity"] = DEFAULT_ELASTICITY
    for k in ("birth_rate_pct", "survival_rate_pct", "micro_growth_share_pct"):
        lo, hi, step, _ = LEVER_SPECS[k]
        out[k] = min(hi, max(lo, round(r[k] / step) * step))
    return out


def observed_rates(rates: dict | None = None) -> dict[str, float]:
    """:data:`DEFAULT_RATES` updated with the finite values of ``rates``."""
    out = dict(DEFAULT_RATES)
    for k, v in (rates or {}).items():
        if k in out and v is not None and isinstance(v, (int, float)) and math.isfinite(v):
            out[k] = float(v)
    return out


def check_levers(levers: dict) -> dict[str, float]:
    """Validated lever values (every known lever, within its range); unknown names are an error."""
    unknown = set(levers) - set(LEVER_SPECS)
    if unknown:
        raise InputError(f"unknown scenario lever(s) {sorted(unknown)}: expected some of {sorted(LEVER_SPECS)}")
    out = {}
    for k, v in levers.items():
        lo, hi, _, _ = LEVER_SPECS[k]
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"scenario lever {k}={v!r}: expected a number from {lo} to {hi}") from None
        if not (lo <= x <= hi):
            raise InputError(f"scenario lever {k}={v!r}: expected a number from {lo} to {hi}")
        out[k] = x
    return out


def cagr_pct(x0: float, x1: float, years: int) -> float:
    """Compound annual growth in percent (METHODS "Growth"); NaN where ``x0 <= 0`` or ``years <= 0``."""
    if not (x0 > 0) or years <= 0 or not (x1 >= 0):
        return float("nan")
    return ((x1 / x0) ** (1.0 / years) - 1.0) * 100.0


def _sum_visible(values: pd.Series) -> float:
    """Sum of the published (non-missing) values; 0 when none is published."""
    v = values.dropna()
    return float(v.sum()) if len(v) else 0.0


def baseline_inputs(area: pd.DataFrame, reference: pd.DataFrame, last_year: int | None = None,
                    trend_years: int = TREND_YEARS) -> pd.DataFrame:
    """Model inputs per group from section-level yearly totals of the area and its reference.

    Parameters
    ----------
    area, reference
        Frames with ``industry_code`` (TOL section, or ``ALL`` for the published
        area total), ``year``, ``personnel``, ``establishments``, ``exports_eur``,
        ``turnover_eur``. A missing (suppressed) section value is left out of its
        group. Where ``area`` has ``ALL`` rows, the part of the published total
        that no visible section carries forms the group :data:`OTHER_GROUP`
        ("other industries, not shown separately"), so that the groups add up to
        the published total; without ``ALL`` rows missing values count as 0.
    last_year
        The base year ``T`` (default: the last year of ``area``).
    trend_years
        The reference trend is the personnel CAGR of the group over ``T − trend_years … T``
        (shortened to the first year available). The trend of :data:`OTHER_GROUP` is
        the reference's trend over the sections hidden in the area (personnel missing
        in ``T``), or the reference's ``ALL`` trend when no section is hidden.

    Returns
    -------
    DataFrame with :data:`INPUT_COLUMNS`, one row per group present in the area.

    Examples
    --------
    >>> area = pd.DataFrame({"industry_code": ["ALL", "C", "F"], "year": [2023] * 3,
    ...                      "personnel": [100.0, None, 60.0], "establishments": [10.0, None, 6.0],
    ...                      "exports_eur": [0.0, None, 0.0], "turnover_eur": [1.0, None, 1.0]})
    >>> ref = pd.DataFrame({"industry_code": ["C", "C", "F", "F"], "year": [2022, 2023, 2022, 2023],
    ...                     "personnel": [100.0, 110.0, 50.0, 50.0], "establishments": [1.0] * 4,
    ...                     "exports_eur": [0.0] * 4, "turnover_eur": [1.0] * 4})
    >>> got = baseline_inputs(area, ref, trend_years=1).set_index("group")
    >>> float(got.loc["other", "personnel"]), round(float(got.loc["other", "trend_pct"]), 6)
    (40.0, 10.0)
    """
    need = {"industry_code", "year", "personnel", "establishments", "exports_eur", "turnover_eur"}
    for name, df in (("area", area), ("reference", reference)):
        require_columns(df, sorted(need), f"scenario {name} table")
    if area.empty:
        raise InputError("scenario area table is empty: expected yearly section totals")
    t1 = int(last_year if last_year is not None else area["year"].max())
    cols = ["personnel", "establishments", "exports_eur", "turnover_eur"]

    def by_group(df):
        d = df.assign(group=df["industry_code"].map(group_of)).dropna(subset=["group"])
        return d.groupby(["group", "year"], as_index=False)[cols].sum(min_count=0)

    a, r = by_group(area), by_group(reference)
    t0 = max(t1 - trend_years, int(r["year"].min()) if not r.empty else t1)

    def ref_trend(rows):
        trend = cagr_pct(rows[rows["year"] == t0]["personnel"].sum(), rows[rows["year"] == t1]["personnel"].sum(),
                         t1 - t0)
        return float("nan") if math.isnan(trend) else trend

    rows = []
    for g in GROUPS:
        cur = a[(a["group"] == g) & (a["year"] == t1)]
        if cur.empty or not (cur["personnel"].sum() > 0 or cur["establishments"].sum() > 0):
            continue  # a group without published jobs or firms: nothing to project (see inactive_levers)
        trend = ref_trend(r[r["group"] == g])
        rows.append({"group": g, "personnel": float(cur["personnel"].sum()),
                     "firms": float(cur["establishments"].sum()),
                     "exports_eur": float(cur["exports_eur"].fillna(0).sum()),
                     "turnover_eur": float(cur["turnover_eur"].fillna(0).sum()),
                     "trend_pct": 0.0 if math.isnan(trend) else trend})
    total = area[(area["industry_code"] == ALL_CODE) & (area["year"] == t1)]
    if not total.empty:
        sections = area[(area["industry_code"].map(group_of).notna()) & (area["year"] == t1)]
        rest = {}
        for col in cols:
            published = total[col].iloc[0]
            # an unpublished total cannot say how much is hidden: the visible parts stand alone
            rest[col] = 0.0 if pd.isna(published) else max(0.0, float(published) - _sum_visible(sections[col]))
        if rest["personnel"] > 1e-9 or rest["establishments"] > 1e-9:
            hidden = set(sections.loc[sections["personnel"].isna(), "industry_code"])
            ref_t = reference[reference["industry_code"].isin(hidden)] if hidden else reference.iloc[0:0]
            trend = ref_trend(ref_t) if not ref_t.empty else float("nan")
            if math.isnan(trend):
                trend = ref_trend(reference[reference["industry_code"] == ALL_CODE])
            rows.append({"group": OTHER_GROUP, "personnel": rest["personnel"], "firms": rest["establishments"],
                         "exports_eur": rest["exports_eur"], "turnover_eur": rest["turnover_eur"],
                         "trend_pct": 0.0 if math.isnan(trend) else trend})
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def inactive_levers(inputs: pd.DataFrame) -> dict[str, str]:
    """Export levers that cannot act in this area, with the reason.

    An export lever acts on its group's export-dependent jobs: it does nothing where
    the group has no published jobs (``"empty"``: its industries are hidden, so
    they sit in :data:`OTHER_GROUP`) or no published exports (``"no_exports"``).

    Examples
    --------
    >>> inputs = pd.DataFrame({"group": ["construction", "trade_transport"], "personnel": [5.0, 8.0],
    ...                        "firms": [1.0, 2.0], "exports_eur": [0.0, 0.0], "turnover_eur": [1.0, 1.0],
    ...                        "trend_pct": [0.0, 0.0]})
    >>> inactive_levers(inputs)["export_manufacturing"], inactive_levers(inputs)["export_trade_transport"]
    ('empty', 'no_exports')
    """
    out = {}
    by = inputs.set_index("group")
    for g in EXPORT_GROUPS:
        if g not in by.index or not by.loc[g, "personnel"] > 0:
            out[f"export_{g}"] = "empty"
        elif not (by.loc[g, "exports_eur"] > 0 and by.loc[g, "turnover_eur"] > 0):
            out[f"export_{g}"] = "no_exports"
    return out


def project(inputs: pd.DataFrame, levers: dict | None = None, horizon_years: int = HORIZON_YEARS,
            rates: dict | None = None) -> pd.DataFrame:
    """Baseline and scenario at the horizon, per group (formulas in the module docstring).

    Parameters
    ----------
    inputs
        :func:`baseline_inputs` output (columns :data:`INPUT_COLUMNS`).
    levers
        Lever values; missing levers take :func:`default_levers` (``rates``) values.
    horizon_years
        ``n``, years from the base year to the horizon (≥ 1).
    rates
        The area's observed rates (``b0``, ``s0``, ``m0``, ``μ``); see :func:`observed_rates`.

    Returns
    -------
    DataFrame: ``group``, ``<m>_start``, ``<m>_baseline``, ``<m>_scenario`` for ``m`` in
    :data:`MEASURES`, and the job components ``jobs_from_exports``, ``jobs_from_firms``,
    ``jobs_from_micro_growth``. The input frame is not modified.
    """
    missing = set(INPUT_COLUMNS) - set(inputs.columns)
    if missing:
        raise InputError(f"scenario inputs lack columns {sorted(missing)}: expected {list(INPUT_COLUMNS)}")
    n = int(horizon_years)
    if n < 1:
        raise InputError(f"horizon of {horizon_years!r} years: expected at least 1")
    r = observed_rates(rates)
    base = default_levers(r)  # b0, s0, m0 as the sliders show them (rounded to the step)
    lv = base | check_levers(levers or {})
    eps = lv["export_elasticity"]
    d = ((lv["birth_rate_pct"] - base["birth_rate_pct"]) / 100
         + (lv["survival_rate_pct"] - base["survival_rate_pct"]) / 100)
    micro = ((lv["micro_growth_share_pct"] - base["micro_growth_share_pct"]) / 100 * r["micro_share_pct"] / 100
             * MICRO_GROWTH_GAIN * n / MICRO_GROWTH_PERIOD)
    rows = []
    for rec in inputs.to_dict("records"):
        a = (1 + rec["trend_pct"] / 100) ** n
        p_base, f_base, x_base = rec["personnel"] * a, rec["firms"] * a, rec["exports_eur"] * a
        x = lv.get(f"export_{rec['group']}", 0.0) / 100
        intensity = min(1.0, rec["exports_eur"] / rec["turnover_eur"]) if rec["turnover_eur"] > 0 else 0.0
        jobs_exports = p_base * eps * intensity * ((1 + x) ** n - 1)
        f_scn = f_base * (1 + d) ** n
        jobs_firms = (f_scn - f_base) * NEW_FIRM_PERSONNEL
        jobs_micro = micro * f_base
        rows.append({
            "group": rec["group"],
            "personnel_start": rec["personnel"], "personnel_baseline": p_base,
            "personnel_scenario": max(0.0, p_base + jobs_exports + jobs_firms + jobs_micro),
            "firms_start": rec["firms"], "firms_baseline": f_base, "firms_scenario": f_scn,
            "exports_eur_start": rec["exports_eur"], "exports_eur_baseline": x_base,
            "exports_eur_scenario": x_base * (1 + x) ** n,
            "jobs_from_exports": jobs_exports, "jobs_from_firms": jobs_firms, "jobs_from_micro_growth": jobs_micro,
        })
    return pd.DataFrame(rows)


def summarise(result: pd.DataFrame) -> dict[str, float]:
    """Totals over groups: ``<m>_start``, ``<m>_baseline``, ``<m>_scenario`` and ``<m>_diff`` (scenario − baseline)."""
    out = {}
    for m in MEASURES:
        for k in ("start", "baseline", "scenario"):
            out[f"{m}_{k}"] = float(result[f"{m}_{k}"].sum()) if not result.empty else 0.0
        out[f"{m}_diff"] = out[f"{m}_scenario"] - out[f"{m}_baseline"]
    return out
