"""Tests of kasvudata_utils.research.support: classes, matching, DiD and event study.

Hand-made toy panels check the mechanics; the synthetic panel with its planted
support effect (0.04 log points of extra growth in each of the three years
after the grant) checks that the DiD recovers it, and that on a panel
generated with no effect its interval contains 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils.data.synthetic import generate
from kasvudata_utils.errors import InputError
from kasvudata_utils.research import support


def toy_panel(effect: float = 0.0, n_pairs: int = 40, seed: int = 0) -> pd.DataFrame:
    """n_pairs supported firms (grant in 2016) and n_pairs look-alike unsupported firms, 2013–2021.

    Every firm grows 2 % a year plus noise; supported firms grow ``effect`` more in 2017–2019.
    All in Alavieska (rural), section C (division 10), founded 2005, about 4 persons.
    """
    rng = np.random.default_rng(seed)
    rows = []
    years = np.arange(2013, 2022)
    for i in range(2 * n_pairs):
        treated = i < n_pairs
        g = 0.02 + rng.normal(0, 0.01, len(years))
        g[0] = 0.0
        if treated:
            g += effect * ((years >= 2017) & (years <= 2019))
        size = 4.0 * np.exp(np.cumsum(g)) * np.exp(rng.normal(0, 0.05))
        for j, y in enumerate(years):
            rows.append({"firm_id": f"{'T' if treated else 'C'}{i:03d}", "year": int(y),
                         "municipality_code": "KU009", "industry_code": "10", "personnel": float(size[j]),
                         "turnover_eur": 1e5, "exports_goods_eur": 0.0, "exports_services_eur": 0.0,
                         "founded_year": 2005, "support_eur": 10_000.0 if treated and y == 2016 else 0.0})
    return pd.DataFrame(rows)


def test_classes_by_definition():
    assert support.size_class([0, 1.99, 2, 4.99, 5, 9.99, 10, 49.9, 50]).tolist() == \
        ["0-1", "0-1", "2-4", "2-4", "5-9", "5-9", "10-49", "10-49", "50+"]
    assert support.age_class([0, 2, 3, 5, 6, 10, 11, 40]).tolist() == \
        ["0-2", "0-2", "3-5", "3-5", "6-10", "6-10", "11+", "11+"]


def test_matching_uses_the_year_before_support_and_exact_cells():
    p = toy_panel(n_pairs=3)
    # make one control a different section: it may never be chosen
    p.loc[p["firm_id"] == "C003", "industry_code"] = "62"
    m = support.match_controls(p)
    assert len(m) == 3 and m.attrs["unmatched"] == 0
    assert set(m["event_year"]) == {2016}
    assert "C003" not in set(m["control_id"])
    assert m["treated_id"].str.startswith("T").all() and m["control_id"].str.startswith("C").all()
    # the chosen control is the nearest in log personnel of 2015 among C004, C005
    pre = p[p["year"] == 2015].set_index("firm_id")["personnel"]
    for _, r in m.iterrows():
        best = min(["C004", "C005"], key=lambda c: abs(np.log(pre[c]) - np.log(pre[r["treated_id"]])))
        assert r["control_id"] == best


def test_no_support_is_a_clear_input_error():
    p = toy_panel(n_pairs=2).assign(support_eur=0.0)
    with pytest.raises(InputError, match="no supported firm"):
        support.match_controls(p)
    with pytest.raises(InputError, match="caliper"):
        support.match_controls(toy_panel(n_pairs=2), caliper=0)


def test_stacked_panel_relative_years_and_growth():
    p = toy_panel(n_pairs=2)
    m = support.match_controls(p)
    s = support.stacked_panel(p, m, window=(-2, 3))
    assert s["rel_year"].min() == -2 and s["rel_year"].max() == 3
    assert set(s["year"]) == set(range(2014, 2020))           # 2016 - 2 … 2016 + 3
    # growth_log is the log change from the previous year of the same firm
    f = s[s["firm_id"] == "T000"].set_index("year")["personnel"]
    g = s[s["firm_id"] == "T000"].set_index("year")["growth_log"]
    assert g[2017] == pytest.approx(np.log(f[2017] / f[2016]))
    assert set(s["unit"]) == {f"{i}_{r}" for i in m["pair_id"] for r in ("T", "C")}


def test_did_and_event_study_recover_a_toy_effect():
    # noise sd 0.01 a year, 40 pairs: the 0.05 effect is estimated within a few thousandths
    p = toy_panel(effect=0.05, n_pairs=40, seed=1)
    # every toy firm enters in 2013, so the path adds nothing here: match on t−1 size alone (the pairs
    # these tolerances were worked out for)
    r = support.evaluate_support(p, window=(-3, 5), match_on=("log_personnel",))
    did = r["did"].set_index("term").loc["support_effect"]
    assert did["ci_low"] < 0.05 < did["ci_high"]
    assert did["estimate"] == pytest.approx(0.05, abs=0.01)
    es = r["event_study"].set_index("rel_year")
    # extra annual growth: 0 before the grant (no pre-trend planted), 0.05 in 2017–2019, 0 after;
    # the cumulative level gain is 0.05, 0.10, 0.15 and stays at 0.15
    assert -3 not in es.index  # 2013 is the panel's first year: no growth to compare
    for k, expected in {-2: 0.0, -1: 0.0, 0: 0.0, 1: 0.05, 2: 0.05, 3: 0.05, 4: 0.0, 5: 0.0}.items():
        assert es.loc[k, "estimate"] == pytest.approx(expected, abs=0.01), k
    for k, expected in {1: 0.05, 2: 0.10, 3: 0.15, 5: 0.15}.items():
        assert es.loc[k, "cumulative"] == pytest.approx(expected, abs=0.02), k


@pytest.fixture(scope="module")
def planted():
    return {"effect": generate(scale="test"), "zero": generate(scale="test", effects={"support": 0.0})}


def test_did_interval_contains_the_planted_support_effect(planted):
    syn = planted["effect"]
    truth = syn.truth["effects"]["support"]["value"]
    assert truth > 0
    did = support.evaluate_support(syn.firm_panel)["did"].set_index("term").loc["support_effect"]
    assert did["ci_low"] <= truth <= did["ci_high"]
    # the small test panel (about 130 matched pairs) gives an interval of about ±0.05, too wide to
    # exclude 0; that the method also has the power to find the effect is checked at the embedded
    # panel's size in test_did_at_default_scale_recovers_the_effect_and_its_absence (slow)
    assert did["ci_high"] - did["ci_low"] < 0.15


def test_did_interval_contains_zero_without_a_planted_effect(planted):
    syn = planted["zero"]
    assert syn.truth["effects"]["support"]["value"] == 0.0
    did = support.evaluate_support(syn.firm_panel)["did"].set_index("term").loc["support_effect"]
    assert did["ci_low"] <= 0.0 <= did["ci_high"]


def test_matching_balances_size_before_support(planted):
    r = support.evaluate_support(planted["effect"].firm_panel)
    b = r["balance"].set_index("variable")
    # supported firms are larger than the average firm (the generator favours 10–249 persons);
    # after matching on size class and nearest log size the gap is small
    assert abs(b.loc["log_personnel", "smd_all"]) > 0.2
    assert abs(b.loc["log_personnel", "smd_matched"]) < 0.1
    assert b.loc["rural", "smd_matched"] == 0.0  # exact on area type


@pytest.mark.slow
def test_did_at_default_scale_recovers_the_effect_and_its_absence():
    # the embedded panel's size (about 1,200 matched pairs): the interval is narrow enough that it
    # must hold the planted 0.04 and exclude 0; generated without an effect it must hold 0
    effect = support.evaluate_support(generate(scale="default").firm_panel)
    did = effect["did"].set_index("term").loc["support_effect"]
    assert did["ci_low"] <= 0.04 <= did["ci_high"] and did["ci_low"] > 0
    zero = support.evaluate_support(generate(scale="default", effects={"support": 0.0}).firm_panel)
    did0 = zero["did"].set_index("term").loc["support_effect"]
    assert did0["ci_low"] <= 0.0 <= did0["ci_high"]


# ---------------------------------------------------------------- fair comparison (issue 20)
def _path_panel():
    """Treated firms enter at 8 persons and shrink to 4 by 2015 (grant 2016); control type A has been 4 all
    along (4.0 in 2015, the nearest in t−1 size), type B followed the treated firms' path (4.1 in 2015)."""
    rows = []
    years = range(2013, 2022)
    paths = {"T": [8.0, 5.66, 4.0], "A": [4.0, 4.0, 4.0], "B": [8.0, 5.8, 4.1]}
    for kind, n in (("T", 5), ("A", 5), ("B", 5)):
        for i in range(n):
            for y in years:
                size = paths[kind][y - 2013] if y <= 2015 else paths[kind][2] * 1.02 ** (y - 2015)
                rows.append({"firm_id": f"{kind}{i}", "year": y, "municipality_code": "KU009", "industry_code": "10",
                             "personnel": size * (1 + 0.001 * i), "founded_year": 2005,
                             "support_eur": 5000.0 if kind == "T" and y == 2016 else 0.0})
    return pd.DataFrame(rows)


def test_matching_on_the_path_removes_the_pre_trend_that_t_minus_1_matching_builds():
    p = _path_panel()
    level_only = support.match_controls(p, match_on=("log_personnel",))
    path = support.match_controls(p)
    assert level_only["control_id"].str.startswith("A").all()       # nearest in 2015 size alone
    assert path["control_id"].str.startswith("B").all()             # same size at entry and in t−1
    # pre-window: treated growth 2014–2015 is ln(4/8)/2 a year; A's is 0, B's ln(4.1/8)/2
    pre_a = support.fit_did(support.stacked_panel(p, level_only, (-2, 3))).set_index("term").loc["pre_window"]
    pre_b = support.fit_did(support.stacked_panel(p, path, (-2, 3))).set_index("term").loc["pre_window"]
    assert pre_a["estimate"] == pytest.approx(np.log(4 / 8) / 2, abs=0.002)
    assert pre_b["estimate"] == pytest.approx((np.log(4 / 8) - np.log(4.1 / 8)) / 2, abs=0.002)


def test_controls_are_clean_within_the_window_but_may_be_treated_later():
    p = toy_panel(n_pairs=3)
    p = pd.concat([p, p[p["year"] == 2021].assign(year=2022), p[p["year"] == 2021].assign(year=2023)])
    p.loc[(p["firm_id"] == "C003") & (p["year"] == 2019), "support_eur"] = 1000.0   # 3 years after: dirty
    p.loc[(p["firm_id"] == "C004") & (p["year"] == 2023), "support_eur"] = 1000.0   # 7 years after: clean
    m = support.match_controls(p, match_on=("log_personnel",), clean=(-7, 5))
    assert "C003" not in set(m["control_id"]) and len(m[m["event_year"] == 2016]) == 3
    wide = support.match_controls(p, match_on=("log_personnel",), clean=(-7, 7))
    assert not {"C003", "C004"} & set(wide["control_id"])
    pre = p[p["year"] == 2015].set_index("firm_id")["personnel"]
    # (C003 itself is now a supported firm with its own 2019 pair)
    for _, r in m[m["event_year"] == 2016].iterrows():  # the nearest among the clean ones (C004 and C005)
        best = min(["C004", "C005"], key=lambda c: abs(np.log(pre[c]) - np.log(pre[r["treated_id"]])))
        assert r["control_id"] == best
    with pytest.raises(InputError, match="clean window"):
        support.match_controls(p, clean=(1, 5))


def test_sup_t_critical_value_and_joint_wald_by_hand():
    # two independent coefficients: P(max |Z| ≤ c) = (2Φ(c) − 1)² = 0.95 → c = Φ⁻¹((1 + √0.95) / 2) = 2.2365
    assert support.sup_t_critical_value(np.eye(2)) == pytest.approx(2.2365, abs=0.01)
    # perfectly correlated: one coefficient → 1.96
    assert support.sup_t_critical_value(np.ones((2, 2)) + np.eye(2) * 1e-12) == pytest.approx(1.96, abs=0.01)
    r = support.joint_wald([0.02, 0.0], np.array([[1e-4, 0.0], [0.0, 4e-4]]))   # (0.02)² / 1e-4 = 4
    assert r["statistic"] == pytest.approx(4.0) and r["df"] == 2
    assert r["p_value"] == pytest.approx(np.exp(-2.0))                           # χ²₂ survival e^(−x/2)


def test_event_study_reports_composition_bands_and_the_joint_lead_test():
    p = toy_panel(effect=0.05, n_pairs=40, seed=1)
    r = support.evaluate_support(p, window=(-3, 5), match_on=("log_personnel",))
    es = r["event_study"].set_index("rel_year")
    assert (es["n_treated"] == 40).all()
    assert (es["band_high"] - es["band_low"] > es["ci_high"] - es["ci_low"]).all()   # simultaneous ⊃ pointwise
    w = r["leads_wald"]
    assert w["df"] == 2 and 0 <= w["p_value"] <= 1
    assert r["honest"]["breakdown"] > 1     # the effect survives violations larger than the largest lead


def test_did_equals_ols_with_pair_by_year_dummies():
    # cross-check of the linearmodels fit with a plain statsmodels OLS on explicit dummies
    from statsmodels.regression.linear_model import OLS

    p = toy_panel(effect=0.05, n_pairs=10, seed=2)
    m = support.match_controls(p, match_on=("log_personnel",))
    st = support.stacked_panel(p, m, (-2, 4))
    did = support.fit_did(st).set_index("term")
    d = st.dropna(subset=["growth_log"]).copy()
    tr = d["treated"] == 1
    x = pd.DataFrame({"support_effect": (tr & d["rel_year"].between(1, 3)).astype(float),
                      "pre_window": (tr & (d["rel_year"] < 0)).astype(float),
                      "grant_year": (tr & (d["rel_year"] == 0)).astype(float),
                      "after_window": (tr & (d["rel_year"] > 3)).astype(float)})
    dummies = pd.get_dummies(d["pair_id"].astype(str) + "_" + d["year"].astype(str), dtype=float)
    res = OLS(d["growth_log"].to_numpy(), pd.concat([x, dummies], axis=1).to_numpy()).fit()
    assert did.loc["support_effect", "estimate"] == pytest.approx(res.params[0], abs=1e-10)
    assert did.loc["pre_window", "estimate"] == pytest.approx(res.params[1], abs=1e-10)


@pytest.mark.slow
def test_embedded_panel_shows_no_significant_pre_window():
    from kasvudata_utils import data

    r = support.evaluate_support(data.load_firm_panel())
    pre = r["did"].set_index("term").loc["pre_window"]
    assert pre["p_value"] > 0.05, pre
    assert r["leads_wald"]["p_value"] > 0.05, r["leads_wald"]
    eff = r["did"].set_index("term").loc["support_effect"]
    assert eff["ci_low"] <= 0.04 <= eff["ci_high"]
