"""Tests of kasvudata_utils.research.regression: CR2 cluster-robust errors with Bell–McCaffrey degrees of freedom.

The efficient CR2 (an orthonormal basis per cluster instead of an n_g × n_g matrix square root) is checked
against the definition written out with full matrices, and against cases worked out by hand.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as t_dist

from kasvudata_utils.errors import InputError
from kasvudata_utils.research.regression import cr2_vcov, fit_ols


def _cr2_by_definition(X, e, groups):
    """CR2 and BM degrees of freedom with explicit N × N matrices (Imbens & Kolesár 2016, eq. 11)."""
    n, k = X.shape
    ainv = np.linalg.inv(X.T @ X)
    H = X @ ainv @ X.T
    M = np.eye(n) - H
    labels = list(dict.fromkeys(groups))
    meat = np.zeros((k, k))
    cols = {j: [] for j in range(k)}
    for g in labels:
        idx = np.flatnonzero(np.asarray(groups) == g)
        w, v = np.linalg.eigh(np.eye(len(idx)) - H[np.ix_(idx, idx)])
        A = v @ np.diag(1 / np.sqrt(w)) @ v.T
        s = X[idx].T @ A @ e[idx]
        meat += np.outer(s, s)
        for j in range(k):
            cols[j].append(M[:, idx] @ A @ X[idx] @ ainv[:, j])   # G_g = (I - H)_g' A_g X_g (X'X)^-1 e_j
    V = ainv @ meat @ ainv
    dof = []
    for j in range(k):
        G = np.column_stack(cols[j])
        lam = np.linalg.eigvalsh(G.T @ G)
        dof.append(lam.sum() ** 2 / (lam ** 2).sum())
    return V, np.array(dof)


def test_cr2_equals_its_definition_with_unbalanced_clusters():
    # 5 clusters of sizes 20, 3, 4, 6, 2 (one cluster holds more than half the rows, as Oulu does)
    rng = np.random.default_rng(11)
    sizes = [20, 3, 4, 6, 2]
    groups = np.repeat(np.arange(5), sizes)
    n = len(groups)
    X = np.column_stack([np.ones(n), rng.normal(size=n), np.repeat(rng.normal(size=5), sizes)])
    e = rng.normal(size=n)
    e = e - X @ np.linalg.lstsq(X, e, rcond=None)[0]          # residuals of an OLS fit
    V, dof = cr2_vcov(X, e, groups)
    V_ref, dof_ref = _cr2_by_definition(X, e, groups)
    assert np.allclose(V, V_ref, rtol=1e-8, atol=1e-14)
    assert dof == pytest.approx(dof_ref, rel=1e-8)
    # a cluster-level regressor with one dominant cluster has far fewer degrees of freedom than G - 1 = 4
    assert dof[2] < 4


def test_cr2_of_a_mean_with_balanced_clusters_by_hand():
    # y on a constant, G = 4 clusters of 3: H_gg = J/12, A_g scales the cluster sum by 1/sqrt(1 - 1/4),
    # so V = Σ_g (Σ e_g)² / (N² (1 - 1/G)) and the BM degrees of freedom are exactly G - 1 = 3
    y = np.array([1.0, 2, 3, 2, 2, 2, 5, 6, 4, 0, 1, 2])
    d = pd.DataFrame({"y": y, "g": np.repeat(list("abcd"), 3), "x0": 1.0})
    e = y - y.mean()                                            # mean 2.5
    sums = [e[i:i + 3].sum() for i in range(0, 12, 3)]          # -1.5, -1.5, 7.5, -4.5
    assert sums == pytest.approx([-1.5, -1.5, 7.5, -4.5])
    V, dof = cr2_vcov(np.ones((12, 1)), e, d["g"])
    assert V[0, 0] == pytest.approx((2.25 + 2.25 + 56.25 + 20.25) / (144 * 0.75))
    assert dof[0] == pytest.approx(3.0)


def test_fit_ols_cr2_interval_and_p_value_from_the_same_t_distribution():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(8), [30, 5, 5, 4, 6, 3, 3, 4])
    x = np.repeat(rng.normal(size=8), [30, 5, 5, 4, 6, 3, 3, 4])
    d = pd.DataFrame({"y": 0.5 * x + rng.normal(size=len(x)), "x": x, "m": groups})
    out = fit_ols(d, "y", ["x"], cluster="m").set_index("term")
    dof = out.attrs["df"]["x"]
    r = out.loc["x"]
    q = t_dist.ppf(0.975, dof)
    assert r["ci_high"] - r["estimate"] == pytest.approx(q * r["std_error"])
    assert r["p_value"] == pytest.approx(2 * t_dist.sf(abs(r["estimate"] / r["std_error"]), dof))
    # the interval excludes 0 exactly when p < 0.05 (same distribution)
    assert (r["ci_low"] > 0 or r["ci_high"] < 0) == (r["p_value"] < 0.05)
    assert out.attrs["n_clusters"] == 8 and out.attrs["cluster_method"] == "CR2"
    V, dofs = cr2_vcov(np.column_stack([np.ones(len(x)), x]), d["y"] - np.poly1d(np.polyfit(x, d["y"], 1))(x),
                       groups)
    assert r["std_error"] == pytest.approx(np.sqrt(V[1, 1]))
    assert dof == pytest.approx(dofs[1])


def test_fit_ols_cr1_keeps_g_minus_1_and_statsmodels_errors():
    from statsmodels.regression.linear_model import OLS

    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(6), 5)
    d = pd.DataFrame({"x": rng.normal(size=30), "m": groups})
    d["y"] = 1 + d["x"] + rng.normal(size=30)
    out = fit_ols(d, "y", ["x"], cluster="m", cluster_method="CR1").set_index("term")
    ref = OLS(d["y"].to_numpy(), np.column_stack([np.ones(30), d["x"]])).fit(
        cov_type="cluster", cov_kwds={"groups": groups})
    assert out.loc["x", "std_error"] == pytest.approx(ref.bse[1])
    assert out.attrs["df"]["x"] == 5.0
    with pytest.raises(InputError, match="'CR3'"):
        fit_ols(d, "y", ["x"], cluster="m", cluster_method="CR3")
    with pytest.raises(InputError, match="1 cluster"):
        fit_ols(d.assign(m=0), "y", ["x"], cluster="m")
