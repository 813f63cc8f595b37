"""Tests of kasvudata_utils.research.factors and .convergence.

Hand-worked unit cases, then validation against the effects planted in the
synthetic data (helper B's generator): the municipality growth model must
recover the sign of the distance, broadband and R&D effects and hold their
planted size inside its 95 % interval.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils import areas, data
from kasvudata_utils.data.synthetic import generate
from kasvudata_utils.errors import InputError
from kasvudata_utils.research import convergence, factors, spatial


# ---------------------------------------------------------------- hand-worked
def test_ols_slope_and_interval_by_hand():
    # y = 1 + 2x exactly except the last point (+0.5): x = 0..5
    # slope = Sxy / Sxx: x̄ = 2.5, Sxx = 17.5; Sxy = 2*17.5 + 0.5*(5 - 2.5) = 36.25 → 2.0714
    d = pd.DataFrame({"x": [0.0, 1, 2, 3, 4, 5], "y": [1.0, 3, 5, 7, 9, 11.5]})
    out = factors.fit_ols(d, "y", ["x"]).set_index("term")
    assert out.loc["x", "estimate"] == pytest.approx(36.25 / 17.5)
    # 95 % normal interval: estimate ± 1.959964 * se
    half = out.loc["x", "ci_high"] - out.loc["x", "estimate"]
    assert half == pytest.approx(1.959964 * out.loc["x", "std_error"], rel=1e-6)
    assert list(factors.fit_ols(d, "y", ["x"]).columns) == factors.COEF_COLUMNS


def test_ols_rejects_missing_column_and_too_few_rows():
    d = pd.DataFrame({"x": [0.0, 1.0], "y": [1.0, 2.0]})
    with pytest.raises(InputError, match="'z'"):
        factors.fit_ols(d, "y", ["z"])
    with pytest.raises(InputError, match="2 complete rows"):
        factors.fit_ols(d, "y", ["x"])


def test_beta_convergence_by_hand():
    # two municipalities, 10 years: a doubles (0.1 → 0.2), b stays (0.4 → 0.4)
    # growth_pa: ln2/10 = 0.0693 at ln 0.1; 0 at ln 0.4 → slope = -0.0693 / ln 4 = -0.05
    # plus a third point on the same line keeps it exact: x0 = 0.2 → growth = 0.025 ln 2 ... use
    # ln x0 = ln 0.2, growth = -0.05 * (ln 0.2 - ln 0.4) = 0.05 ln 2 → x1 = 0.2 * 2 ** 0.5
    d = pd.DataFrame({"start": [0.1, 0.4, 0.2], "end": [0.2, 0.4, 0.2 * 2 ** 0.5]})
    out = convergence.beta_convergence(d, "start", "end", years=10)
    b = out.set_index("term").loc["log_initial", "estimate"]
    assert b == pytest.approx(-0.05)
    # speed λ = -ln(1 + bT)/T = -ln(0.5)/10 = 0.0693; half-life = ln 2 / λ = 10 years
    assert out.attrs["speed_pa"] == pytest.approx(np.log(2) / 10)
    assert out.attrs["half_life_years"] == pytest.approx(10.0)


def test_sigma_convergence_by_hand():
    # sd(ddof=1) of two logs = |Δ| / sqrt 2: Δ = 2, 1, 0.5 → 1.4142, 0.7071, 0.3536; slope per year
    # of those three points: Sxy/Sxx with x = 1,2,3: (-1.0607)/2 = -0.5303
    v = pd.DataFrame({"municipality_code": ["a", "b"] * 3, "year": [1, 1, 2, 2, 3, 3],
                      "personnel_per_capita": [1.0, np.e ** 2, 1.0, np.e, 1.0, np.e ** 0.5]})
    per_year, trend = convergence.sigma_convergence(v)
    assert per_year["sigma_log"].tolist() == pytest.approx([2 / 2 ** 0.5, 1 / 2 ** 0.5, 0.5 / 2 ** 0.5])
    assert trend.set_index("term").loc["year", "estimate"] == pytest.approx((0.5 - 2) / 2 ** 0.5 / 2)


def test_municipality_dataset_by_hand():
    bt = pd.DataFrame({"area_code": ["KU009", "KU009", "KU009", "KU478", "KU478"],
                       "industry_code": ["01", "10", "01", "01", "01"], "year": [2015, 2015, 2020, 2015, 2020],
                       "personnel": [40.0, 60.0, 150.0, 10.0, 20.0]})
    pop = pd.DataFrame({"municipality_code": ["KU009", "KU009", "KU478", "KU478"], "year": [2015, 2020] * 2,
                        "population": [2000, 2500, 100, 100]})
    dist = pd.DataFrame({"municipality_code": ["KU009", "KU478"], "distance_to_oulu_km": [110.0, 700.0]})
    fac = pd.DataFrame({"municipality_code": ["KU009", "KU478"], "broadband_pct": [95.0, 80.0],
                        "rd_eur_per_capita": [250.0, 0.0]})
    out = factors.build_municipality_dataset(bt, pop, dist, municipality_factors=fac)
    assert out["municipality_code"].tolist() == ["KU009"]  # Åland's Maarianhamina left out
    r = out.iloc[0]
    assert r["growth_pct"] == pytest.approx(50.0)                    # 150 / 100 - 1
    assert r["log_growth_pa"] == pytest.approx(np.log(1.5) / 5)
    assert r["pop_growth_log_pa"] == pytest.approx(np.log(1.25) / 5)
    assert r["personnel_per_capita_start"] == pytest.approx(100 / 2000)
    assert r["distance_to_oulu_100km"] == pytest.approx(1.1)
    assert r["broadband_10pp"] == pytest.approx(1.5)                # (95 - 80) / 10
    assert r["rd_1000eur_per_capita"] == pytest.approx(0.25)
    assert r["urban_rural"] == "rural"                               # Alavieska
    assert (r["rural"], r["semi_urban"]) == (1.0, 0.0)


def test_truth_table_scales_and_flags():
    est = pd.DataFrame({"term": ["d", "b"], "estimate": [-0.9, 0.2], "ci_low": [-1.3, 0.1],
                        "ci_high": [-0.5, 0.3]})
    out = factors.truth_table(est, {"distance": {"value": -0.01}, "bb": 0.5}, {"distance": ("d", 100),
                                                                                 "bb": ("b", 1)})
    assert out["planted"].tolist() == [-1.0, 0.5]
    assert out["covered"].tolist() == [True, False]
    assert out["sign_ok"].tolist() == [True, True]
    with pytest.raises(InputError, match="'nope'"):
        factors.truth_table(est, {"distance": -1}, {"nope": ("d", 1)})


def test_lm_rule_picks_lag_for_a_planted_spatial_lag():
    # y = rho W y + x + e on a 12 x 12 grid with rho = 0.6 → LM tests must point away from OLS,
    # and the ML lag model must hold rho = 0.6 in its interval
    import geopandas as gpd
    from shapely.geometry import box

    n = 12
    g = gpd.GeoDataFrame({"municipality_code": [f"m{i:03d}" for i in range(n * n)]},
                         geometry=[box(c, r, c + 1, r + 1) for r in range(n) for c in range(n)], crs=3067)
    w = spatial.build_weights(g, id_col="municipality_code")
    rng = np.random.default_rng(5)
    x = rng.normal(size=n * n)
    e = rng.normal(scale=0.5, size=n * n)
    W = w.full()[0]
    y = np.linalg.solve(np.eye(n * n) - 0.6 * W, x + e)
    d = pd.DataFrame({"municipality_code": g["municipality_code"], "x": x, "y": y})
    out = factors.fit_spatial(d, "y", ["x"], w)
    assert out.attrs["choice"] == "lag"
    rho = out.set_index("term").loc["rho"]
    assert rho["ci_low"] < 0.6 < rho["ci_high"]
    beta = out.set_index("term").loc["x"]
    assert beta["ci_low"] < 1.0 < beta["ci_high"]


# ---------------------------------------------------------------- validation (planted truth)
@pytest.fixture(scope="module")
def real_inputs():
    pop = data.load_population()
    return {"population": pop, "distances": data.load_distances(), "unemployment": data.load_unemployment(),
            "centre": factors.regional_centre_distances(pop)}


def test_municipality_model_recovers_planted_distance_broadband_rd(real_inputs):
    # four generated panels × three planted effects = 12 intervals of nominal 95 % coverage:
    # expected misses 0.6; P(3 or more misses) ≈ 2 %, so at most 2 are allowed. Every sign must be right.
    covered, signs = [], []
    for seed in (20240917, 1, 2, 3):
        syn = generate(seed=seed, scale="test")
        ds = factors.build_municipality_dataset(
            syn.business_table, real_inputs["population"], real_inputs["distances"], real_inputs["unemployment"],
            syn.municipality_factors, 2013, 2022, centre_distances=real_inputs["centre"])
        est = factors.fit_ols(ds, "log_growth_pa", factors.DEFAULT_FACTORS)
        table = factors.truth_table(est, syn.truth["effects"], factors.MUNICIPALITY_TRUTH_MAP).set_index("effect")
        table = table.loc[["distance", "broadband", "rd"]]
        covered += table["covered"].tolist()
        signs += table["sign_ok"].tolist()
    assert all(signs)
    assert sum(covered) >= 10, covered


def test_centre_distance_is_distance_to_oulu_in_northern_ostrobothnia(real_inputs):
    cd = real_inputs["centre"].set_index("municipality_code")
    dist = real_inputs["distances"].set_index("municipality_code")["distance_to_oulu_km"]
    assert cd.loc["KU009", "centre_code"] == "KU564"
    assert cd.loc["KU009", "distance_to_centre_km"] == pytest.approx(dist["KU009"], abs=1e-3)
    assert cd.loc["KU091", "distance_to_centre_km"] == 0.0  # Helsinki is Uusimaa's centre


def test_firm_growth_dataset_flags_support_and_keeps_unsupported_firms():
    # firm a: supported in 2015 → 2015 is the grant year, 2016–2018 the window, 2019 after it;
    # firm b: never supported → all flags 0 (not missing), so it stays in the model
    years = list(range(2014, 2020))
    fp = pd.DataFrame({"firm_id": ["a"] * 6 + ["b"] * 6, "year": years * 2, "municipality_code": "KU009",
                       "industry_code": "10", "personnel": [2.0, 2.5, 3, 3.5, 4, 4.5] * 2,
                       "support_eur": [0, 9000.0, 0, 0, 0, 0] + [0.0] * 6})
    pop = pd.DataFrame({"municipality_code": "KU009", "year": years, "population": 1000})
    dist = pd.DataFrame({"municipality_code": ["KU009"], "distance_to_oulu_km": [110.0]})
    fac = pd.DataFrame({"municipality_code": ["KU009"], "broadband_pct": [90.0], "rd_eur_per_capita": [500.0]})
    out = factors.firm_growth_dataset(fp, pop, dist, fac)
    a = out[out["firm_id"] == "a"].set_index("year")
    assert a["support_year"].to_dict() == {2015: 1.0, 2016: 0.0, 2017: 0.0, 2018: 0.0, 2019: 0.0}
    assert a["support_window"].to_dict() == {2015: 0.0, 2016: 1.0, 2017: 1.0, 2018: 1.0, 2019: 0.0}
    b = out[out["firm_id"] == "b"]
    assert len(b) == 5 and (b["support_window"] == 0).all() and (b["support_year"] == 0).all()
    assert a.loc[2015, "growth_log"] == pytest.approx(np.log(2.5 / 2.0))
    assert a.loc[2015, "broadband_10pp"] == pytest.approx(1.0) and a.loc[2015, "rd_1000eur_per_capita"] == 0.5
    assert out.notna().all().all()


@pytest.mark.slow
def test_municipality_model_at_default_scale_recovers_all_planted_effects(real_inputs):
    # at the embedded panel's size every planted municipality effect must lie in its interval, with
    # the right sign (the test-scale check above allows for the chance misses of small panels)
    syn = generate(scale="default")
    ds = factors.build_municipality_dataset(
        syn.business_table, real_inputs["population"], real_inputs["distances"], real_inputs["unemployment"],
        syn.municipality_factors, 2013, 2022, centre_distances=real_inputs["centre"])
    est = factors.fit_ols(ds, "log_growth_pa", factors.DEFAULT_FACTORS)
    table = factors.truth_table(est, syn.truth["effects"], factors.MUNICIPALITY_TRUTH_MAP)
    assert table["covered"].all(), table
    assert table["sign_ok"].all(), table


def test_area_factor_context_sentence(real_inputs):
    from kasvudata_utils.research import spatial
    from kasvudata_utils.research.inputs import load_research_inputs

    inp = load_research_inputs(synthetic_scale="test")
    text = factors.area_factor_context("Ylivieska", "en", 2013, 2022, inputs=inp)
    # the growth figure is the municipality's own personnel growth, computed independently here
    own = spatial.municipal_growth(inp.business_table, 2013, 2022).set_index("area_code").loc["KU977", "growth_pct"]
    assert text.startswith(f"Ylivieska: personnel changed by {own:+.1f} % in 2013–2022")
    assert "Growth factors in its favour:" in text and "against it:" in text
    # rd and broadband are named with the synthetic badge wherever they appear
    for name in ("R&D spending per capita", "broadband coverage"):
        if name in text:
            assert f"{name} (SYNTHETIC data)" in text
    assert factors.area_factor_context("KU977", "fi", 2013, 2022, inputs=inp).startswith("Ylivieska: henkilöstö")
    # issue 13: a sub-region's figure is the median of its municipalities, and is worded as one
    growth = spatial.municipal_growth(inp.business_table, 2013, 2022).set_index("area_code")["growth_pct"]
    med = growth.loc[[c for c in areas.municipalities("SK177") if c in growth.index]].median()
    sk = factors.area_factor_context("SK177", "en", 2013, 2022, inputs=inp)
    assert sk.startswith(f"Ylivieska sub-region: the median personnel change of its municipalities was {med:+.1f} %")
    assert "kuntien henkilöstömuutoksen mediaani" in factors.area_factor_context("SK177", "fi", 2013, 2022,
                                                                                 inputs=inp)
    with pytest.raises(InputError, match="KU478"):
        factors.area_factor_context("KU478", "en", 2013, 2022, inputs=inp)


# ---------------------------------------------------------------- spatial impacts (issue 20)
def _grid_weights(n=12):
    import geopandas as gpd
    from shapely.geometry import box

    g = gpd.GeoDataFrame({"municipality_code": [f"m{i:03d}" for i in range(n * n)]},
                         geometry=[box(c, r, c + 1, r + 1) for r in range(n) for c in range(n)], crs=3067)
    return g, spatial.build_weights(g, id_col="municipality_code")


def test_lag_impacts_equal_the_dense_matrix_definition():
    from kasvudata_utils.research.spatial_impacts import lag_impacts, weight_eigenvalues

    _, w = _grid_weights(5)
    W = w.full()[0]
    S = np.linalg.inv(np.eye(25) - 0.4 * W)
    beta, theta = np.array([0.3, -1.0]), np.array([0.1, 0.2])
    # LeSage & Pace: direct = mean diag(S (I β + W θ)), total = mean row sum = (β + θ) / (1 − ρ)
    direct = [np.trace(S @ (np.eye(25) * b + W * t)) / 25 for b, t in zip(beta, theta, strict=True)]
    out = lag_impacts(beta, theta, 0.4, np.eye(5) * 1e-6, {"beta": [1, 2], "theta": [3, 4], "rho": 0},
                      weight_eigenvalues(w), ["a", "b"])
    assert out["direct"].to_numpy() == pytest.approx(direct)
    assert out["total"].to_numpy() == pytest.approx((beta + theta) / 0.6)
    assert out["indirect"].to_numpy() == pytest.approx((beta + theta) / 0.6 - np.array(direct))
    assert (out["estimate"] == out["total"]).all()


def test_spatial_lag_reports_impacts_and_the_total_covers_the_planted_total():
    # y = 0.6 W y + x + e: the coefficient of x is 1, but the effect of raising x everywhere is 1 / 0.4 = 2.5
    g, w = _grid_weights()
    rng = np.random.default_rng(5)
    x = rng.normal(size=144)
    y = np.linalg.solve(np.eye(144) - 0.6 * w.full()[0], x + rng.normal(scale=0.5, size=144))
    d = pd.DataFrame({"municipality_code": g["municipality_code"], "x": x, "y": y})
    out = factors.fit_spatial(d, "y", ["x"], w)
    imp = out.attrs["impacts"].set_index("term").loc["x"]
    est = out.set_index("term")
    assert imp["total"] == pytest.approx(est.loc["x", "estimate"] / (1 - est.loc["rho", "estimate"]))
    assert imp["ci_low"] < 2.5 < imp["ci_high"]
    assert est.loc["x", "estimate"] < imp["direct"] < imp["total"]     # feedback raises the direct impact
    assert not out.attrs["ambiguous"]
    table = factors.truth_table(out.attrs["impacts"], {"x": 2.5}, {"x": ("x", 1.0)})
    assert bool(table["covered"].iloc[0])


def test_lm_rule_flags_the_ambiguous_case_and_fits_the_spatial_durbin_model():
    # SARMA: lag (ρ = 0.5) and error (λ = 0.6) dependence at once; both plain and both robust LM tests
    # reject, so the rule cannot choose between lag and error: flagged, and the Durbin model nests both
    g, w = _grid_weights()
    W = w.full()[0]
    rng = np.random.default_rng(0)
    x = rng.normal(size=144)
    u = np.linalg.solve(np.eye(144) - 0.6 * W, rng.normal(scale=0.5, size=144))
    y = np.linalg.solve(np.eye(144) - 0.5 * W, x + u)
    d = pd.DataFrame({"municipality_code": g["municipality_code"], "x": x, "y": y})
    diag = factors.lm_diagnostics(d, "y", ["x"], w)
    p = diag["tests"].set_index("test")["p_value"]
    assert (p[["LM_lag", "LM_error", "robust_LM_lag", "robust_LM_error"]] < 0.05).all()
    assert diag["ambiguous"] and diag["choice"] == "durbin"
    out = factors.fit_spatial(d, "y", ["x"], w)
    assert out["term"].tolist() == ["const", "x", "W_x", "rho"]
    imp = out.attrs["impacts"].set_index("term").loc["x"]
    assert imp["ci_low"] < 2.0 < imp["ci_high"]                         # planted total 1 / (1 − 0.5)
    with pytest.raises(InputError, match="'sarma'"):
        factors.fit_spatial(d, "y", ["x"], w, model="sarma")
