"""The planted ground truth of the synthetic panel as a JSON-ready dict (``planted_truth.json``).

It states the model that generated the data — growth equation at firm and municipality level,
demography, support selection, exports, calibration — and the exact effect sizes, so estimators
can be validated by recovering them.
"""
from __future__ import annotations

import numpy as np

from kasvudata_utils.data import synthetic_model as M
from kasvudata_utils.data.synthetic_inputs import CALIBRATION_YEAR, NATIONAL_EXPORT_INDEX_BN, YEARS

EFFECT_DOC = {
    "support": ("support_eur > 0 in year t (each firm at most once)",
                "log points of annual personnel growth in each of t+1, t+2 and t+3 "
                "(cumulative level effect 3 × value, permanent)"),
    "distance": ("great-circle km from the municipality's central locality to its regional centre "
                 "(the region's most populous municipality; MK17: Oulu, = distance_to_oulu_km)",
                 "log points of annual personnel growth per 100 km"),
    "broadband": ("broadband_pct (synthetic, municipality_factors)",
                  "log points of annual personnel growth per 10 percentage points (relative to 80 %)"),
    "rd": ("rd_eur_per_capita (synthetic, municipality_factors)",
           "log points of annual personnel growth per EUR 1,000 per capita"),
    "population": ("log change of the municipality's population from t-1 to t (real, 2023 = 2022's change)",
                   "elasticity of firms' annual personnel growth"),
}


def _r(x, nd=6):
    return float(round(float(x), nd))


def describe(inp, sim, factors, eff: dict, *, seed: int, scale: str, fraction: float) -> dict:
    """The truth dict for one generated data set (JSON-serialisable, deterministic)."""
    supported = sim.support > 0
    bb, rd = factors["broadband_pct"].to_numpy(dtype=float), factors["rd_eur_per_capita"].to_numpy(dtype=float)
    static = (eff["distance"] * inp.distance_km / 100 + eff["broadband"] * (bb - M.BROADBAND_CENTRE) / 10
              + eff["rd"] * rd / 1000)
    first_sup = np.where(supported.any(axis=1), np.argmax(supported, axis=1), -1)
    in_mk17 = inp.region[sim.muni] == "MK17"
    secs = inp.sections
    return {
        "synthetic": True,
        "seed": int(seed),
        "scale": scale,
        "level_fraction": _r(fraction),
        "years": [YEARS[0], YEARS[-1]],
        "unit": "one firm = one establishment (a single-establishment model)",
        "effects": {k: {"value": _r(v), "variable": EFFECT_DOC[k][0], "unit": EFFECT_DOC[k][1]}
                    for k, v in sorted(eff.items())},
        "model": {
            "firm_growth": (
                "ln L[i,t] - ln L[i,t-1] = mu[t] + a[s(i)] + G[m(i),t] + support * D[i,t] "
                "+ sigma(L[i,t-1]) * e[i,t]; "
                "G[m,t] = distance * km[m]/100 + broadband * (broadband_pct[m] - 80)/10 "
                "+ rd * rd_eur_per_capita[m]/1000 - c + population * dlnPop[m,t], c = the MK17 "
                f"workplace-weighted mean of the static part (here {_r(M.static_centre(inp, static))}); "
                "D[i,t] = 1 if the firm was supported in t-1, t-2 or t-3; "
                "e iid, standard normal with probability 0.92 and normal with sd 2.5 otherwise; "
                "sigma(L) = clip(0.33 - 0.10 ln L, 0.095, 0.40): size changes only the spread, not the "
                "expected log growth"),
            "municipality_growth": (
                "every continuing firm's expected log growth is mu[t] + a[s] + G[m,t] (+ support), so the "
                "municipality term G[m,t] shifts the growth of all its firms alike; a municipality's "
                "personnel total also moves with net entry (births rise with population growth) and, in "
                "levels, with the convexity of small firms' volatile growth"),
            "latent_vs_published": (
                "the equation holds for latent personnel; published personnel = latent × the cell's 2017 "
                "calibration factor (constant over years, so growth rates are unchanged), rounded to "
                "0.01 person-years (at least 0.01)"),
            "year_effects_mu": {str(k): v for k, v in M.YEAR_EFFECT.items()},
            "section_trends_a": {s: M.SECTION[s][2] for s in secs},
            "demography": {
                "exit_after_year_probability_by_age": {"0": M.HAZARD_BY_AGE[0], "1-4": M.HAZARD_BY_AGE[1],
                                                       "5+": M.HAZARD_BY_AGE[5]},
                "exit_size_multiplier": [[_r(b) if np.isfinite(b) else None, v] for b, v in M.HAZARD_SIZE],
                "exit_depends_on": "age and size in the year before (not on the growth shock); "
                                   "the largest 2013 firm of each municipality × section never exits",
                "births": (f"Poisson per municipality × section: {M.BIRTH_RATE} × firms active in t-1 × "
                           f"exp({M.BIRTH_POP_ELASTICITY} × dlnPop[m,t]); newborn size lognormal "
                           f"(log mean {M.NEWBORN_LOG_MEAN}, sd {M.NEWBORN_LOG_SD})"),
            },
            "support_selection": {
                "years": [M.SUPPORT_YEARS[0], M.SUPPORT_YEARS[-1]],
                "probability": (f"{M.SUPPORT_BASE} × size multiplier × section multiplier × 1.5 if age <= 5; "
                                "only firms never supported before; depends only on observables (entry "
                                "size class, section, age), not on growth shocks"),
                "size_multiplier": [[_r(b) if np.isfinite(b) else None, v] for b, v in M.SUPPORT_SIZE],
                "section_multiplier": {s: M.SECTION[s][6] for s in secs},
                "amount_eur": "round(exp(N(ln 15000 + 0.3 ln(1 + size), 0.7)), -2)",
                "size_used": ("latent size when the firm entered the panel (2013, or its birth year), "
                              "a fixed firm characteristic"),
                "parallel_trends": (
                    "selection rests on fixed characteristics (entry size class, section) and age, and "
                    "neither size nor age shifts expected log growth, so supported and unsupported firms "
                    "have parallel trends apart from the section trends a[s] (supported firms are more "
                    "often in C, J, M): on the national panel the event-time residuals within section x "
                    "year are -0.002 to 0.001 before support, 0.037-0.041 in t+1..t+3 and -0.001 after"),
            },
            "exports": {
                "exporter": ("latent score (section shift + 0.9 ln L + firm effect N(0, 1.2) + 0.3 N(0,1) "
                             "a year) above one threshold set so MK17 has "
                             f"{M.EXPORTERS_MK17_2022} × level_fraction exporters in 2022"),
                "goods_eur": ("exporter's intensity (beta, section mean) × turnover × section goods share, "
                              "scaled per region and year to Finnish Customs goods exports "
                              "(2013–2017 real; 2018–2023 the 2017 figure × Finland's goods export index); "
                              "where that exceeds 95 % of a firm's turnover, its turnover is raised to "
                              "exports / 0.95"),
                "national_export_index_eur_bn": {str(k): v for k, v in NATIONAL_EXPORT_INDEX_BN.items()},
                "business_table_exports_eur": "goods + services exports",
            },
        },
        "calibration": {
            "personnel": (f"every municipality × business section cell scaled so that {CALIBRATION_YEAR} "
                          "personnel = Paavo 2017 workplaces × level_fraction"),
            "business_sections": list(secs),
            "regional_centres": {r: c for r, c in sorted(set(zip(inp.region.tolist(), inp.centre.tolist(),
                                                                 strict=False)))},
        },
        "counts": {
            "firms": int(len(sim.muni)),
            "firms_mk17": int(in_mk17.sum()),
            "supported_firms": int((first_sup >= 0).sum()),
            "supported_firms_mk17": int(((first_sup >= 0) & in_mk17).sum()),
        },
        "distance_to_regional_centre_km": {m: _r(d, 3)
                                           for m, d in zip(inp.munis.tolist(), inp.distance_km, strict=False)},
    }
