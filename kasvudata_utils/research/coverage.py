"""Monte Carlo check of the research estimators: how often their 95 % intervals cover the planted effects.

For every seed the synthetic generator (:func:`kasvudata_utils.data.synthetic.generate`) makes two
panels: one with the planted effects (``planted``) and one with every planted effect set to zero
(``zero``). Each estimator the research notebooks use is run on both, and
:func:`summarise_coverage` reports per estimator and parameter the planted value, the mean
estimate, its bias and standard deviation over the seeds, the mean standard error over that SD
(≈ 1 when the errors are honest), the share of 95 % intervals holding the planted value
(``coverage_95``) and the share of intervals excluding 0 (``rejection_rate``: power for a planted
effect, the false-positive rate for a zero one, where it equals ``1 − coverage_95``).

Estimators (:data:`ESTIMATORS`):

- ``firm`` — notebook 11's firm-level model (:func:`factors.fit_firm_growth`, CR2 errors with
  Bell–McCaffrey degrees of freedom, clustered by municipality);
- ``firm_cr1`` — the same model with the CR1 errors it used before (for comparison);
- ``municipality`` — notebook 11's municipality model (OLS, HC3). An aggregate of firms with
  births and deaths, so the firm-level sizes are a guide there, not its exact target;
- ``spatial`` — notebook 11's spatial model chosen by the LM rule (queen weights), its *total*
  impacts against the planted effects (equal to the coefficients where the rule keeps OLS or picks
  the error model);
- ``support`` — notebook 12's matched difference-in-differences (:func:`support.evaluate_support`):
  ``support_effect`` (planted: the support effect) and ``pre_window`` (planted 0: a pre-trend).

Examples
--------
>>> parse_seeds("3-5"), parse_seeds("7,9")
([3, 4, 5], [7, 9])
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import data
from kasvudata_utils.data import sources
from kasvudata_utils.data.synthetic import generate
from kasvudata_utils.errors import InputError
from kasvudata_utils.research import factors, spatial, support

ESTIMATORS = ("firm", "firm_cr1", "municipality", "spatial", "support")
ZERO_EFFECTS = {"support": 0.0, "distance": 0.0, "broadband": 0.0, "rd": 0.0, "population": 0.0}
SCALES = ("test", "default")
SUMMARY_COLUMNS = ["estimator", "parameter", "planted", "mean_estimate", "bias", "sd", "se_sd_ratio",
                   "coverage_95", "n_seeds", "rejection_rate"]
DRAW_COLUMNS = ["seed", "scenario", "estimator", "parameter", "planted", "estimate", "std_error", "ci_low",
                "ci_high"]
MAX_SEEDS = 10_000


def parse_seeds(text) -> list[int]:
    """Seeds from ``"A-B"`` (inclusive), ``"A,B,C"`` or a single number; bad input is one line.

    Examples
    --------
    >>> parse_seeds("10-12,20")
    [10, 11, 12, 20]
    """
    out = []
    for part in str(text).replace(" ", "").split(","):
        lo, sep, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise InputError(f"seeds {text!r}: expected A-B (e.g. 1000-1099) or a comma-separated list") from None
        if a < 0 or b < a:
            raise InputError(f"seeds {text!r}: expected non-negative seeds with A ≤ B in A-B")
        out.extend(range(a, b + 1))
        if len(out) > MAX_SEEDS:
            raise InputError(f"seeds {text!r}: expected at most {MAX_SEEDS} seeds")
    return list(dict.fromkeys(out))


def real_inputs(source=None) -> dict:
    """The real covariates of the estimators: population, distances, unemployment, centre distances, geometries.

    ``source`` is the run's data source (:class:`~kasvudata_utils.data.sources.DataSource`, e.g.
    ``resolve_source("statfin")``): population and unemployment fetched beside its business table
    replace the embedded ones where they have the municipality-year
    (:func:`kasvudata_utils.data.sources.population_for`); None = the embedded files.
    """
    pop = sources.population_for(source)
    return {"population": pop, "distances": data.load_distances(), "unemployment": sources.unemployment_for(source),
            "centre": factors.regional_centre_distances(pop), "geometries": data.load_geometries(level="KU", crs=3067)}


def _rows(table, scenario, estimator, seed, planted_of, terms):
    t = table.set_index("term")
    rows = []
    for parameter, term in terms.items():
        r = t.loc[term]
        planted = planted_of(parameter)
        rows.append({"seed": seed, "scenario": scenario, "estimator": estimator,
                     "parameter": parameter if scenario == "planted" else f"{parameter}=0",
                     "planted": planted, "estimate": float(r["estimate"]), "std_error": float(r["std_error"]),
                     "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"])})
    return rows


def coverage_draws(seed: int, scale: str = "test", estimators=ESTIMATORS, inputs: dict | None = None,
                   start: int = 2013, end: int = 2022) -> pd.DataFrame:
    """One seed's estimates: both scenarios (planted, zero) × the chosen estimators.

    Parameters
    ----------
    seed : int
        Seed of the generator (the ``zero`` panel uses the same seed).
    scale : {"test", "default"}
        Generator scale (``test``: one tenth of the firms, fast).
    estimators : sequence of str
        Some of :data:`ESTIMATORS`.
    inputs : dict, optional
        Real population, distances, unemployment and centre distances (loaded when None).
    start, end : int
        Growth period of the municipality model.

    Returns
    -------
    pandas.DataFrame
        :data:`DRAW_COLUMNS`; zero-scenario parameters are named ``<effect>=0``.
    """
    estimators = check_estimators(estimators)
    if scale not in SCALES:
        raise InputError(f"scale {scale!r}: expected one of {', '.join(SCALES)}")
    inputs = inputs or real_inputs()
    rows = []
    for scenario, effects in (("planted", None), ("zero", ZERO_EFFECTS)):
        syn = generate(seed=int(seed), scale=scale, effects=effects)
        truth = syn.truth["effects"]

        def planted_of(name, truth=truth):
            return float(truth[name]["value"]) if name in truth else 0.0

        if {"firm", "firm_cr1"} & set(estimators):
            ds = factors.firm_growth_dataset(syn.firm_panel, inputs["population"], inputs["distances"],
                                             syn.municipality_factors)
            terms = {name: term for name, (term, _) in factors.FIRM_TRUTH_MAP.items()}
            for est, method in (("firm", "CR2"), ("firm_cr1", "CR1")):
                if est in estimators:
                    rows += _rows(factors.fit_firm_growth(ds, cluster_method=method), scenario, est, seed,
                                  planted_of, terms)
        if {"municipality", "spatial"} & set(estimators):
            md = factors.build_municipality_dataset(
                syn.business_table, inputs["population"], inputs["distances"], inputs["unemployment"],
                syn.municipality_factors, start, end, centre_distances=inputs["centre"])
            md = md.dropna(subset=["log_growth_pa", *factors.DEFAULT_FACTORS]).reset_index(drop=True)
            terms = {name: term for name, (term, _) in factors.MUNICIPALITY_TRUTH_MAP.items()}
            if "municipality" in estimators:
                rows += _rows(factors.fit_ols(md, "log_growth_pa", factors.DEFAULT_FACTORS), scenario,
                              "municipality", seed, planted_of, terms)
            if "spatial" in estimators:
                geo = inputs["geometries"]
                w = spatial.build_weights(geo[geo["area_code"].isin(md["municipality_code"])], "queen")
                fit = factors.fit_spatial(md, "log_growth_pa", factors.DEFAULT_FACTORS, w)
                rows += _rows(fit.attrs["impacts"], scenario, "spatial", seed, planted_of, terms)
        if "support" in estimators:
            did = support.evaluate_support(syn.firm_panel)["did"]

            def did_planted(name, truth=truth):
                return float(truth["support"]["value"]) if name == "support" else 0.0

            rows += _rows(did, scenario, "support", seed, did_planted,
                          {"support": "support_effect", "pre_window": "pre_window"})
    return pd.DataFrame(rows, columns=DRAW_COLUMNS)


def check_estimators(estimators) -> list[str]:
    """The estimator names as a list; an unknown name is one line.

    >>> check_estimators("firm,support")
    ['firm', 'support']
    """
    names = [e.strip() for e in (estimators.split(",") if isinstance(estimators, str) else estimators) if e.strip()]
    bad = [e for e in names if e not in ESTIMATORS]
    if bad or not names:
        raise InputError(f"estimators {bad or names!r}: expected some of {', '.join(ESTIMATORS)}")
    return names


def run_coverage(seeds, scale: str = "test", estimators=ESTIMATORS, progress=None, source=None) -> pd.DataFrame:
    """Estimates over many seeds (:func:`coverage_draws` per seed, real inputs loaded once).

    ``progress`` is called with ``(done, total)`` after each seed; ``source`` chooses the real
    covariates (:func:`real_inputs`). Returns :data:`DRAW_COLUMNS`.
    """
    seeds = parse_seeds(seeds) if isinstance(seeds, str) else [int(s) for s in seeds]
    if not seeds:
        raise InputError("no seeds given: expected A-B, e.g. 1000-1099")
    estimators = check_estimators(estimators)
    inputs = real_inputs(source)
    parts = []
    for i, seed in enumerate(seeds):
        parts.append(coverage_draws(seed, scale, estimators, inputs))
        if progress is not None:
            progress(i + 1, len(seeds))
    return pd.concat(parts, ignore_index=True)


def summarise_coverage(draws: pd.DataFrame) -> pd.DataFrame:
    """Per estimator and parameter: planted, mean estimate, bias, SD, mean SE / SD, coverage, n, rejection rate.

    ``coverage_95`` is the share of intervals with ``ci_low ≤ planted ≤ ci_high``;
    ``rejection_rate`` the share whose interval excludes 0; ``sd`` uses ddof = 1.

    Examples
    --------
    >>> d = pd.DataFrame({"seed": [1, 2, 3, 4], "scenario": "planted", "estimator": "e", "parameter": "b",
    ...                   "planted": 1.0, "estimate": [0.5, 1.5, 1.0, 1.0], "std_error": 0.5,
    ...                   "ci_low": [0.1, 1.1, 0.2, -0.1], "ci_high": [0.9, 1.9, 1.8, 2.1]})
    >>> r = summarise_coverage(d).iloc[0]
    >>> float(r["coverage_95"]), float(round(r["sd"], 4)), float(r["rejection_rate"])  # sd = sqrt(0.5 / 3)
    (0.5, 0.4082, 0.75)
    """
    if draws.empty:
        raise InputError("no estimates to summarise: expected at least one seed")
    d = draws.assign(covered=(draws["ci_low"] <= draws["planted"]) & (draws["planted"] <= draws["ci_high"]),
                     rejected=(draws["ci_low"] > 0) | (draws["ci_high"] < 0))
    g = d.groupby(["estimator", "parameter"], sort=False)
    out = g.agg(planted=("planted", "first"), mean_estimate=("estimate", "mean"), sd=("estimate", "std"),
                mean_se=("std_error", "mean"), coverage_95=("covered", "mean"), n_seeds=("seed", "nunique"),
                rejection_rate=("rejected", "mean")).reset_index()
    out["bias"] = out["mean_estimate"] - out["planted"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["se_sd_ratio"] = out["mean_se"] / out["sd"]
    return out[SUMMARY_COLUMNS]
