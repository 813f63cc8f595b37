"""The firm-level model behind the synthetic panel: parameters and the vectorised simulation.

One firm = one establishment. Every firm of Finland's business sections is simulated year by year
(2013–2023) with numpy arrays — the only Python loop runs over the 11 years — so the national
panel (~350,000 firms a year) takes seconds. The growth equation, the demography and the support
selection are written out by :func:`.synthetic_truth.describe` into ``planted_truth.json``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kasvudata_utils import industries
from kasvudata_utils.data.synthetic_inputs import CALIBRATION_YEAR, YEARS, Inputs

# Planted effect sizes (log points of annual personnel growth); ``generate(effects=...)`` overrides.
DEFAULT_EFFECTS = {
    "support": 0.04,       # per year in each of t+1, t+2, t+3 after support in year t (0.12 in all)
    "distance": -0.010,    # per 100 km from the regional centre (MK17: Oulu)
    "broadband": 0.006,    # per 10 percentage points of broadband coverage (above 80 %)
    "rd": 0.010,           # per EUR 1,000 of R&D spending per capita
    "population": 0.5,     # elasticity on the municipality's log population change in the same year
}
BROADBAND_CENTRE = 80.0

# Common year effect μ_t on firms' log personnel growth (t−1 → t): a flat mid-2010s, growth in
# 2017–2019, the 2020 dip and the 2021–2022 recovery, roughly as in Finland's business sector.
YEAR_EFFECT = {2014: -0.011, 2015: -0.011, 2016: -0.006, 2017: 0.004, 2018: 0.009, 2019: -0.001,
               2020: -0.036, 2021: 0.009, 2022: 0.004, 2023: -0.021}

# Per section: mean size of the 2013 stock (persons), turnover per person-year (EUR, 2013),
# section trend a_s (log points a year), goods share of exports, mean export intensity of an
# exporter, export propensity shift, support propensity multiplier.
SECTION = {
    #      size  turnover/py trend  goods  intens prop  support
    "B": (4.8, 200_000, -0.010, 0.95, 0.30, 0.8, 1.0),
    "C": (12.0, 250_000, 0.000, 0.95, 0.35, 1.4, 2.5),
    "D": (4.8, 700_000, 0.000, 0.90, 0.10, -0.5, 0.5),
    "E": (6.0, 200_000, 0.005, 0.80, 0.10, -0.5, 0.7),
    "F": (3.0, 150_000, 0.005, 0.50, 0.05, -1.5, 0.6),
    "G": (4.2, 330_000, -0.005, 0.90, 0.15, 0.3, 0.5),
    "H": (4.8, 150_000, 0.000, 0.30, 0.20, 0.0, 0.7),
    "I": (5.5, 70_000, 0.010, 0.10, 0.10, -1.5, 1.2),
    "J": (6.4, 150_000, 0.030, 0.10, 0.25, 0.8, 2.0),
    "L": (0.9, 250_000, 0.005, 0.10, 0.05, -2.5, 0.2),
    "M": (2.8, 110_000, 0.020, 0.15, 0.20, 0.2, 1.5),
    "N": (7.8, 70_000, 0.020, 0.20, 0.10, -0.8, 0.8),
    "R": (3.7, 80_000, 0.005, 0.20, 0.05, -1.5, 0.8),
    "S": (2.9, 60_000, 0.000, 0.30, 0.05, -2.0, 0.5),
}
SIZE_SCALE = 0.99           # scales the section mean sizes to ~350,000 firms a year in Finland
STOCK_SIZE_SD = 1.8          # sd of log size in the 2013 stock
NEWBORN_LOG_MEAN, NEWBORN_LOG_SD = -0.3, 0.8
BIRTH_RATE = 0.093           # births in t per firm active in t−1 …
BIRTH_POP_ELASTICITY = 3.0   # … times exp(3 × log population change of the municipality)
HAZARD_BY_AGE = (0.18, 0.13, 0.13, 0.13, 0.13, 0.052)  # age 0, 1–4, 5+ (exit after the year)
HAZARD_SIZE = ((0.5, 1.3), (2.0, 1.0), (10.0, 0.8), (50.0, 0.5), (np.inf, 0.25))
SUPPORT_BASE = 0.012         # yearly probability of a first support grant before multipliers
SUPPORT_YEARS = tuple(range(2013, 2023))
SUPPORT_SIZE = ((1.0, 0.6), (10.0, 1.0), (50.0, 1.5), (250.0, 1.2), (np.inf, 0.3))
EXPORTERS_MK17_2022 = 900    # ~907 exporting establishments (Finnish Customs, 2022)
MAX_EXPORT_SHARE = 0.95     # exports / turnover of one firm at most
PRICE_GROWTH = 0.02          # nominal turnover drift a year


TAIL_P, TAIL_SCALE = 0.08, 2.5


def sigma_of(size: np.ndarray) -> np.ndarray:
    """Standard deviation of the idiosyncratic yearly log growth shock by firm size (persons)."""
    return np.clip(0.33 - 0.10 * np.log(np.maximum(size, 1e-3)), 0.095, 0.40)


def _step(table, x):
    """Piecewise-constant lookup: ``table`` is ((upper bound, value), …)."""
    bounds = np.array([b for b, _ in table])
    values = np.array([v for _, v in table])
    return values[np.searchsorted(bounds, x, side="right").clip(max=len(values) - 1)]


@dataclass
class Simulation:
    """Firm attributes (index = firm) and the year × firm personnel matrix (NaN = not active)."""

    muni: np.ndarray
    sec: np.ndarray
    div: np.ndarray
    founded: np.ndarray
    personnel: np.ndarray    # (n_firms, n_years), rounded to 0.01
    support: np.ndarray      # (n_firms, n_years) EUR, 0 where none
    turnover: np.ndarray
    goods: np.ndarray
    services: np.ndarray
    divisions: list          # division code per ``div`` index
    cell_factor: np.ndarray  # 2017 calibration factor per (muni, section)


def _municipality_term(inp: Inputs, factors, eff: dict) -> np.ndarray:
    """G[m, t]: the municipality part of firm growth in year t (written out in :func:`.synthetic_truth.describe`)."""
    bb = factors["broadband_pct"].to_numpy(dtype=float)
    rd = factors["rd_eur_per_capita"].to_numpy(dtype=float)
    static = (eff["distance"] * inp.distance_km / 100 + eff["broadband"] * (bb - BROADBAND_CENTRE) / 10
              + eff["rd"] * rd / 1000)
    return (static - static_centre(inp, static))[:, None] + eff["population"] * inp.pop_growth


def static_centre(inp: Inputs, static: np.ndarray) -> float:
    """The MK17 workplace-weighted mean of the static municipality term.

    It is subtracted (a constant, absorbed by μ) so that the factor draws do not move MK17's overall
    growth and HGE share.
    """
    w = inp.workplaces.sum(axis=1) * (inp.region == "MK17")
    return float((static * w).sum() / w.sum())


def simulate(inp: Inputs, factors, rng: np.random.Generator, fraction: float, eff: dict) -> Simulation:
    """Run the model for all municipalities (vectorised over firms, a loop over years)."""
    secs = inp.sections
    n_m, n_s, n_y = len(inp.munis), len(secs), len(YEARS)
    size_mean = SIZE_SCALE * np.array([SECTION[s][0] for s in secs])
    trend = np.array([SECTION[s][2] for s in secs])
    mu = np.array([0.0] + [YEAR_EFFECT[y] for y in YEARS[1:]])
    G = _municipality_term(inp, factors, eff)

    # divisions inside a section: national weights (Dirichlet, fixed by the seed)
    divisions: list[str] = []
    div_start: list[int] = []
    div_weights: list[np.ndarray] = []
    for s in secs:
        d = industries.divisions(s)
        div_start.append(len(divisions))
        divisions += d
        div_weights.append(rng.dirichlet(np.ones(len(d))))

    def pick_division(sec_idx):
        out = np.empty(len(sec_idx), dtype=np.int16)
        u = rng.random(len(sec_idx))
        for k in range(n_s):  # loop over 14 sections, vectorised over firms
            sel = sec_idx == k
            cw = np.cumsum(div_weights[k])
            out[sel] = div_start[k] + np.searchsorted(cw / cw[-1], u[sel], side="right").clip(
                max=len(cw) - 1)
        return out

    # ---- the 2013 stock: cell targets back-cast from 2017 with the model's expected growth
    back = np.exp(-(mu[1:5].sum() + 4 * trend[None, :] + G[:, 1:5].sum(axis=1)[:, None]))
    target13 = inp.workplaces * fraction * back
    n_cell = np.where(inp.workplaces > 0, np.maximum(1, np.rint(target13 / size_mean[None, :])), 0)
    n_cell = n_cell.astype(np.int64).ravel()
    cell = np.repeat(np.arange(n_m * n_s), n_cell)
    muni, sec = (cell // n_s).astype(np.int32), (cell % n_s).astype(np.int8)
    log_size = rng.normal(np.log(size_mean[sec]) - STOCK_SIZE_SD ** 2 / 2, STOCK_SIZE_SD)
    size = np.exp(log_size)
    cell_sum = np.bincount(cell, weights=size, minlength=n_m * n_s)
    size *= target13.ravel()[cell] / cell_sum[cell]
    # the largest firm of each cell never exits, so every cell with real workplaces keeps a firm
    order = np.lexsort((-size, cell))
    anchor = np.zeros(len(cell), dtype=bool)
    first = np.r_[True, cell[order][1:] != cell[order][:-1]]
    anchor[order[first]] = True
    ages = np.arange(61)
    hz = np.array([HAZARD_BY_AGE[min(int(a), 5)] for a in ages])
    p_age = np.r_[1.0, np.cumprod(1 - hz)[:-1]]
    founded = (YEARS[0] - rng.choice(ages, size=len(cell), p=p_age / p_age.sum())).astype(np.int16)
    div = pick_division(sec)

    log_l = np.log(size)
    log_l_entry = log_l.copy()
    alive = np.ones(len(cell), dtype=bool)
    sup_year = np.zeros(len(cell), dtype=np.int16)
    hist_l, hist_sup = [], []

    def support_step(year, log_l_entry, alive, sup_year, founded, sec):
        # selection uses fixed firm characteristics (size class when the firm entered the panel,
        # section) and age, which does not enter growth: no selection on past or future shocks
        size_before = np.exp(log_l_entry)
        p = (SUPPORT_BASE * _step(SUPPORT_SIZE, size_before)
             * np.array([SECTION[s][6] for s in secs])[sec]
             * np.where(year - founded <= 5, 1.5, 1.0))
        got = alive & (sup_year == 0) & (rng.random(len(p)) < p)
        eur = np.where(got, np.round(np.exp(rng.normal(np.log(15_000) + 0.3 * np.log1p(size_before), 0.7)),
                                     -2), 0.0)
        return np.where(got, year, sup_year).astype(np.int16), eur

    for j, year in enumerate(YEARS):
        if j > 0:
            prev_alive = alive.copy()
            # exits at the end of t−1 depend on age and size in t−1 (observables), not on shocks
            h = (np.array(HAZARD_BY_AGE)[np.minimum(year - 1 - founded, 5)]
                 * _step(HAZARD_SIZE, np.exp(log_l)))
            alive = alive & ~((rng.random(len(h)) < h) & ~anchor)
            treated = (sup_year > 0) & (year - sup_year >= 1) & (year - sup_year <= 3)
            # fat-tailed shock (8 % of draws 2.5 × wider); the log drift does not depend on size, so
            # rescaling a cell (the 2017 calibration) or comparing firms of different size is unbiased
            shock = rng.normal(0, 1, len(log_l)) * np.where(rng.random(len(log_l)) < TAIL_P, TAIL_SCALE, 1.0)
            sig = sigma_of(np.exp(log_l))
            growth = (mu[j] + trend[sec] + G[muni, j] + eff["support"] * treated
                      + sig * shock)
            log_l = np.where(alive, log_l + growth, log_l)
            # births in t: Poisson per (municipality, section) cell, from the cell's firms in t−1
            n_prev = np.bincount(muni[prev_alive].astype(np.int64) * n_s + sec[prev_alive],
                                 minlength=n_m * n_s).reshape(n_m, n_s)
            lam = BIRTH_RATE * n_prev * np.exp(BIRTH_POP_ELASTICITY * inp.pop_growth[:, j])[:, None]
            births = rng.poisson(lam).ravel()
            bc = np.repeat(np.arange(n_m * n_s), births)
            b_sec = (bc % n_s).astype(np.int8)
            muni = np.r_[muni, (bc // n_s).astype(np.int32)]
            sec = np.r_[sec, b_sec]
            div = np.r_[div, pick_division(b_sec)]
            founded = np.r_[founded, np.full(len(bc), year, dtype=np.int16)]
            anchor = np.r_[anchor, np.zeros(len(bc), dtype=bool)]
            alive = np.r_[alive, np.ones(len(bc), dtype=bool)]
            sup_year = np.r_[sup_year, np.zeros(len(bc), dtype=np.int16)]
            log_l = np.r_[log_l, rng.normal(NEWBORN_LOG_MEAN, NEWBORN_LOG_SD, len(bc))]
            log_l_entry = np.r_[log_l_entry, log_l[len(log_l_entry):]]  # newborns: size at birth
        eur = np.zeros(len(log_l))
        if year in SUPPORT_YEARS:
            sup_year, eur = support_step(year, log_l_entry, alive, sup_year, founded, sec)
        hist_l.append(np.where(alive, log_l, np.nan))
        hist_sup.append(eur)

    n = len(log_l)
    L = np.full((n, n_y), np.nan)
    S = np.zeros((n, n_y))
    for j in range(n_y):
        L[: len(hist_l[j]), j] = hist_l[j]
        S[: len(hist_sup[j]), j] = hist_sup[j]
    L = np.exp(L)

    # ---- calibration: scale each (municipality, section) cell so that 2017 equals Paavo exactly
    jc = YEARS.index(CALIBRATION_YEAR)
    cell_all = muni.astype(np.int64) * n_s + sec
    sim17 = np.bincount(cell_all, weights=np.nan_to_num(L[:, jc]), minlength=n_m * n_s)
    goal = inp.workplaces.ravel() * fraction
    factor = np.where(sim17 > 0, goal / np.where(sim17 > 0, sim17, 1), 1.0)
    L = L * factor[cell_all][:, None]
    L = np.where(np.isnan(L), np.nan, np.maximum(np.round(L, 2), 0.01))

    turnover, goods, services = _money(inp, rng, muni, sec, L, fraction)
    return Simulation(muni=muni, sec=sec, div=div, founded=founded, personnel=L, support=S,
                      turnover=turnover, goods=goods, services=services, divisions=divisions,
                      cell_factor=factor.reshape(n_m, n_s))


def _money(inp: Inputs, rng, muni, sec, L, fraction):
    """Turnover and exports. Goods exports are scaled per region and year to Finnish Customs."""
    secs = inp.sections
    n, n_y = L.shape
    active = ~np.isnan(L)
    prod = np.array([SECTION[s][1] for s in secs])[sec]
    eta = rng.normal(-0.1, 0.45, n)
    nu = rng.normal(0, 0.08, (n, n_y))
    price = (1 + PRICE_GROWTH) ** np.arange(n_y)
    turnover = np.where(active, np.round(np.nan_to_num(L) * (prod * np.exp(eta))[:, None]
                                         * np.exp(nu) * price[None, :]), 0.0)

    # exporter: a persistent latent propensity plus size; one threshold for all years and regions,
    # set so that MK17 has EXPORTERS_MK17_2022 × fraction exporters in 2022
    xi = rng.normal(0, 1.2, n)
    score = (np.array([SECTION[s][5] for s in secs])[sec][:, None] + 0.9 * np.log(np.nan_to_num(L, nan=1.0))
             + xi[:, None] + 0.3 * rng.normal(0, 1, (n, n_y)))
    score = np.where(active, score, -np.inf)
    j22 = YEARS.index(2022)
    in_mk17 = inp.region[muni] == "MK17"
    k = max(1, int(round(EXPORTERS_MK17_2022 * fraction)))
    s22 = np.sort(score[in_mk17, j22])[::-1]
    threshold = (s22[k - 1] + s22[k]) / 2 if len(s22) > k else -np.inf
    exporter = score > threshold

    mean_int = np.array([SECTION[s][4] for s in secs])[sec]
    intensity = rng.beta(4 * mean_int, 4 * (1 - mean_int))
    goods_share = np.array([SECTION[s][3] for s in secs])[sec]
    base = np.where(exporter, turnover * intensity[:, None], 0.0)
    goods = base * goods_share[:, None]
    services = np.round(base * (1 - goods_share)[:, None])
    regions = inp.region[muni]
    for r, target in sorted(inp.exports_goods.items()):
        sel = regions == r
        tot = goods[sel].sum(axis=0)
        f = np.where(tot > 0, target * fraction / np.where(tot > 0, tot, 1), 0.0)
        goods[sel] = goods[sel] * f[None, :]
    goods = np.round(goods)
    # exports never exceed 95 % of turnover: where the Customs total needs more (e.g. the forest
    # industry of Kymenlaakso), the exporter's turnover is raised — exporters are the productive firms
    turnover = np.maximum(turnover, np.ceil((goods + services) / MAX_EXPORT_SHARE))
    return turnover, goods, services
