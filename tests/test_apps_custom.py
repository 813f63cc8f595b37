"""Custom areas in the apps (``KU009+KU977``): figures summed from the app cache's published cells.

The workshop's lean kernels cannot read the firm panel (pyarrow is blocked, ``apps.kernel``), so the
apps sum a grouping's figures from the cache; they must equal what ``kasvudata indicators --area``
prints for the grouping (the engine on the firm panel, METHODS "Custom areas").
"""
import io
import math

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli as run

from kasvudata_utils.apps.area_explorer import INDICATORS as EXPLORER_INDICATORS
from kasvudata_utils.apps.cache import CUSTOM_UNAVAILABLE, SECTION_INDICATORS, AppData, custom_area_rows

KEYS = ["indicator", "industry_code", "year"]


@pytest.fixture(scope="module")
def cache():
    return AppData.load().indicators


def _engine(capsys, code):
    rc, out, err = run(capsys, "indicators", "--area", code, "--format", "csv")
    assert rc == 0, err
    return pd.read_csv(io.StringIO(out), dtype={"industry_code": str})


@pytest.mark.parametrize("code", ["KU009+KU977", "SK177+SK178"])
def test_cache_sums_equal_the_engine_for_every_indicator_the_explorer_shows(cache, capsys, code):
    mine = custom_area_rows(cache, [code])
    eng = _engine(capsys, code)
    shown = [i for i in EXPLORER_INDICATORS if i not in CUSTOM_UNAVAILABLE]
    assert set(shown) == {"personnel", "establishments", "turnover_eur", "exports_eur", "birth_rate_pct",
                          "death_rate_pct", "churn_rate_pct", "hge_count", "micro_hge_count", "exporter_count",
                          "export_intensity_pct", "micro_share_pct"}
    # every indicator for all industries, the levels per section too (the explorer's structure table)
    assert set(mine["indicator"]) == {*shown, "gazelle_count"}  # gazelles add up too (the reports' figure)
    eng = eng[eng["indicator"].isin(set(mine["indicator"])) & ((eng["industry_code"] == "ALL")
                                                             | eng["indicator"].isin(SECTION_INDICATORS))]
    m = eng.merge(mine, on=KEYS, how="outer", suffixes=("_engine", "_cache"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"][KEYS + ["_merge"]].head()
    assert len(m) > 700  # 13 levels × years × sections and ALL, rates for ALL
    assert (m["suppressed_engine"].astype(bool) == m["suppressed_cache"].astype(bool)).all()
    assert m["suppressed_engine"].astype(bool).any() and not m["suppressed_engine"].astype(bool).all()
    pub = m[~m["suppressed_engine"].astype(bool)]
    assert pub["value_cache"].notna().sum() == pub["value_engine"].notna().sum()
    # the CLI prints full precision: equal up to the order of summing floats
    np.testing.assert_allclose(pub["value_cache"], pub["value_engine"], rtol=1e-12)
    assert m.loc[m["suppressed_engine"].astype(bool), "value_cache"].isna().all()


def test_a_custom_cell_is_the_sum_of_its_parts_published_cells(cache):
    rows = custom_area_rows(cache, ["KU009+KU977"])

    def cell(area, indicator, year, frame=cache):
        d = frame[(frame["area_code"] == area) & (frame["indicator"] == indicator)
                  & (frame["industry_code"] == "ALL") & (frame["year"] == year)].iloc[0]
        return float(d["value"]), bool(d["suppressed"])

    p9, p977 = cell("KU009", "personnel", 2022)[0], cell("KU977", "personnel", 2022)[0]
    assert cell("KU009+KU977", "personnel", 2022, rows) == (p9 + p977, False)
    # birth rate: births recovered from each part's rate × firms, then 100 · Σ births / Σ firms
    (b9, _), (b977, _) = cell("KU009", "birth_rate_pct", 2022), cell("KU977", "birth_rate_pct", 2022)
    (f9, _), (f977, _) = cell("KU009", "establishments", 2022), cell("KU977", "establishments", 2022)
    births = round(b9 * f9 / 100) + round(b977 * f977 / 100)
    assert cell("KU009+KU977", "birth_rate_pct", 2022, rows)[0] == pytest.approx(births / (f9 + f977) * 100)
    # exports of Alavieska are suppressed: so are the grouping's, whatever Ylivieska's are
    assert cell("KU009", "exports_eur", 2022)[1]
    value, suppressed = cell("KU009+KU977", "exports_eur", 2022, rows)
    assert suppressed and math.isnan(value)


def test_survival_is_not_available_for_a_grouping(cache):
    data = AppData(cache.copy())
    data.add_areas(["KU009+KU977"])
    assert data.unavailable("KU009+KU977", "survival_rate_1y_pct")
    assert not data.unavailable("KU009", "survival_rate_1y_pct")
    assert not data.unavailable("KU009+KU977", "birth_rate_pct")
    assert data.series("KU009+KU977", "survival_rate_1y_pct").empty
    assert len(data.series("KU009+KU977", "personnel")) == len(data.series("KU009", "personnel"))


def test_explorer_says_not_available_for_a_grouping(cache):
    from kasvudata_utils.apps.area_explorer import AreaExplorer

    data = AppData(cache.copy())
    for lang, words in (("fi", "ei ole saatavilla alueiden yhdistelmälle"),
                        ("en", "is not available for a grouping of areas")):
        app = AreaExplorer("KU009+KU977", lang, data=data, map=False)
        app.indicator_select.value = "survival_rate_1y_pct"
        assert words in app.summary.value and words in app.table.value
        assert "salattu" not in app.summary.value.split(".")[0]
        app.indicator_select.value = "birth_rate_pct"
        assert words not in app.summary.value
