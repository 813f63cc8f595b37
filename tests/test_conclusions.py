"""Tests of kasvudata_utils.research.conclusions: notebook takeaways follow the results, not fixed text."""
from __future__ import annotations

import pandas as pd

from kasvudata_utils.research import conclusions
from kasvudata_utils.research.spatial import MoranResult


def _stability(stable, counts=(3, 3)):
    t = pd.DataFrame({"seed": [1, 2], "n_significant": list(counts)})
    t.attrs.update(stable=stable, permutations=99_999)
    return t


def test_spatial_takeaways_follow_significance_stability_and_data_kind():
    table = pd.DataFrame({"area_code": ["KU009", "KU564", "KU091", "KU049"], "cluster": ["HH", "HH", "LL", "ns"]})
    sig = MoranResult(0.31, -0.003, 8.0, 0.0001, 0.0, 4, 9999)
    ns = MoranResult(0.01, -0.003, 0.3, 0.41, 0.4, 4, 9999)
    text = conclusions.spatial_takeaways(sig, table, _stability(True), "MK17", "en", synthetic=True)
    assert "Growth is spatially clustered: Moran's I = 0.310 (p = 0.0001, 9999 permutations)" in text
    # 3 of 4 significant: HH 2, LL 1; two of them (KU009, KU564) in North Ostrobothnia
    assert "3 of 4 municipalities" in text and "HH 2, LL 1" in text and "North Ostrobothnia: 2" in text
    assert "synthetic" in text and "seed" not in text
    text = conclusions.spatial_takeaways(ns, table, _stability(False, (3, 0)), "MK17", "fi", synthetic=False)
    assert "ei ole merkitsevästi kasautunutta" in text and "siemenestä" in text and "synteettinen" not in text
    assert "VAIHTELEE" in conclusions.lisa_stability_line(_stability(False, (3, 0)), "fi")
    assert "3, 0" in conclusions.lisa_stability_line(_stability(False, (3, 0)), "en")


def test_factor_takeaways_list_only_factors_whose_interval_excludes_zero_and_name_missed_effects():
    imp = pd.DataFrame({"term": ["broadband_10pp", "rd_1000eur_per_capita", "rural"],
                        "estimate": [0.004, 0.011, 0.02], "ci_low": [-0.001, 0.005, 0.01],
                        "ci_high": [0.009, 0.017, 0.03]})
    truth = pd.DataFrame({"effect": ["distance", "rd"], "covered": [False, True]})
    beta = pd.DataFrame({"term": ["const", "log_initial"], "estimate": [0.0, -0.02], "ci_low": [0, -0.03],
                         "ci_high": [0, -0.01], "p_value": [1.0, 0.001]})
    sigma = pd.DataFrame({"year": [2013, 2014, 2015], "sigma_log": [0.40, 0.38, 0.35]})
    text = conclusions.factor_takeaways(imp, "spatial lag (ML)", "en", ambiguous=True, municipality_truth=truth,
                                        beta=beta, sigma_years=sigma, synthetic=False)
    assert "rd_1000eur_per_capita +0.0110 (0.0050 … 0.0170)" in text
    assert "broadband" not in text and "rural" not in text           # interval spans 0; a control
    assert "1 of 2 effects (missed: distance)" in text
    assert "spatial Durbin" in text                                   # the ambiguous LM case is said
    assert "β-convergence: municipalities" in text and "0.400 to 0.350 in 2013–2015" in text
    assert "3 consecutive" in text
    none = conclusions.factor_takeaways(imp.iloc[:1], "OLS (HC3)", "en", synthetic=True)
    assert "No factor's 95 % interval excludes 0 (OLS (HC3))" in none and "synthetic" in none


def _support_result(low, high, wald_p, pre_p):
    did = pd.DataFrame({"term": ["support_effect", "pre_window"], "estimate": [(low + high) / 2, -0.02],
                        "ci_low": [low, -0.04], "ci_high": [high, 0.0], "p_value": [0.01, pre_p]})
    return {"did": did, "matches": pd.DataFrame({"pair_id": range(7)}),
            "honest": {"breakdown": 1.5, "max_abs_lead": 0.012},
            "leads_wald": {"statistic": 9.0, "df": 3, "p_value": wald_p}}


def test_support_takeaways_state_significance_pre_trends_and_the_planted_value():
    text = conclusions.support_takeaways(_support_result(0.01, 0.05, 0.6, 0.4), "en", planted=0.04, synthetic=True)
    assert "raised annual personnel growth by 0.030" in text and "(7 matched pairs)" in text
    assert "inside the interval" in text and "No sign of a pre-trend" in text
    assert "1.5 × the largest deviation before it (0.0120)" in text and "synthetic" in text
    # a significant joint lead test turns the verdict, even with an insignificant pre-window
    bad = conclusions.support_takeaways(_support_result(-0.01, 0.05, 0.01, 0.4), "en", planted=0.08,
                                        synthetic=False)
    assert "No significant effect of support" in bad and "outside the interval" in bad
    assert "Pre-trend:" in bad and "cannot be read as causal" in bad
    assert "Sensitivity" not in bad            # no breakdown statement for an insignificant effect
