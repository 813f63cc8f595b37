"""Convergence of personnel per capita between municipalities (β and σ).

β-convergence: do municipalities with a low initial level grow faster? σ-convergence: is the
spread between municipalities shrinking? (Barro & Sala-i-Martin 1992, "Convergence", Journal of
Political Economy 100(2); Young, Higgins & Levy 2008, "Sigma convergence versus beta
convergence", JMCB 40(5).) Re-exported by :mod:`kasvudata_utils.research.factors`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError, require_columns
from kasvudata_utils.research.regression import fit_ols


def beta_convergence(df: pd.DataFrame, start_col: str = "personnel_per_capita_start",
                     end_col: str = "personnel_per_capita_end", years: int | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """β-convergence: whether municipalities with low initial levels catch up.

    Regresses the annualised log growth ``ln(x_end / x_start) / T`` on
    ``ln(x_start)`` (robust HC3 errors). A negative slope b means
    convergence; the implied speed is ``λ = -ln(1 + b T) / T`` per year and
    the half-life ``ln 2 / λ`` years (Barro & Sala-i-Martin 1992).

    Returns the coefficient table with ``attrs`` ``speed_pa`` and
    ``half_life_years`` (NaN where there is no convergence).

    Examples
    --------
    >>> d = pd.DataFrame({"a": [0.1, 0.2, 0.4, 0.8], "b": [0.2, 0.3, 0.5, 0.8]})
    >>> beta_convergence(d, "a", "b", years=10).set_index("term").loc["log_initial", "estimate"] < 0
    np.True_
    """
    require_columns(df, [start_col, end_col], "data")
    if years is None:
        years = int(df["period_years"].iloc[0]) if "period_years" in df.columns and len(df) else 0
    if years <= 0:
        raise InputError(f"convergence period of {years} years: expected a positive number (give years=)")
    d = df[[start_col, end_col]].astype(float)
    d = d[(d[start_col] > 0) & (d[end_col] > 0)]
    d = pd.DataFrame({"log_initial": np.log(d[start_col]),
                      "log_growth_pa": np.log(d[end_col] / d[start_col]) / years})
    out = fit_ols(d, "log_growth_pa", ["log_initial"], level=level)
    b = float(out.set_index("term").loc["log_initial", "estimate"])
    speed = -np.log(1 + b * years) / years if (b < 0 and 1 + b * years > 0) else np.nan
    out.attrs.update(speed_pa=float(speed), half_life_years=float(np.log(2) / speed) if speed > 0 else np.nan,
                     years=years)
    out["model"] = "beta convergence (OLS, HC3)"
    return out


def sigma_convergence(values: pd.DataFrame, value: str = "personnel_per_capita", level: float = 0.95):
    """σ-convergence: whether the spread of log ``value`` between municipalities is shrinking.

    Parameters
    ----------
    values : pandas.DataFrame
        ``municipality_code, year, <value>`` (positive values).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Per year ``year, sigma_log, n`` (standard deviation of the log,
        ddof=1), and the trend of ``sigma_log`` on year (OLS, HC3) as a
        coefficient table; a negative ``year`` slope whose interval lies
        below 0 is σ-convergence.

    Examples
    --------
    >>> v = pd.DataFrame({"municipality_code": ["a", "b"] * 3, "year": [1, 1, 2, 2, 3, 3],
    ...                   "personnel_per_capita": [1.0, np.e ** 2, 1.0, np.e, 1.0, np.e ** 0.5]})
    >>> sigma_convergence(v)[0]["sigma_log"].round(4).tolist()   # |ln a - ln b| / sqrt(2)
    [1.4142, 0.7071, 0.3536]
    """
    require_columns(values, ["municipality_code", "year", value], "values")
    v = values[values[value] > 0]
    per_year = (v.assign(_log=np.log(v[value].astype(float))).groupby("year")["_log"]
                .agg(sigma_log="std", n="count").reset_index())
    per_year["year"] = per_year["year"].astype(int)
    if len(per_year) < 3:
        raise InputError(f"{len(per_year)} years of {value}: expected at least 3 for a trend")
    trend = fit_ols(per_year, "sigma_log", ["year"], level=level)
    trend["model"] = "sigma convergence trend (OLS, HC3)"
    return per_year, trend


def personnel_per_capita_panel(business_table: pd.DataFrame, population: pd.DataFrame,
                               within: str = "SSS", mainland_only: bool = True) -> pd.DataFrame:
    """``municipality_code, year, personnel, population, personnel_per_capita`` for every year."""
    require_columns(business_table, ["area_code", "industry_code", "year", "personnel"], "business_table")
    bt = business_table[business_table["area_code"].astype(str).str.startswith("KU")]
    if (bt["industry_code"] == "ALL").any():
        bt = bt[bt["industry_code"] == "ALL"]
    p = (bt.groupby(["area_code", "year"], as_index=False)["personnel"].sum()
         .rename(columns={"area_code": "municipality_code"}))
    p = p.merge(population[["municipality_code", "year", "population"]], on=["municipality_code", "year"],
                how="inner")
    keep = set(areas.municipalities(within))
    if mainland_only:
        keep -= set(areas.municipalities("MK21"))
    p = p[p["municipality_code"].isin(keep) & (p["population"] > 0)].copy()
    p["personnel_per_capita"] = p["personnel"] / p["population"]
    return p.reset_index(drop=True)
