"""The engine on the embedded synthetic panel (generate(scale="default")): calibrated rates come out
inside their target bands (issue #2), and areas add up (sub-regions → MK17, municipalities → sub-regions).
"""
import numpy as np
import pytest

from kasvudata_utils import areas
from kasvudata_utils.indicators import compute_indicators, compute_indicators_many, prepare

ADDITIVE = ["establishments", "personnel", "turnover_eur", "exports_eur", "exporter_count", "hge_count",
            "gazelle_count", "micro_hge_count"]


@pytest.fixture(scope="module")
def data():
    from kasvudata_utils.data.synthetic import generate

    return generate(scale="default")


@pytest.fixture(scope="module")
def open_all(data):
    """All 38 Northern Ostrobothnia areas against MK17, disclosure off (to check sums exactly)."""
    return compute_indicators_many(prepare(data.firm_panel), areas.home_region_areas(), reference="MK17",
                                   disclose=False)


def mk17_rates(open_all):
    a = open_all[(open_all.area_code == "MK17") & (open_all.industry_code == "ALL")]
    return a.pivot(index="year", columns="indicator", values="value")


@pytest.mark.parametrize("indicator, low, high", [
    ("birth_rate_pct", 7, 11), ("death_rate_pct", 6, 10), ("survival_rate_1y_pct", 75, 85),
    ("survival_rate_5y_pct", 40, 50), ("hge_share_pct", 5, 12), ("micro_share_pct", 90, 95),
])
def test_calibrated_rates_in_band_every_year(open_all, indicator, low, high):
    series = mk17_rates(open_all)[indicator].dropna()
    assert len(series) >= 5, indicator  # 2013–2023: even 5-year survival has 5 years (2019–2023)
    assert series.between(low, high).all(), series.round(2).to_dict()


def test_exporters_2022_about_900(open_all):
    assert 900 * 0.85 <= mk17_rates(open_all).loc[2022, "exporter_count"] <= 900 * 1.15


def test_subregions_add_up_to_mk17(open_all):
    d = open_all[open_all.indicator.isin(ADDITIVE)]
    sk = d[d.area_code.isin(areas.members("MK17", "SK"))].groupby(["indicator", "industry_code", "year"]).value.sum()
    mk = d[d.area_code == "MK17"].set_index(["indicator", "industry_code", "year"]).value
    sk = sk.reindex(mk.index, fill_value=0.0)
    np.testing.assert_allclose(sk.to_numpy(), mk.to_numpy(), rtol=1e-9)


def test_municipalities_add_up_to_subregions(open_all):
    d = open_all[open_all.indicator.isin(ADDITIVE)].copy()
    ku = d[d.area_code.str.startswith("KU")].copy()
    ku["sk"] = ku.area_code.map(areas.municipality_map("SK"))
    got = ku.groupby(["sk", "indicator", "industry_code", "year"]).value.sum()
    want = d[d.area_code.str.startswith("SK")].set_index(["area_code", "indicator", "industry_code", "year"]).value
    np.testing.assert_allclose(got.reindex(want.index, fill_value=0.0).to_numpy(), want.to_numpy(), rtol=1e-9)


def test_table_and_panel_agree_for_mk17(data, open_all):
    # the business table's MK17 rows are the aggregated firm panel: the levels must be the same
    tab = compute_indicators(data.business_table, "MK17", "MK17")
    keys = ["indicator", "industry_code", "year"]
    levels = ["establishments", "personnel", "turnover_eur", "exports_eur"]
    a = tab[tab.indicator.isin(levels)].set_index(keys).value
    b = open_all[(open_all.area_code == "MK17") & open_all.indicator.isin(levels)].set_index(keys).value
    np.testing.assert_allclose(a.sort_index().to_numpy(), b.reindex(a.sort_index().index).to_numpy(), rtol=1e-9)


def test_published_figures_are_the_true_ones_and_suppression_is_empty(data, open_all):
    on = compute_indicators_many(prepare(data.firm_panel), areas.home_region_areas(), reference="MK17")
    keys = ["area_code", "indicator", "industry_code", "year"]
    m = on.merge(open_all, on=keys, suffixes=("", "_open"))
    assert len(m) == len(on)
    pub = m[~m.suppressed]
    np.testing.assert_array_equal(pub.value.to_numpy(), pub.value_open.to_numpy())
    assert m.loc[m.suppressed, "value"].isna().all()
    # MK17's own totals are large and published
    mk = on[(on.area_code == "MK17") & (on.industry_code == "ALL") & (on.indicator == "personnel")]
    assert not mk.suppressed.any()


def test_every_area_code_form_gives_alavieska(data):
    cd = prepare(data.firm_panel)
    want = compute_indicators(cd, "KU009", "MK17", 2018, 2023)
    assert set(want.area_code) == {"KU009"}
    for form in (9, "009", "9", "Alavieska", "ku009"):
        got = compute_indicators(cd, form, "MK17", 2018, 2023)
        assert got.equals(want), form
