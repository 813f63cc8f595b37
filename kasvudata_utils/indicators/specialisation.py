"""Specialisation: location quotients, Krugman and Herfindahl indices (METHODS.md).

s_i = e_i / e (the area's industry shares), S_i = E_i / E (the reference's).

* location quotient LQ_i = s_i / S_i;
* Krugman dissimilarity K = Σ_i |s_i − S_i| (0 … 2);
* Herfindahl H = Σ_i s_i², normalised (H − 1/N) / (1 − 1/N).

>>> float(location_quotient(20, 100, 50, 1000))
4.0
>>> krugman_index([0.5, 0.5], [0.25, 0.75]), herfindahl_index([0.5, 0.5])
(0.5, 0.5)
"""
from __future__ import annotations

import numpy as np


def location_quotient(e_i, e, E_i, E):
    """(e_i / e) / (E_i / E); NaN where a denominator is 0."""
    e_i, e, E_i, E = (np.asarray(x, dtype=np.float64) for x in (e_i, e, E_i, E))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(e > 0, e_i / np.where(e > 0, e, 1.0), np.nan)
        S = np.where(E > 0, E_i / np.where(E > 0, E, 1.0), np.nan)
        return np.where(S > 0, s / np.where(S > 0, S, 1.0), np.nan)


def krugman_index(s, S) -> float:
    """Σ |s_i − S_i| over industries (shares aligned; 0 = same structure, 2 = disjoint)."""
    return float(np.abs(np.asarray(s, dtype=np.float64) - np.asarray(S, dtype=np.float64)).sum())


def herfindahl_index(s) -> float:
    """Σ s_i² of the area's industry shares."""
    return float(np.square(np.asarray(s, dtype=np.float64)).sum())


def herfindahl_normalised(s) -> float:
    """(H − 1/N) / (1 − 1/N) over the N industries given; NaN for N ≤ 1."""
    s = np.asarray(s, dtype=np.float64)
    n = len(s)
    if n <= 1:
        return float("nan")
    return float((herfindahl_index(s) - 1.0 / n) / (1.0 - 1.0 / n))
