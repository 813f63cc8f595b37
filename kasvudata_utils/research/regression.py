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


def cr2_vcov(X, resid, groups) -> tuple[np.ndarray, np.ndarray]:
    """CR2 cluster-robust covariance and Bell–McCaffrey degrees of freedom for each coefficient.

    CR2 (Bell & McCaffrey 2002) scales each cluster's residuals by
    ``A_g = (I - H_gg)^(-1/2)``, ``H_gg = X_g (X'X)^-1 X_g'``, which undoes the
    shrinkage of residuals in high-leverage clusters (one municipality holding
    half of the firm-years). The degrees of freedom of coefficient j are
    ``(Σ λ)^2 / Σ λ^2`` over the eigenvalues λ of ``G'G`` with
    ``G_g = (I - H)_g' A_g X_g (X'X)^-1 e_j`` (Imbens & Kolesár 2016, eq. 11,
    homoskedastic working model); with few or unbalanced clusters they fall
    well below G − 1, which widens the interval where it should.

    ``A_g`` is built from an orthonormal basis of ``X_g``'s columns (``H_gg`` has rank ≤ k), so a
    cluster of 10,000 rows costs a k × k eigen-decomposition, not an
    n_g × n_g one. Eigenvalues of ``H_gg`` equal to 1 (a cluster fitted
    exactly) get a generalised inverse, as in Pustejovsky & Tipton (2018).

    Parameters
    ----------
    X : array (n, k)
        The design, constant included.
    resid : array (n,)
        OLS residuals.
    groups : array (n,)
        Cluster labels.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The k × k covariance matrix and the k degrees of freedom.

    Examples
    --------
    >>> X = np.ones((6, 1)); e = np.array([1.0, -1, 2, 0, -3, 1])   # the mean, 3 clusters of 2
    >>> V, df = cr2_vcov(X, e, [0, 0, 1, 1, 2, 2])
    >>> round(float(V[0, 0] * 36 * (1 - 1 / 3)), 9), round(float(df[0]), 9)  # Σ (Σ e_g)² = 0 + 4 + 4; G − 1
    (8.0, 2.0)
    """
    X = np.asarray(X, float)
    e = np.asarray(resid, float).reshape(-1)
    codes = pd.factorize(pd.Series(np.asarray(groups)))[0]
    n, k = X.shape
    ainv = np.linalg.pinv(X.T @ X)
    meat = np.zeros((k, k))
    diag, bmat = [], []        # per cluster: ‖A_g X_g (X'X)^-1 e_j‖² and X_g' A_g X_g (X'X)^-1
    for g in range(codes.max() + 1):
        xg = X[codes == g]
        # an orthonormal basis of X_g's columns from its k × k Gram matrix (cheaper than a QR of X_g)
        s2, u = np.linalg.eigh(xg.T @ xg)
        keep = s2 > s2.max() * 1e-12
        r = np.sqrt(s2[keep])[:, None] * u[:, keep].T          # X_g = q r with q = X_g u / sqrt(s2)
        q = xg @ (u[:, keep] / np.sqrt(s2[keep]))
        lam, vec = np.linalg.eigh(r @ ainv @ r.T)
        lam = np.clip(lam, 0.0, 1.0)
        d = np.where(1 - lam > 1e-10, 1 / np.sqrt(np.maximum(1 - lam, 1e-300)), 0.0) - 1
        qv = q @ vec

        def a_times(v, qv=qv, d=d):  # A_g v = v + Q V diag(d) V'Q' v
            return v + qv @ (d[:, None] * (qv.T @ v)) if v.ndim == 2 else v + qv @ (d * (qv.T @ v))

        s = xg.T @ a_times(e[codes == g])
        meat += np.outer(s, s)
        m = a_times(xg @ ainv)
        diag.append((m ** 2).sum(axis=0))
        bmat.append(xg.T @ m)
    vcov = ainv @ meat @ ainv
    diag = np.array(diag)                                   # G × k
    dof = np.empty(k)
    for j in range(k):
        b = np.array([bm[:, j] for bm in bmat])             # G × k: b_g = X_g' a_g
        omega = np.diag(diag[:, j]) - b @ ainv @ b.T        # G_g' G_h = δ_gh a_g'a_g − b_g' (X'X)^-1 b_h
        ss = float((omega ** 2).sum())
        dof[j] = np.trace(omega) ** 2 / ss if ss > 0 else np.nan
    return vcov, dof


def cr1_vcov(X, resid, groups) -> np.ndarray:
    """CR1 cluster-robust covariance (Stata's and statsmodels' default small-sample factor).

    ``V = G/(G−1) · (n−1)/(n−k) · (X'X)^-1 Σ_g X_g'e_g e_g'X_g (X'X)^-1``.

    Examples
    --------
    >>> V = cr1_vcov(np.ones((4, 1)), np.array([1.0, 1, -1, -1]), [0, 0, 1, 1])
    >>> float(V[0, 0])                      # 2/1 · 3/3 · (4 + 4) / 16
    1.0
    """
    X = np.asarray(X, float)
    e = np.asarray(resid, float).reshape(-1)
    codes = pd.factorize(pd.Series(np.asarray(groups)))[0]
    n, k = X.shape
    n_groups = codes.max() + 1
    scores = np.zeros((n_groups, k))
    np.add.at(scores, codes, X * e[:, None])
    ainv = np.linalg.pinv(X.T @ X)
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    return factor * ainv @ (scores.T @ scores) @ ainv


def fit_ols(df: pd.DataFrame, y: str, x: list[str], cov: str = "HC3", cluster: str | None = None,
            level: float = 0.95, cluster_method: str = "CR2") -> pd.DataFrame:
    """OLS of ``y`` on ``x`` (plus a constant) with robust standard errors.

    ``cov`` is a statsmodels covariance type (``HC3`` by default; ``HC1`` is
    White's with a small-sample factor). With ``cluster`` (a column name) the
    errors are cluster-robust by that column, e.g. by municipality for firms:
    ``cluster_method="CR2"`` (default) is the bias-reduced CR2 estimator with
    Bell–McCaffrey degrees of freedom per coefficient (:func:`cr2_vcov`),
    ``"CR1"`` the Stata-style estimator with G − 1 degrees of freedom.
    Without clusters the intervals use the normal quantile at ``level`` and
    the p-values are the model's own; with clusters intervals and p-values
    come from the same t distribution, whose degrees of freedom are in
    ``attrs["df"]`` (a dict by term). Rows with missing values are left out;
    ``attrs["nobs"]``, ``attrs["r2"]`` and ``attrs["n_clusters"]`` describe the fit.

    Examples
    --------
    >>> d = pd.DataFrame({"x": [0.0, 1, 2, 3, 4, 5], "y": [1.0, 3, 5, 7, 9, 11.5]})
    >>> fit_ols(d, "y", ["x"]).set_index("term").loc["x", "estimate"].round(3)
    np.float64(2.071)
    """
    # the modules themselves, not statsmodels.api: that imports every submodule and takes seconds
    from scipy.stats import t as t_dist
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    if cluster_method not in ("CR2", "CR1"):
        raise InputError(f"cluster method {cluster_method!r}: expected 'CR2' or 'CR1'")
    sub, mask = design(df, y, x)
    X = add_constant(sub[x], has_constant="add")
    if cluster is None:
        res = OLS(sub[y], X).fit(cov_type=cov)
        out = coef_frame(res.params.index, res.params, res.bse, res.pvalues, level, f"OLS ({cov})")
        out.attrs.update(nobs=int(res.nobs), r2=float(res.rsquared))
        return out
    require_columns(df, [cluster], "data")
    groups = pd.factorize(df.loc[mask, cluster])[0]
    n_groups = int(groups.max()) + 1
    if n_groups < 2:
        raise InputError(f"{n_groups} cluster in column {cluster!r}: expected at least 2 clusters")
    # plain numpy: with tens of thousands of firm-years statsmodels' SVD-based fit is the slow part
    xm, yv = X.to_numpy(float), sub[y].to_numpy(float)
    est = np.linalg.pinv(xm.T @ xm) @ (xm.T @ yv)     # normal equations: k is small, n is large
    resid = yv - xm @ est
    if cluster_method == "CR1":
        vcov, dof = cr1_vcov(xm, resid, groups), np.full(len(est), float(n_groups - 1))
    else:
        vcov, dof = cr2_vcov(xm, resid, groups)
    se = np.sqrt(np.diag(vcov))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * t_dist.sf(np.abs(est / se), dof)
    q = t_dist.ppf(0.5 + level / 2, dof)
    out = coef_frame(X.columns, est, se, p, level, f"OLS (cluster {cluster_method}: {cluster})")
    out["ci_low"], out["ci_high"] = est - q * se, est + q * se
    out.attrs.update(nobs=len(yv), r2=float(1 - resid @ resid / ((yv - yv.mean()) @ (yv - yv.mean()))),
                     n_clusters=n_groups, df=dict(zip(X.columns, dof.tolist(), strict=True)),
                     cluster_method=cluster_method)
    return out
