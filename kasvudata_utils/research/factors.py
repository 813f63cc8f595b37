"""Growth factors: which municipality traits go with faster business growth.

Pure computing (no I/O, no plotting) for notebook 11 and the area report:

- :func:`build_municipality_dataset` — one row per municipality: personnel
  growth, population change, distance to Oulu, urban/rural group,
  unemployment, the synthetic broadband and R&D factors, personnel per capita;
- :func:`fit_ols` — OLS with heteroskedasticity-robust (HC3) or
  cluster-robust errors (``statsmodels``);
- :func:`lm_diagnostics` and :func:`fit_spatial` — Lagrange-multiplier tests
  on the OLS residuals and the spatial lag or spatial error model they point
  to (``spreg``; Anselin 2005 decision rule);
- :func:`beta_convergence`, :func:`sigma_convergence` — convergence of
  personnel per capita (Barro & Sala-i-Martin 1992);
- :func:`truth_table` — planted effect sizes of the synthetic data beside the
  estimates.

Every coefficient table has the columns ``term, estimate, std_error,
ci_low, ci_high, p_value, model`` (95 % intervals unless ``level`` says
otherwise).

References: Anselin, L. (2005) *Exploring Spatial Data with GeoDa*, ch. 23
("spatial regression diagnostics": the LM decision rule); Anselin, Bera,
Florax & Yoon (1996) robust LM tests, Regional Science and Urban Economics 26;
Barro, R. & Sala-i-Martin, X. (1992) "Convergence", J. Political Economy 100;
MacKinnon & White (1985) HC3.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas, labels
from kasvudata_utils.data import processing
from kasvudata_utils.data.sources import latest_complete_year
from kasvudata_utils.errors import InputError, require_columns
from kasvudata_utils.industries import division_section_map
from kasvudata_utils.numbers import signed
from kasvudata_utils.research.inputs import load_research_inputs
from kasvudata_utils.research.regression import COEF_COLUMNS, coef_frame, design, fit_ols, z_quantile  # noqa: F401
from kasvudata_utils.research.spatial import municipal_growth
from kasvudata_utils.research.spatial_impacts import coefficient_impacts, lag_impacts, weight_eigenvalues

DEFAULT_FACTORS = ["pop_growth_log_pa", "distance_to_centre_100km", "semi_urban", "rural",
                   "unemployment_rate_pct", "broadband_10pp", "rd_1000eur_per_capita"]
# planted effect name → (term of the municipality model, scale); an aggregate of firms, so the
# planted firm-level sizes are a guide here, not an exact target (births and deaths add to it)
MUNICIPALITY_TRUTH_MAP = {"distance": ("distance_to_centre_100km", 1.0), "broadband": ("broadband_10pp", 1.0),
                          "rd": ("rd_1000eur_per_capita", 1.0), "population": ("pop_growth_log_pa", 1.0)}
SYNTHETIC_COLUMNS = ("broadband_pct", "rd_eur_per_capita")


def _value_in_year(df, value, year, key="municipality_code"):
    """``value`` per municipality in ``year`` (the nearest available year where it is missing)."""
    years = np.sort(df["year"].unique())
    if len(years) == 0:
        raise InputError(f"no rows to take {value} from")
    use = years[np.argmin(np.abs(years - int(year)))]
    return df.loc[df["year"] == use, [key, value]].set_index(key)[value]


def build_municipality_dataset(business_table: pd.DataFrame, population: pd.DataFrame,
                               distances: pd.DataFrame, unemployment: pd.DataFrame | None = None,
                               municipality_factors: pd.DataFrame | None = None,
                               start: int | None = None, end: int | None = None,
                               within: str = "SSS", mainland_only: bool = True,
                               centre_distances: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per municipality with growth and its candidate explanations.

    Parameters
    ----------
    business_table : pandas.DataFrame
        SPEC §3 regional business table (``area_code, industry_code, year,
        personnel``); KU rows are summed over industries.
    population, distances, unemployment, municipality_factors : pandas.DataFrame
        The processed real files and the synthetic factors (ARCHITECTURE.md
        "Data"); ``unemployment`` and ``municipality_factors`` are optional.
    start, end : int
        Years of the growth period (default: the table's first and last year).
    within : str
        Keep municipalities of this area (default all of Finland).
    mainland_only : bool
        Leave out Åland (MK21).
    centre_distances : pandas.DataFrame, optional
        :func:`regional_centre_distances` output; adds ``distance_to_centre_100km``.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, name_fi, region_code, personnel_start,
        personnel_end, growth_pct, log_growth_pa, population_start,
        pop_change_pct, personnel_per_capita_start, personnel_per_capita_end,
        distance_to_oulu_km, distance_to_oulu_100km, urban_rural, semi_urban,
        rural, pop_growth_log_pa, period_years`` and, where given,
        ``unemployment_rate_pct`` (start year), ``broadband_pct,
        rd_eur_per_capita, broadband_10pp, rd_1000eur_per_capita,
        distance_to_centre_100km``. Rows without positive start
        personnel or population are dropped (growth undefined).
        ``log_growth_pa = ln(personnel_end / personnel_start) / (end - start)``.

    Examples
    --------
    >>> bt = pd.DataFrame({"area_code": ["KU009", "KU009"], "industry_code": "01",
    ...                    "year": [2015, 2020], "personnel": [100.0, 120.0]})
    >>> pop = pd.DataFrame({"municipality_code": ["KU009"] * 2, "year": [2015, 2020],
    ...                     "population": [2600, 2500]})
    >>> dist = pd.DataFrame({"municipality_code": ["KU009"], "distance_to_oulu_km": [110.0]})
    >>> row = build_municipality_dataset(bt, pop, dist).iloc[0]
    >>> float(round(row["growth_pct"], 6)), float(round(row["pop_change_pct"], 6))  # 120/100-1, 2500/2600-1
    (20.0, -3.846154)
    """
    require_columns(business_table, ["area_code", "industry_code", "year", "personnel"], "business_table")
    require_columns(population, ["municipality_code", "year", "population"], "population")
    require_columns(distances, ["municipality_code", "distance_to_oulu_km"], "distances")
    years = business_table["year"].astype(int)
    start = int(years.min()) if start is None else int(start)
    end = int(years.max()) if end is None else int(end)
    growth = municipal_growth(business_table, start, end).rename(columns={"area_code": "municipality_code"})
    out = growth.copy()
    pop0 = _value_in_year(population, "population", start)
    pop1 = _value_in_year(population, "population", end)
    out["population_start"] = out["municipality_code"].map(pop0).astype(float)
    out["population_end"] = out["municipality_code"].map(pop1).astype(float)
    out = out[(out["personnel_start"] > 0) & (out["population_start"] > 0)].copy()
    out["log_growth_pa"] = np.log(out["personnel_end"] / out["personnel_start"]) / (end - start)
    out["pop_change_pct"] = (out["population_end"] / out["population_start"] - 1) * 100
    out["personnel_per_capita_start"] = out["personnel_start"] / out["population_start"]
    out["personnel_per_capita_end"] = out["personnel_end"] / out["population_end"]
    dist = distances.set_index("municipality_code")["distance_to_oulu_km"]
    out["distance_to_oulu_km"] = out["municipality_code"].map(dist).astype(float)
    out["pop_growth_log_pa"] = np.log(out["population_end"] / out["population_start"]) / (end - start)
    out["period_years"] = end - start
    # per 100 km: a coefficient people can read ("growth per 100 km further from Oulu")
    out["distance_to_oulu_100km"] = out["distance_to_oulu_km"] / 100
    info = areas.all_areas()
    out["name_fi"] = [info[c].name_fi if c in info else "" for c in out["municipality_code"]]
    out["region_code"] = [info[c].region_code if c in info else "" for c in out["municipality_code"]]
    out["urban_rural"] = [info[c].urban_rural if c in info else "" for c in out["municipality_code"]]
    out["semi_urban"] = (out["urban_rural"] == "semi-urban").astype(float)
    out["rural"] = (out["urban_rural"] == "rural").astype(float)
    if unemployment is not None:
        require_columns(unemployment, ["municipality_code", "year", "unemployment_rate_pct"], "unemployment")
        out["unemployment_rate_pct"] = out["municipality_code"].map(
            _value_in_year(unemployment, "unemployment_rate_pct", start)).astype(float)
    if municipality_factors is not None:
        require_columns(municipality_factors, ["municipality_code", *SYNTHETIC_COLUMNS], "municipality_factors")
        f = municipality_factors.set_index("municipality_code")
        for c in SYNTHETIC_COLUMNS:
            out[c] = out["municipality_code"].map(f[c]).astype(float)
        # the generator's units: per 10 percentage points above 80 %, per EUR 1,000 per capita
        out["broadband_10pp"] = (out["broadband_pct"] - 80.0) / 10
        out["rd_1000eur_per_capita"] = out["rd_eur_per_capita"] / 1000
    if centre_distances is not None:
        require_columns(centre_distances, ["municipality_code", "distance_to_centre_km"], "centre_distances")
        cd = centre_distances.set_index("municipality_code")["distance_to_centre_km"]
        out["distance_to_centre_100km"] = out["municipality_code"].map(cd).astype(float) / 100
    keep = set(areas.municipalities(within))
    out = out[out["municipality_code"].isin(keep)]
    if mainland_only:
        out = out[out["region_code"] != "MK21"]
    out = out.dropna(subset=["distance_to_oulu_km"]).sort_values("municipality_code").reset_index(drop=True)
    out.attrs["start"], out.attrs["end"] = start, end
    return out


def _spreg_inputs(df, y, x, w, id_col):
    sub, mask = design(df, y, x)
    ids = [str(i) for i in df.loc[mask, id_col]]
    if set(ids) != set(w.id_order) or len(ids) != w.n:
        raise InputError(f"the weights hold {w.n} areas but the data {len(ids)} complete rows: "
                         "build the weights from exactly the rows used in the model")
    order = pd.Series(range(len(ids)), index=ids).reindex(w.id_order).to_numpy()
    yy = sub[y].to_numpy()[order].reshape(-1, 1)
    xx = sub[x].to_numpy()[order]
    return yy, xx


def lm_diagnostics(df: pd.DataFrame, y: str, x: list[str], w, id_col: str = "municipality_code",
                   alpha: float = 0.05) -> dict:
    """Lagrange-multiplier tests on OLS residuals and the model they point to.

    Anselin's (2005) rule: if neither LM-lag nor LM-error is significant keep
    OLS; if one is, use that model; if both are, use the one whose *robust*
    LM test alone is significant. Where both plain tests are significant and
    the robust tests do not tell the models apart (both or neither
    significant) the case is *ambiguous*: the dependence may be of both kinds
    (SARMA), and the spatial Durbin model, which nests the lag and the error
    model, is the safe choice (Elhorst 2010, "Applied spatial econometrics:
    raising the bar", Spatial Economic Analysis 5(1)).

    Returns
    -------
    dict
        ``tests`` (DataFrame ``test, statistic, p_value``), ``choice``
        (``"ols"``, ``"lag"``, ``"error"`` or, in the ambiguous case,
        ``"durbin"``), ``ambiguous`` (bool) and ``moran_residuals`` (I, p).
    """
    import spreg

    yy, xx = _spreg_inputs(df, y, x, w, id_col)
    ols = spreg.OLS(yy, xx, w=w, spat_diag=True, moran=True, name_y=y, name_x=list(x))
    tests = pd.DataFrame({
        "test": ["LM_lag", "LM_error", "robust_LM_lag", "robust_LM_error", "LM_SARMA"],
        "statistic": [ols.lm_lag[0], ols.lm_error[0], ols.rlm_lag[0], ols.rlm_error[0], ols.lm_sarma[0]],
        "p_value": [ols.lm_lag[1], ols.lm_error[1], ols.rlm_lag[1], ols.rlm_error[1], ols.lm_sarma[1]],
    })
    p = tests.set_index("test")["p_value"]
    s = tests.set_index("test")["statistic"]
    lag, err = p["LM_lag"] < alpha, p["LM_error"] < alpha
    ambiguous = False
    if lag and err:
        rlag, rerr = p["robust_LM_lag"] < alpha, p["robust_LM_error"] < alpha
        if rlag and not rerr:
            choice = "lag"
        elif rerr and not rlag:
            choice = "error"
        else:
            ambiguous, choice = True, "durbin"
    elif lag:
        choice = "lag"
    elif err:
        choice = "error"
    else:
        choice = "ols"
    return {"tests": tests, "choice": choice, "ambiguous": ambiguous, "statistics": s.to_dict(),
            "moran_residuals": (float(ols.moran_res[0]), float(ols.moran_res[2]))}


def fit_spatial(df: pd.DataFrame, y: str, x: list[str], w, model: str = "auto",
                id_col: str = "municipality_code", level: float = 0.95, alpha: float = 0.05) -> pd.DataFrame:
    """Spatial lag, spatial error or spatial Durbin model by maximum likelihood (``spreg``).

    Parameters
    ----------
    model : {"auto", "lag", "error", "durbin", "ols"}
        ``auto`` follows :func:`lm_diagnostics`; ``ols`` returns robust OLS;
        ``durbin`` is the lag model with spatially lagged X (``W_<term>`` rows).
    w : libpysal.weights.W
        Weights over exactly the rows of ``df`` that have complete data, ids
        in ``df[id_col]``.

    Returns
    -------
    pandas.DataFrame
        The coefficient table; the spatial parameter is the row ``rho``
        (lag: y depends on neighbours' y) or ``lambda`` (error: neighbours'
        unexplained shocks are correlated). ``attrs`` holds ``choice``,
        ``ambiguous`` (the LM rule could not tell lag from error), ``lm_tests``,
        ``nobs`` and ``impacts``: direct, indirect and total impacts of each
        term of ``x`` (:mod:`kasvudata_utils.research.spatial_impacts`). In a
        lag or Durbin model a coefficient is not the effect of its variable;
        compare planted effects with the *total* impact (``impacts`` has
        ``estimate = total`` and its interval, so :func:`truth_table` takes it).
    """
    import contextlib
    import io
    import warnings

    import spreg

    if model not in ("auto", "lag", "error", "durbin", "ols"):
        raise InputError(f"spatial model {model!r}: expected 'auto', 'lag', 'error', 'durbin' or 'ols'")
    diag = lm_diagnostics(df, y, x, w, id_col, alpha)
    choice = diag["choice"] if model == "auto" else model
    if choice == "ols":
        out = fit_ols(df, y, x)
        impacts = coefficient_impacts(out, x)
    else:
        yy, xx = _spreg_inputs(df, y, x, w, id_col)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            # spreg prints the model name and warns about the Jacobian approximation: keep notebooks clean
            warnings.simplefilter("ignore")
            if choice in ("lag", "durbin"):
                m = spreg.ML_Lag(yy, xx, w=w, name_y=y, name_x=list(x), spat_diag=False,
                                 slx_lags=1 if choice == "durbin" else 0, spat_impacts=None)
            else:
                m = spreg.ML_Error(yy, xx, w=w, name_y=y, name_x=list(x))
        se = np.sqrt(np.diag(m.vm)).reshape(-1)
        betas = np.asarray(m.betas).reshape(-1)
        zs = np.array([zp[0] for zp in m.z_stat])
        ps = np.array([zp[1] for zp in m.z_stat])
        lagged = [f"W_{t}" for t in x] if choice == "durbin" else []
        terms = ["const", *x, *lagged, "lambda" if choice == "error" else "rho"]
        n = len(terms)
        names = {"lag": "spatial lag (ML)", "error": "spatial error (ML)", "durbin": "spatial Durbin (ML)"}
        out = coef_frame(terms, betas[:n], se[:n], ps[:n] if len(ps) >= n else 2 * (1 - _ncdf(np.abs(zs))),
                          level, names[choice])
        out.attrs["nobs"] = int(m.n)
        if choice == "error":
            impacts = coefficient_impacts(out, x)
        else:
            k = len(x)
            index = {"beta": list(range(1, 1 + k)), "theta": list(range(1 + k, 1 + 2 * k)) if lagged else None,
                     "rho": n - 1}
            impacts = lag_impacts(betas[1:1 + k], betas[1 + k:1 + 2 * k] if lagged else None, float(betas[n - 1]),
                                  np.asarray(m.vm)[:n, :n], index, weight_eigenvalues(w), list(x), level=level)
    out.attrs["choice"] = choice
    out.attrs["ambiguous"] = bool(diag["ambiguous"])
    out.attrs["impacts"] = impacts
    out.attrs["lm_tests"] = diag["tests"]
    return out


def _ncdf(z):
    from scipy.stats import norm

    return norm.cdf(z)


def truth_table(estimates: pd.DataFrame, truth: dict, mapping: dict) -> pd.DataFrame:
    """Planted effect sizes beside the estimates.

    Parameters
    ----------
    estimates : pandas.DataFrame
        A coefficient table (``term, estimate, ci_low, ci_high``).
    truth : dict
        Planted effects, ``{name: size}`` (numbers; nested dicts with a
        ``"value"`` key are accepted).
    mapping : dict
        ``{truth name: (term, scale)}``: the planted size times ``scale`` is
        the value the estimate of ``term`` should recover (units differ, e.g.
        an effect per km against a coefficient per 100 km).

    Returns
    -------
    pandas.DataFrame
        ``effect, term, planted, estimate, ci_low, ci_high, covered,
        sign_ok`` where ``covered`` says the interval contains the planted value.

    Examples
    --------
    >>> est = pd.DataFrame({"term": ["d"], "estimate": [-0.9], "ci_low": [-1.3], "ci_high": [-0.5]})
    >>> truth_table(est, {"distance": -0.01}, {"distance": ("d", 100)})[["planted", "covered"]].values.tolist()
    [[-1.0, True]]
    """
    require_columns(estimates, ["term", "estimate", "ci_low", "ci_high"], "estimates")
    e = estimates.set_index("term")
    rows = []
    for name, (term, scale) in mapping.items():
        if name not in truth:
            raise InputError(f"planted effect {name!r} not in the truth: expected one of {sorted(truth)}")
        if term not in e.index:
            raise InputError(f"term {term!r} not in the estimates: expected one of {list(e.index)}")
        raw = truth[name]
        planted = float(raw["value"] if isinstance(raw, dict) else raw) * float(scale)
        r = e.loc[term]
        rows.append({"effect": name, "term": term, "planted": planted, "estimate": float(r["estimate"]),
                     "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
                     "covered": bool(r["ci_low"] <= planted <= r["ci_high"]),
                     "sign_ok": bool(np.sign(r["estimate"]) == np.sign(planted))})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------- firm level
FIRM_FACTORS = ["distance_to_oulu_100km", "broadband_10pp", "rd_1000eur_per_capita", "pop_growth_log",
                "support_window", "support_year"]
# planted effect name → (term of the firm model, scale): the generator's units are the terms' units
FIRM_TRUTH_MAP = {"distance": ("distance_to_oulu_100km", 1.0), "broadband": ("broadband_10pp", 1.0),
                  "rd": ("rd_1000eur_per_capita", 1.0), "population": ("pop_growth_log", 1.0),
                  "support": ("support_window", 1.0)}


def firm_growth_dataset(firm_panel: pd.DataFrame, population: pd.DataFrame, distances: pd.DataFrame,
                        municipality_factors: pd.DataFrame | None = None,
                        broadband_centre: float = 80.0) -> pd.DataFrame:
    """Firm-year rows of annual log personnel growth with the municipality's traits.

    ``growth_log = ln(personnel_t / personnel_{t-1})`` for firms active in both
    years (and with personnel > 0). Regressors, in the units the synthetic
    generator's effects are stated in: ``distance_to_oulu_100km``,
    ``broadband_10pp = (broadband_pct - 80) / 10``, ``rd_1000eur_per_capita``,
    ``pop_growth_log`` (the municipality's log population change t-1 → t; the
    last population year's change is carried to later years), and the support
    indicators ``support_year`` (the first grant was in t) and
    ``support_window`` (t is 1–3 years after the first grant).

    Examples
    --------
    >>> fp = pd.DataFrame({"firm_id": ["a", "a"], "year": [2015, 2016], "municipality_code": "KU009",
    ...                    "industry_code": "10", "personnel": [2.0, 4.0], "support_eur": [0.0, 0.0]})
    >>> pop = pd.DataFrame({"municipality_code": "KU009", "year": [2015, 2016], "population": [100, 110]})
    >>> dist = pd.DataFrame({"municipality_code": ["KU009"], "distance_to_oulu_km": [110.0]})
    >>> r = firm_growth_dataset(fp, pop, dist).iloc[0]
    >>> bool(np.isclose(r["growth_log"], np.log(2))), bool(np.isclose(r["pop_growth_log"], np.log(1.1)))
    (True, True)
    """
    require_columns(firm_panel, ["firm_id", "year", "municipality_code", "industry_code", "personnel"], "firm_panel")
    fp = firm_panel.sort_values(["firm_id", "year"])
    prev = fp.groupby("firm_id")[["year", "personnel"]].shift(1)
    ok = (prev["year"] == fp["year"] - 1) & (prev["personnel"] > 0) & (fp["personnel"] > 0)
    out = fp.loc[ok, ["firm_id", "year", "municipality_code", "industry_code"]].copy()
    out["growth_log"] = np.log(fp.loc[ok, "personnel"].to_numpy() / prev.loc[ok, "personnel"].to_numpy())
    out["section"] = out["industry_code"].map(division_section_map()).fillna("?")
    if "support_eur" in fp.columns:
        first = fp[fp["support_eur"] > 0].groupby("firm_id")["year"].min()
        # never-supported firms have no first year: NaN, which must count as "not supported"
        since = (out["year"] - out["firm_id"].map(first)).astype("float64")
        out["support_year"] = (since == 0).fillna(False).astype(float)
        out["support_window"] = since.between(1, 3).fillna(False).astype(float)
    else:
        out["support_year"] = 0.0
        out["support_window"] = 0.0
    pw = population.pivot_table(index="municipality_code", columns="year", values="population")
    lg = np.log(pw).diff(axis=1)
    last = int(pw.columns.max())
    years = out["year"].clip(upper=last)
    out["pop_growth_log"] = lg.stack().reindex(list(zip(out["municipality_code"], years, strict=False))).to_numpy()
    dist = distances.set_index("municipality_code")["distance_to_oulu_km"]
    out["distance_to_oulu_100km"] = out["municipality_code"].map(dist).astype(float) / 100
    if municipality_factors is not None:
        f = municipality_factors.set_index("municipality_code")
        out["broadband_10pp"] = (out["municipality_code"].map(f["broadband_pct"]).astype(float)
                                 - broadband_centre) / 10
        out["rd_1000eur_per_capita"] = out["municipality_code"].map(f["rd_eur_per_capita"]).astype(float) / 1000
    return out.reset_index(drop=True)


def fit_firm_growth(dataset: pd.DataFrame, x: list[str] | None = None, level: float = 0.95,
                    cluster_method: str = "CR2") -> pd.DataFrame:
    """Annual log growth of firms on municipality traits, year and section effects.

    OLS with year and section dummies; errors clustered by municipality
    (the traits vary between municipalities only, so firm-level errors would
    overstate the precision). With 30 municipalities and Oulu holding about
    half of the firm-years the usual CR1 errors are too small; the default
    ``cluster_method="CR2"`` uses the bias-reduced CR2 estimator with
    Bell–McCaffrey degrees of freedom per term (Imbens & Kolesár 2016;
    :func:`kasvudata_utils.research.regression.cr2_vcov`), and intervals and
    p-values both come from that t distribution (``attrs["df"]``). Returns the
    coefficient table of ``x`` (the dummies are left out of the table).
    """
    x = [c for c in (x or FIRM_FACTORS) if c in dataset.columns]
    require_columns(dataset, ["growth_log", "year", "section", "municipality_code", *x], "dataset")
    d = dataset.dropna(subset=["growth_log", *x])
    dummies = pd.get_dummies(d[["year", "section"]].astype(str), drop_first=True, dtype=float)
    design = pd.concat([d[["growth_log", "municipality_code", *x]].reset_index(drop=True),
                        dummies.reset_index(drop=True)], axis=1)
    out = fit_ols(design, "growth_log", [*x, *dummies.columns], cluster="municipality_code", level=level,
                  cluster_method=cluster_method)
    keep = out[out["term"].isin(["const", *x])].reset_index(drop=True)
    keep.attrs = dict(out.attrs)
    keep["model"] = f"firm growth OLS (year + section effects, cluster {cluster_method}: municipality)"
    return keep


def regional_centre_distances(population: pd.DataFrame) -> pd.DataFrame:
    """Distance from each municipality to its own region's centre (its most populous municipality).

    Great-circle km between the real central localities
    (``data.processing.central_localities``, the same points and formula as
    ``distances.parquet``); for Northern Ostrobothnia the centre is Oulu, so
    the value equals ``distance_to_oulu_km`` there. The centre is the most populous municipality in the
    newest year the population covers the country. Returns
    ``municipality_code, centre_code, distance_to_centre_km``.
    """
    # the newest year covering as many municipalities as any: a fetch of a few areas adds no year
    last = population[population["year"] == latest_complete_year(population, ["population"])]
    region = areas.municipality_map("MK")
    last = last.assign(region_code=last["municipality_code"].map(region))
    centre_of = last.sort_values("population").groupby("region_code")["municipality_code"].last()
    pts = processing.central_localities().set_index("municipality_code")
    codes = [c for c in pts.index if c in region]
    centre = [centre_of[region[c]] for c in codes]
    km = [round(processing.haversine_km(pts.at[c, "lon"], pts.at[c, "lat"], pts.at[k, "lon"], pts.at[k, "lat"]), 3)
          for c, k in zip(codes, centre, strict=False)]
    return pd.DataFrame({"municipality_code": codes, "centre_code": centre, "distance_to_centre_km": km})


def factor_model(inputs=None, start: int | None = None, end: int | None = None):
    """The municipality growth model behind :func:`area_factor_context`: ``(dataset, estimates, start, end)``.

    Fitted once over all mainland municipalities; area reports share one fit (the batch caches it).
    ``inputs`` is a :class:`kasvudata_utils.research.inputs.ResearchInputs` (embedded data when None).
    """
    if inputs is None:

        inputs = load_research_inputs()
    years = inputs.business_table["year"].astype(int)
    start = int(years.min()) if start is None else int(start)
    end = (min(int(years.max()), latest_complete_year(inputs.population, ["population"])) if end is None
           else int(end))
    ds = build_municipality_dataset(inputs.business_table, inputs.population, inputs.distances,
                                    inputs.unemployment, inputs.municipality_factors, start, end,
                                    centre_distances=regional_centre_distances(inputs.population))
    ds = ds.dropna(subset=["log_growth_pa", *DEFAULT_FACTORS]).reset_index(drop=True)
    return ds, fit_ols(ds, "log_growth_pa", DEFAULT_FACTORS).set_index("term"), start, end


def area_factor_context(area_code, lang: str = "fi", start: int | None = None, end: int | None = None,
                        inputs=None, model=None) -> str:
    """Two sentences on the area's growth and the growth factors in its favour and against it.

    Fits the municipality model (:func:`fit_ols`, :data:`DEFAULT_FACTORS`)
    over all mainland municipalities; a factor "matters" where its 95 %
    interval excludes 0. The area (the median of its municipalities for a
    sub-region or region, worded as a median) is in a factor's favour where it lies on the
    growth-raising side of the mainland median. ``inputs`` is a
    :class:`kasvudata_utils.research.inputs.ResearchInputs` (loaded from the
    embedded data when None). Synthetic factors are marked as such.

    Examples
    --------
    >>> area_factor_context("KU977", "en").startswith("Ylivieska: personnel changed by ")   # embedded data
    True
    """
    lang = labels.normalise_lang(lang)
    code = areas.normalise_area(area_code)
    ds, est, start, end = model if model is not None else factor_model(inputs, start, end)
    mine = ds[ds["municipality_code"].isin(areas.municipalities(code))]
    if mine.empty:
        raise InputError(f"area {code} has no mainland municipality with growth data: expected a mainland area")
    pro, con = [], []
    for term in DEFAULT_FACTORS:
        if term in ("semi_urban", "rural"):
            continue  # the urban–rural group is a control, not a lever an area can move
        r = est.loc[term]
        if r["ci_low"] <= 0 <= r["ci_high"]:
            continue
        side = (mine[term].median() - ds[term].median()) * np.sign(r["estimate"])
        if side == 0:
            continue
        name = labels.t(f"factor_{term}", lang) + (f" ({labels.t('data_synthetic', lang)})"
                                                   if term in ("broadband_10pp", "rd_1000eur_per_capita") else "")
        (pro if side > 0 else con).append(name)
    none = labels.t("factor_none", lang)
    # a sub-region's or region's figure is the median of its municipalities: say so (issue 13), never
    # word it as the area's own change (that is the area's sum, in the report's key findings)
    key = "factor_context" if len(mine) == 1 and areas.level_of(code) == "KU" else "factor_context_median"
    return labels.t(key, lang, name=areas.official_name(code, lang), start=start, end=end,
                    growth=signed(mine["growth_pct"].median(), lang, 1),
                    median=signed(ds["growth_pct"].median(), lang, 1),
                    pro=", ".join(pro) or none, con=", ".join(con) or none)
