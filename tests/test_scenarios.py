"""The scenario model (METHODS "Scenario model") against projections worked out by hand."""
import math

import pandas as pd
import pytest

from kasvudata_utils import scenarios as sc
from kasvudata_utils.errors import InputError

RATES = {"birth_rate_pct": 7.0, "survival_rate_pct": 92.0, "micro_growth_share_pct": 2.0, "micro_share_pct": 90.0}


def one_group(personnel=100.0, firms=10.0, exports=20.0, turnover=80.0, trend=0.0, group="manufacturing"):
    return pd.DataFrame({"group": [group], "personnel": [personnel], "firms": [firms], "exports_eur": [exports],
                         "turnover_eur": [turnover], "trend_pct": [trend]})


def test_baseline_grows_at_the_reference_trend_and_defaults_equal_baseline():
    inputs = pd.concat([one_group(200.0, 40.0, 10.0, 100.0, 10.0),
                        one_group(50.0, 5.0, 0.0, 20.0, -10.0, "construction")], ignore_index=True)
    res = sc.project(inputs, sc.default_levers(RATES), horizon_years=2, rates=RATES).set_index("group")
    # manufacturing: 200 · 1.1² = 242; firms 40 · 1.21 = 48.4; exports 10 · 1.21 = 12.1
    assert res.loc["manufacturing", "personnel_baseline"] == pytest.approx(242.0)
    assert res.loc["manufacturing", "firms_baseline"] == pytest.approx(48.4)
    assert res.loc["manufacturing", "exports_eur_baseline"] == pytest.approx(12.1)
    # construction: 50 · 0.9² = 40.5
    assert res.loc["construction", "personnel_baseline"] == pytest.approx(40.5)
    for m in sc.MEASURES:
        assert list(res[f"{m}_scenario"]) == pytest.approx(list(res[f"{m}_baseline"]))


def test_export_lever_and_elasticity():
    # P=100, X=20, R=80 → intensity 0.25; x=10 %/yr over 2 years → (1.1² − 1) = 0.21
    # ΔP = 100 · 0.4 · 0.25 · 0.21 = 2.1; X = 20 · 1.21 = 24.2
    res = sc.project(one_group(), {"export_manufacturing": 10.0, "export_elasticity": 0.4}, 2, RATES).iloc[0]
    assert res["jobs_from_exports"] == pytest.approx(2.1)
    assert res["personnel_scenario"] == pytest.approx(102.1)
    assert res["exports_eur_scenario"] == pytest.approx(24.2)
    assert res["firms_scenario"] == pytest.approx(10.0)


def test_export_lever_of_another_group_does_not_touch_this_one():
    res = sc.project(one_group(group="construction"), {"export_manufacturing": 10.0}, 2, RATES).iloc[0]
    assert res["personnel_scenario"] == pytest.approx(100.0)
    assert res["exports_eur_scenario"] == pytest.approx(20.0)


def test_birth_and_survival_levers_change_the_firm_stock():
    # birth 9 vs 7 → d = 0.02/yr; F = 50 over 2 years: 50 · 1.02² = 52.02; 2.02 extra firms · 2.0 = 4.04 jobs
    res = sc.project(one_group(firms=50.0), {"birth_rate_pct": 9.0}, 2, RATES).iloc[0]
    assert res["firms_scenario"] == pytest.approx(52.02)
    assert res["jobs_from_firms"] == pytest.approx(4.04)
    assert res["personnel_scenario"] == pytest.approx(104.04)
    # +2 points of births and −2 points of survival cancel: d = 0
    res = sc.project(one_group(firms=50.0), {"birth_rate_pct": 9.0, "survival_rate_pct": 90.0}, 2, RATES).iloc[0]
    assert res["firms_scenario"] == pytest.approx(50.0)


def test_micro_growth_lever():
    # (5 − 2) % of the 90 % micro-firms of 100 firms grow by 3.31 persons per 3 years, 6 years = 2 periods:
    # 0.03 · 0.9 · 100 · 3.31 · 2 = 17.874
    res = sc.project(one_group(firms=100.0), {"micro_growth_share_pct": 5.0}, 6, RATES).iloc[0]
    assert res["jobs_from_micro_growth"] == pytest.approx(17.874)
    assert res["personnel_scenario"] == pytest.approx(117.874)


def test_defaults_rounded_to_the_slider_step_still_reproduce_the_baseline():
    rates = dict(RATES, birth_rate_pct=7.3)  # slider step 0.5 → default 7.5
    assert sc.default_levers(rates)["birth_rate_pct"] == 7.5
    res = sc.project(one_group(), sc.default_levers(rates), 8, rates).iloc[0]
    assert res["personnel_scenario"] == pytest.approx(res["personnel_baseline"])


def test_summarise_totals_and_differences():
    inputs = pd.concat([one_group(), one_group(group="business_services")], ignore_index=True)
    res = sc.project(inputs, {"export_manufacturing": 10.0, "export_elasticity": 0.4}, 2, RATES)
    s = sc.summarise(res)
    assert s["personnel_baseline"] == pytest.approx(200.0)
    assert s["personnel_scenario"] == pytest.approx(202.1)
    assert s["personnel_diff"] == pytest.approx(2.1)
    assert s["exports_eur_diff"] == pytest.approx(4.2)  # 24.2 − 20
    assert s["firms_diff"] == pytest.approx(0.0)


def test_baseline_inputs_groups_sections_and_takes_the_reference_trend():
    area = pd.DataFrame({
        "industry_code": ["C", "D", "G", "C", "D", "G", "A"],
        "year": [2021, 2021, 2021, 2023, 2023, 2023, 2023],
        "personnel": [10, 5, 7, 12, 6, 8, 99], "establishments": [3, 1, 4, 3, 2, 4, 9],
        "exports_eur": [1, 0, 0, 4, None, 0, 0], "turnover_eur": [20, 10, 10, 30, 10, 15, 5],
    })
    ref = pd.DataFrame({
        "industry_code": ["C", "C", "G", "G"], "year": [2021, 2023, 2021, 2023],
        "personnel": [100, 121, 50, 50], "establishments": [1, 1, 1, 1],
        "exports_eur": [0, 0, 0, 0], "turnover_eur": [1, 1, 1, 1],
    })
    got = sc.baseline_inputs(area, ref, trend_years=2).set_index("group")
    assert set(got.index) == {"manufacturing", "trade_transport"}  # A is outside the model
    assert got.loc["manufacturing", "personnel"] == 18  # C 12 + D 6 in 2023
    assert got.loc["manufacturing", "firms"] == 5
    assert got.loc["manufacturing", "exports_eur"] == 4  # missing counts as 0
    assert got.loc["manufacturing", "trend_pct"] == pytest.approx(10.0)  # (121/100)^(1/2) − 1
    assert got.loc["trade_transport", "trend_pct"] == pytest.approx(0.0)
    assert list(area.columns) == ["industry_code", "year", "personnel", "establishments", "exports_eur",
                                  "turnover_eur"]


def test_bad_levers_and_horizon_are_input_errors():
    with pytest.raises(InputError, match="unknown scenario lever"):
        sc.project(one_group(), {"exports": 1.0})
    with pytest.raises(InputError, match="birth_rate_pct=50"):
        sc.project(one_group(), {"birth_rate_pct": 50})
    with pytest.raises(InputError, match="horizon"):
        sc.project(one_group(), horizon_years=0)


def test_project_does_not_mutate_inputs_and_is_deterministic():
    inputs = one_group(trend=3.0)
    before = inputs.copy()
    a = sc.project(inputs, {"export_manufacturing": 5.0})
    b = sc.project(inputs, {"export_manufacturing": 5.0})
    pd.testing.assert_frame_equal(inputs, before)
    pd.testing.assert_frame_equal(a, b)


def test_cagr_is_nan_for_zero_base():
    assert math.isnan(sc.cagr_pct(0, 10, 3))
    assert sc.cagr_pct(100, 121, 2) == pytest.approx(10.0)


def _area_with_hidden_sections():
    # 2023: published total 100 persons, 12 firms; C is suppressed, F (30) and G (20) are visible → 50 hidden
    return pd.DataFrame({
        "industry_code": ["ALL", "C", "F", "G"], "year": [2023] * 4,
        "personnel": [100.0, None, 30.0, 20.0], "establishments": [12.0, None, 5.0, 4.0],
        "exports_eur": [10.0, None, 0.0, 4.0], "turnover_eur": [50.0, None, 10.0, 20.0],
    })


def _reference():
    # C: 200 → 242 over 2021–2023 (+10 %/yr); F flat; G 100 → 81 (−10 %/yr); ALL 400 → 423
    return pd.DataFrame({
        "industry_code": ["C", "C", "F", "F", "G", "G", "ALL", "ALL"],
        "year": [2021, 2023] * 4,
        "personnel": [200.0, 242.0, 100.0, 100.0, 100.0, 81.0, 400.0, 423.0],
        "establishments": [1.0] * 8, "exports_eur": [0.0] * 8, "turnover_eur": [1.0] * 8,
    })


def test_hidden_sections_form_their_own_group_from_the_published_total():
    got = sc.baseline_inputs(_area_with_hidden_sections(), _reference(), trend_years=2).set_index("group")
    assert "manufacturing" not in got.index  # C hidden: no published jobs or firms in the group
    assert got.loc[sc.OTHER_GROUP, "personnel"] == pytest.approx(50.0)  # 100 − 30 − 20
    assert got.loc[sc.OTHER_GROUP, "firms"] == pytest.approx(3.0)  # 12 − 5 − 4
    assert got.loc[sc.OTHER_GROUP, "exports_eur"] == pytest.approx(6.0)  # 10 − 0 − 4
    assert got.loc[sc.OTHER_GROUP, "turnover_eur"] == pytest.approx(20.0)  # 50 − 10 − 20
    # the hidden group grows at the reference's trend of the hidden section C: (242/200)^(1/2) − 1 = 10 %
    assert got.loc[sc.OTHER_GROUP, "trend_pct"] == pytest.approx(10.0)
    assert got["personnel"].sum() == pytest.approx(100.0)
    # first projected year: 30 · 1 + 20 · 0.9 + 50 · 1.1 = 103
    res = sc.summarise(sc.project(got.reset_index(), None, horizon_years=1, rates=RATES))
    assert res["personnel_baseline"] == pytest.approx(103.0)


def test_without_hidden_sections_the_rest_takes_the_reference_total_trend():
    area = _area_with_hidden_sections().assign(personnel=[100.0, 40.0, 30.0, 20.0])  # 10 not in any section
    got = sc.baseline_inputs(area, _reference(), trend_years=2).set_index("group")
    assert got.loc[sc.OTHER_GROUP, "personnel"] == pytest.approx(10.0)
    assert got.loc[sc.OTHER_GROUP, "trend_pct"] == pytest.approx(((423 / 400) ** 0.5 - 1) * 100)


def test_unpublished_total_leaves_the_visible_groups_alone():
    area = _area_with_hidden_sections()
    area.loc[area["industry_code"] == "ALL", "personnel"] = None
    area.loc[area["industry_code"] == "ALL", "establishments"] = None
    got = sc.baseline_inputs(area, _reference(), trend_years=2)
    assert sc.OTHER_GROUP not in set(got["group"])
    assert got["personnel"].sum() == pytest.approx(50.0)


def test_inactive_levers_name_empty_and_export_free_groups():
    got = sc.baseline_inputs(_area_with_hidden_sections(), _reference(), trend_years=2)
    # manufacturing hidden → empty; trade (G) exports 4 of turnover 20 → acts; business services absent → empty
    assert sc.inactive_levers(got) == {"export_manufacturing": "empty", "export_business_services": "empty"}
    res = sc.project(got, {"export_manufacturing": 10.0}, horizon_years=3, rates=RATES)
    assert res["jobs_from_exports"].sum() == pytest.approx(0.0)


def test_every_home_area_starts_from_its_published_total():
    """Issue 13: for the 38 areas, the groups add up to the published last-year personnel and the
    first projected year stays within the reference trends (a weighted mean of the group trends)."""
    from kasvudata_utils import areas
    from kasvudata_utils.apps.cache import AppData
    from kasvudata_utils.apps.scenario_workshop import scenario_inputs

    data = AppData.load()
    year = data.years()[1]
    codes = areas.home_region_areas()
    assert len(codes) == 38
    for code in codes:
        published = data.value(code, "personnel", year)
        assert published > 0, code
        inputs, _ = scenario_inputs(data, code, areas.default_reference(code), year)
        assert inputs["personnel"].sum() == pytest.approx(published, abs=0.01), code
        first = sc.summarise(sc.project(inputs, None, horizon_years=1))["personnel_baseline"]
        lo, hi = inputs["trend_pct"].min(), inputs["trend_pct"].max()
        assert published * (1 + lo / 100) - 1e-6 <= first <= published * (1 + hi / 100) + 1e-6, code


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(sc)
    assert result.failed == 0 and result.attempted >= 6
