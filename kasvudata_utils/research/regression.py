"""Ordinary least squares with robust or cluster-robust errors: the regression all research modules share.

:func:`fit_ols` returns one tidy frame per model (:data:`COEF_COLUMNS`); the growth-factor models
(:mod:`kasvudata_utils.research.factors`) and convergence (:mod:`kasvudata_utils.research.convergence`)
both use it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils.errors import InputError, require_columns

COEF_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "model"]


def z_quantile(level: float) -> float:
    """The standard-normal quantile that gives a two-sided interval of coverage ``level``.

    Parameters
    ----------
    level
        Confidence level strictly between 0 and 1, e.g. 0.95.

    Returns
    -------
    float
        ``z`` with ``P(-z < Z < z) = level``; bad ``level`` raises :class:`InputError`.

    Examples
    --------
    >>> round(z_quantile(0.95), 3)
    1.96
    """
    from scipy.stats import norm

    if not 0 < level < 1:
        raise InputError(f"confidence level {level!r}: expected a number between 0 and 1, e.g. 0.95")
    return float(norm.ppf(0.5 + level / 2))


def coef_frame(terms, est, se, p, level, model) -> pd.DataFrame:
    """Estimates, standard errors and p-values as one tidy frame with normal-quantile intervals at ``level``."""
    z = z_quantile(level)
    est, se = np.asarray(est, float).reshape(-1), np.asarray(se, float).reshape(-1)
    return pd.DataFrame({"term": list(terms), "estimate": est, "std_error": se, "ci_low": est - z * se,
                         "ci_high": est + z * se, "p_value": np.asarray(p, float).reshape(-1), "model": model})


def design(df, y, x):
    """The complete rows of ``y`` and ``x`` and their mask; bad input (missing columns, too few rows) is one line."""
    require_columns(df, [y, *x], "data")
    if not x:
        raise InputError("no explanatory variables given: expected a list of column names")
    sub = df[[y, *x]].astype(float)
    bad = ~np.isfinite(sub.to_numpy()).all(axis=1)
    if bad.any():
        sub = sub[~bad]
    if len(sub) <= len(x) + 1:
        raise InputError(f"{len(sub)} complete rows for {len(x)} variables: expected more rows than variables")
    return sub, ~bad


def fit_ols(df: pd.DataFrame, y: str, x: list[str], cov: str = "HC3", cluster: str | None = None,
            level: float = 0.95) -> pd.DataFrame:
    """OLS of ``y`` on ``x`` (plus a constant) with robust standard errors.

    ``cov`` is a statsmodels covariance type (``HC3`` by default; ``HC1`` is
    White's with a small-sample factor). With ``cluster`` (a column name) the
    errors are cluster-robust by that column, e.g. by municipality for firms.
    Intervals use the normal quantile at ``level``; the p-values are the
    model's own (t for OLS). Rows with missing values are left out;
    ``attrs["nobs"]`` and ``attrs["r2"]`` describe the fit.

    Examples
    --------
    >>> d = pd.DataFrame({"x": [0.0, 1, 2, 3, 4, 5], "y": [1.0, 3, 5, 7, 9, 11.5]})
    >>> fit_ols(d, "y", ["x"]).set_index("term").loc["x", "estimate"].round(3)
    np.float64(2.071)
    """
    # the modules themselves, not statsmodels.api: that imports every submodule and takes seconds
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    sub, mask = design(df, y, x)
    X = add_constant(sub[x], has_constant="add")
    model = OLS(sub[y], X)
    if cluster is not None:
        require_columns(df, [cluster], "data")
        groups = pd.factorize(df.loc[mask, cluster])[0]
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        res = model.fit(cov_type=cov)
    out = coef_frame(res.params.index, res.params, res.bse, res.pvalues, level,
                      "OLS" + (f" (cluster: {cluster})" if cluster else f" ({cov})"))
    if cluster is not None:
        # few clusters (30 municipalities): t quantile with G - 1 degrees of freedom, not the
        # normal one (Cameron & Miller 2015, "A practitioner's guide to cluster-robust inference")
        from scipy.stats import t as t_dist

        q = float(t_dist.ppf(0.5 + level / 2, groups.max()))
        out["ci_low"] = out["estimate"] - q * out["std_error"]
        out["ci_high"] = out["estimate"] + q * out["std_error"]
    out.attrs.update(nobs=int(res.nobs), r2=float(res.rsquared))
    return out
