"""Growth over a period (METHODS.md "Growth").

growth_pct = (x1 / x0 − 1) × 100 and cagr_pct = ((x1 / x0)^(1/(t1 − t0)) − 1) × 100,
undefined (NaN, never 0 or inf) where x0 = 0 or a value is unknown.

>>> float(growth_pct(100.0, 150.0)), round(float(cagr_pct(100.0, 121.0, 2)), 9)
(50.0, 10.0)
>>> import numpy as np; bool(np.isnan(growth_pct(0.0, 5.0)))
True
"""
from __future__ import annotations

import numpy as np

#: The default period of every change figure (issue 13: one definition, one default period): the
#: area reports, the index and the area explorer open on it; the report notebooks' parameters
#: cells repeat it as literals (papermill needs literals there).
DEFAULT_START_YEAR, DEFAULT_END_YEAR = 2018, 2023


def growth_pct(x0, x1):
    """Percentage change from ``x0`` to ``x1``; NaN where ``x0`` is 0 or NaN."""
    x0 = np.asarray(x0, dtype=np.float64)
    x1 = np.asarray(x1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x0 > 0, (x1 / np.where(x0 > 0, x0, 1.0) - 1.0) * 100.0, np.nan)


def cagr_pct(x0, x1, years):
    """Compound annual growth rate in percent over ``years`` (> 0); NaN where ``x0`` is 0 or NaN."""
    if np.any(np.asarray(years) <= 0):
        raise ValueError(f"cagr over {years} years: expected a positive number of years")
    x0 = np.asarray(x0, dtype=np.float64)
    x1 = np.asarray(x1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(x0 > 0, x1 / np.where(x0 > 0, x0, 1.0), np.nan)
        return (np.power(ratio, 1.0 / np.asarray(years, dtype=np.float64)) - 1.0) * 100.0
