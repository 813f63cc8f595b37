"""Direct, indirect and total impacts of spatial lag and spatial Durbin models.

In a spatial lag model ``y = ρWy + Xβ + ε`` a coefficient β is not the effect of its variable: a change
in one municipality moves its neighbours' outcome, which feeds back. With ``S(ρ) = (I − ρW)^-1`` the
average impacts are (LeSage & Pace 2009, ch. 2.7; row-standardised W):

- direct ``= β · tr(S)/n + θ · tr(SW)/n`` (the own municipality, feedback included),
- total ``= (β + θ) / (1 − ρ)``, indirect ``= total − direct`` (spill-overs to the others),

with θ the coefficient of the spatially lagged X in a spatial Durbin model (θ = 0 in a lag model).
The traces come from the eigenvalues λ of W: ``tr(S)/n = mean(1/(1 − ρλ))``, ``tr(SW)/n =
mean(λ/(1 − ρλ))``. Their uncertainty is simulated from the estimates' asymptotic normal distribution
(LeSage & Pace 2009, ch. 5.6): percentile intervals and the SD of the draws as standard error. It is the
*total* impact that is comparable with an effect planted per unit of X in every municipality.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils.errors import InputError

IMPACT_COLUMNS = ["term", "direct", "indirect", "total", "estimate", "std_error", "ci_low", "ci_high",
                  "indirect_ci_low", "indirect_ci_high"]


def weight_eigenvalues(w) -> np.ndarray:
    """Real parts of the eigenvalues of the (row-standardised) weights matrix of a libpysal ``W``."""
    full = np.asarray(w.full()[0], float)
    return np.real(np.linalg.eigvals(full))


def lag_impacts(beta, theta, rho, vcov, index, eigenvalues, terms, level: float = 0.95, draws: int = 5000,
                seed: int = 20240917) -> pd.DataFrame:
    """Direct, indirect and total impacts with simulated intervals.

    Parameters
    ----------
    beta, theta : array-like
        Coefficients of X and (spatial Durbin) of WX, one per term; ``theta`` zeros for a lag model.
    rho : float
        Spatial autoregressive parameter.
    vcov : array (p, p)
        Covariance matrix of the model's parameter vector.
    index : dict
        Positions in that vector: ``{"beta": [...], "theta": [...] or None, "rho": int}``.
    eigenvalues : array
        Eigenvalues of W (:func:`weight_eigenvalues`).
    terms : list of str
        Names of the X terms.

    Returns
    -------
    pandas.DataFrame
        :data:`IMPACT_COLUMNS`; ``estimate`` equals ``total`` and ``ci_low``/``ci_high`` are the total's
        interval, so :func:`kasvudata_utils.research.factors.truth_table` compares planted effects with it.

    Examples
    --------
    >>> lam = np.array([1.0, -1.0])               # two areas, each the other's neighbour
    >>> out = lag_impacts([0.2], [0.0], 0.5, np.zeros((2, 2)), {"beta": [0], "theta": None, "rho": 1}, lam, ["x"])
    >>> [round(float(out.loc[0, c]), 6) for c in ("direct", "indirect", "total")]   # 0.2·(2 + 2/3)/2, …, 0.2/0.5
    [0.266667, 0.133333, 0.4]
    """
    if not 0 < level < 1:
        raise InputError(f"confidence level {level!r}: expected a number between 0 and 1")
    lam = np.asarray(eigenvalues, float)
    beta = np.asarray(beta, float).reshape(-1)
    theta = np.zeros_like(beta) if theta is None else np.asarray(theta, float).reshape(-1)

    def impacts(b, t, r):
        r = np.atleast_1d(r)[:, None]
        a = np.mean(1 / (1 - r * lam), axis=1)                     # tr(S)/n per draw
        c = np.mean(lam / (1 - r * lam), axis=1)                   # tr(SW)/n per draw
        direct = b * a[:, None] + t * c[:, None]
        total = (b + t) / (1 - r)
        return direct, total

    d0, t0 = impacts(beta[None, :], theta[None, :], rho)
    mean = np.zeros(len(vcov))
    mean[index["beta"]] = beta
    if index.get("theta") is not None:
        mean[index["theta"]] = theta
    mean[index["rho"]] = rho
    rng = np.random.default_rng(seed)
    sim = rng.multivariate_normal(mean, np.asarray(vcov, float), size=draws, method="eigh")
    sim_rho = np.clip(sim[:, index["rho"]], -0.999, 0.999)         # a draw beyond the unit bound has no inverse
    sim_t = sim[:, index["theta"]] if index.get("theta") is not None else np.zeros((draws, len(beta)))
    ds, ts = impacts(sim[:, index["beta"]], sim_t, sim_rho)
    lo, hi = 50 * (1 - level), 50 * (1 + level)
    out = pd.DataFrame({"term": list(terms), "direct": d0[0], "indirect": t0[0] - d0[0], "total": t0[0]})
    out["estimate"] = out["total"]
    out["std_error"] = ts.std(axis=0, ddof=1)
    out["ci_low"], out["ci_high"] = np.percentile(ts, lo, axis=0), np.percentile(ts, hi, axis=0)
    out["indirect_ci_low"] = np.percentile(ts - ds, lo, axis=0)
    out["indirect_ci_high"] = np.percentile(ts - ds, hi, axis=0)
    return out[IMPACT_COLUMNS]


def coefficient_impacts(coef: pd.DataFrame, terms) -> pd.DataFrame:
    """Impacts of a model without a spatial lag of y (OLS, spatial error): direct = total = β, indirect 0.

    >>> c = pd.DataFrame({"term": ["x"], "estimate": [0.1], "std_error": [0.05], "ci_low": [0.0], "ci_high": [0.2]})
    >>> coefficient_impacts(c, ["x"])[["direct", "indirect", "total"]].values.tolist()
    [[0.1, 0.0, 0.1]]
    """
    c = coef.set_index("term").loc[list(terms)]
    out = pd.DataFrame({"term": list(terms), "direct": c["estimate"].to_numpy(), "indirect": 0.0,
                        "total": c["estimate"].to_numpy()})
    out["estimate"] = out["total"]
    out["std_error"] = c["std_error"].to_numpy()
    out["ci_low"], out["ci_high"] = c["ci_low"].to_numpy(), c["ci_high"].to_numpy()
    out["indirect_ci_low"], out["indirect_ci_high"] = 0.0, 0.0
    return out[IMPACT_COLUMNS]
