"""Business demography, high growth and exports on hand-worked toy panels (METHODS.md).

Demography toy: Kuusamo (KU305), retail (div 47 → section G), panel years 2016–2022, active years:
    D1, D2: 2016–2022 · D3: 2016–2018 · D4: 2017–2022 · D5: 2017–2019 · D6: 2017 only
    D7: 2019–2022 · D8: 2019–2020 · D10: 2022 only · D11: 2016 only
Active: 2016: 4 (D1 D2 D3 D11) · 2017: 6 · 2018: 5 · 2019: 6 · 2020: 5 · 2021: 4 · 2022: 5
Births (first row, after 2016): 2017 D4 D5 D6 = 3 · 2019 D7 D8 = 2 · 2022 D10 = 1
Deaths (last row, before 2022): 2016 D11 · 2017 D6 · 2018 D3 · 2019 D5 · 2020 D8 = 1 each
"""
import math

import numpy as np
import pandas as pd
import pytest
from conftest import TOY_COLUMNS as COLS

from kasvudata_utils.indicators import compute_indicators

ACTIVE = {"D1": (2016, 2022), "D2": (2016, 2022), "D3": (2016, 2018), "D4": (2017, 2022), "D5": (2017, 2019),
          "D6": (2017, 2017), "D7": (2019, 2022), "D8": (2019, 2020), "D10": (2022, 2022), "D11": (2016, 2016)}


def demography_panel():
    rows = [(fid, y, "KU305", "47", 4.0, 1e5, 0.0, 0.0, a) for fid, (a, b) in ACTIVE.items() for y in range(a, b + 1)]
    # Taivalkoski: three steady firms (so its cells are published and do not force Kuusamo's)
    rows += [(t, y, "KU832", "47", 4.0, 1e5, 0.0, 0.0, 2000) for t in ("T1", "T2", "T3") for y in range(2016, 2023)]
    return pd.DataFrame(rows, columns=COLS)


def get(out, indicator, year, industry="ALL"):
    sel = out[(out.indicator == indicator) & (out.industry_code == industry) & (out.year == year)]
    assert len(sel) == 1, (indicator, year, industry, len(sel))
    return sel.iloc[0]


@pytest.fixture(scope="module")
def demo_open():
    return compute_indicators(demography_panel(), "KU305", "SK178", disclose=False)


def test_birth_death_churn(demo_open):
    # 2017: births 3/6 = 50 %, deaths 1/6 = 16.67 %, churn 4/6 = 66.67 %
    assert get(demo_open, "birth_rate_pct", 2017).value == pytest.approx(50.0)
    assert get(demo_open, "death_rate_pct", 2017).value == pytest.approx(100 / 6)
    assert get(demo_open, "churn_rate_pct", 2017).value == pytest.approx(400 / 6)
    # 2019: births 2/6, deaths 1/6; 2021: no births or deaths among 4 firms
    assert get(demo_open, "birth_rate_pct", 2019).value == pytest.approx(100 / 3)
    assert get(demo_open, "death_rate_pct", 2019).value == pytest.approx(100 / 6)
    assert get(demo_open, "churn_rate_pct", 2021).value == 0.0
    # 2022: D10's birth counts (1/5 = 20 %) and the section row equals the ALL row
    assert get(demo_open, "birth_rate_pct", 2022, "G").value == pytest.approx(20.0)
    # births cannot be seen in the panel's first year, deaths not in its last: no row at all
    assert demo_open[(demo_open.indicator == "birth_rate_pct") & (demo_open.year == 2016)].empty
    assert demo_open[(demo_open.indicator == "death_rate_pct") & (demo_open.year == 2022)].empty
    assert demo_open[(demo_open.indicator == "churn_rate_pct") & demo_open.year.isin([2016, 2022])].empty
    # death in 2016 (D11, last row before the panel's end): 1 of 4 = 25 %
    assert get(demo_open, "death_rate_pct", 2016).value == pytest.approx(25.0)


def test_survival(demo_open):
    # 1-year survival 2018 = births 2017 (D4 D5 D6) active in 2018 (D4 D5) = 2/3
    assert get(demo_open, "survival_rate_1y_pct", 2018).value == pytest.approx(200 / 3)
    # 1-year survival 2020 = births 2019 (D7 D8) active 2020 (both) = 100 %
    assert get(demo_open, "survival_rate_1y_pct", 2020).value == pytest.approx(100.0)
    # 1-year survival 2021: no births in 2020 → undefined (NaN, not 0), and not "suppressed"
    row = get(demo_open, "survival_rate_1y_pct", 2021)
    assert math.isnan(row.value) and not row.suppressed
    # 3-year survival 2020 = births 2017 active 2020 (D4) = 1/3; 2022 = births 2019 active 2022 (D7) = 1/2
    assert get(demo_open, "survival_rate_3y_pct", 2020).value == pytest.approx(100 / 3)
    assert get(demo_open, "survival_rate_3y_pct", 2022).value == pytest.approx(50.0)
    # 5-year survival 2022 = births 2017 active 2022 (D4) = 1/3
    assert get(demo_open, "survival_rate_5y_pct", 2022).value == pytest.approx(100 / 3)
    # n-year survival needs births in t − n, after the first year: 5-year only from 2022
    assert sorted(demo_open.loc[demo_open.indicator == "survival_rate_5y_pct", "year"].unique()) == [2022]
    assert sorted(demo_open.loc[demo_open.indicator == "survival_rate_3y_pct", "year"].unique()) == [2020, 2021,
                                                                                                     2022]


def test_survival_disclosure():
    out = compute_indicators(demography_panel(), "KU305", "SK178")
    # base of 3 births (2017) → published; base of 2 births (2019) → suppressed
    assert get(out, "survival_rate_1y_pct", 2018).value == pytest.approx(200 / 3)
    row = get(out, "survival_rate_1y_pct", 2020)
    assert row.suppressed and math.isnan(row.value)
    assert get(out, "survival_rate_3y_pct", 2022).suppressed  # births 2019: 2 firms


# High-growth toy: Kuusamo, division 25 (section C), years 2019–2022; personnel 2019 → 2022
# (2020 and 2021 in between), founded 2000 unless said.
HG = {
    "H1": (10, 13.31, 2000),   # ratio exactly 1.331 → NOT HGE (> is required); in the HGE base
    "H2": (10, 13.32, 2017),   # 1.332 → HGE; 2022 − 2017 = 5 → gazelle
    "H3": (9, 20, 2000),       # 9 at t−3 → not in the HGE base; micro base, gain 11 → micro-HGE
    "H4": (10, 20, 2016),      # HGE; 2022 − 2016 = 6 → not a gazelle
    "H5": (20, 30, 2000),      # 1.5 → HGE
    "H6": (5, 8.31, 2000),     # gain 3.31 → NOT micro-HGE (> 3.31 required)
    "H7": (5, 8.32, 2000),     # gain 3.32 → micro-HGE
    "H8": (0.5, 5, 2000),      # below 1 person at t−3 → outside the micro base
    "H9": (12, 12, 2000),      # no growth; HGE base
}


def hg_panel():
    rows = []
    for fid, (p0, p3, founded) in HG.items():
        for k, y in enumerate(range(2019, 2023)):
            p = p0 + (p3 - p0) * k / 3 if k < 3 else p3
            rows.append((fid, y, "KU305", "25", float(p), 1e6, 0.0, 0.0, founded))
    # H10 born 2020: 30 persons in 2022 but no row in 2019 → not assessed
    rows += [("H10", y, "KU305", "25", 30.0, 1e6, 0.0, 0.0, 2020) for y in (2020, 2021, 2022)]
    rows += [(t, y, "KU832", "25", 3.0, 1e6, 0.0, 0.0, 2000) for t in ("T1", "T2", "T3") for y in range(2019, 2023)]
    df = pd.DataFrame(rows, columns=COLS)
    # exports in 2022: H1 goods 200 000 (turnover 1 M), H2 services 100 000 (turnover 2 M),
    # H5 goods 300 000 + services 100 000 (turnover 5 M); everyone else 1 M turnover, no exports
    last = df.year == 2022
    df.loc[last & (df.firm_id == "H1"), "exports_goods_eur"] = 200_000.0
    df.loc[last & (df.firm_id == "H2"), ["exports_services_eur", "turnover_eur"]] = [100_000.0, 2e6]
    df.loc[last & (df.firm_id == "H5"), ["exports_goods_eur", "exports_services_eur", "turnover_eur"]] = \
        [300_000.0, 100_000.0, 5e6]
    return df


@pytest.fixture(scope="module")
def hg():
    return compute_indicators(hg_panel(), "KU305", "SK178", 2019, 2022)


@pytest.fixture(scope="module")
def hg_open():
    return compute_indicators(hg_panel(), "KU305", "SK178", 2019, 2022, disclose=False)


def test_high_growth_edge_cases(hg, hg_open):
    # HGE 2022: H2, H4, H5 = 3 (H1 exactly 1.331 is not; H3 had 9 persons; H10 has no t−3 row)
    assert get(hg_open, "hge_count", 2022).value == 3
    # base: ≥ 10 persons in 2019 and active 2022: H1 H2 H4 H5 H9 = 5 → share 3/5 = 60 %
    assert get(hg_open, "hge_share_pct", 2022).value == pytest.approx(60.0)
    # published, 3 HGEs at 60 % would tell that 2 firms of the base (H1, H9) did not grow fast: a count
    # of 2 firms with a confidential property, so count and share are suppressed together (issue 12)
    for ind in ("hge_count", "hge_share_pct"):
        assert get(hg, ind, 2022).suppressed and np.isnan(get(hg, ind, 2022).value)
    # gazelle: H2 only (founded 5 years before); H4 founded 6 years before is not
    assert get(hg_open, "gazelle_count", 2022).value == 1
    assert get(hg_open, "gazelle_count", 2022, "C").value == 1
    # one gazelle is a count of 1 firm with a confidential property: suppressed (issue 12)
    assert get(hg, "gazelle_count", 2022).suppressed and np.isnan(get(hg, "gazelle_count", 2022).value)
    # HGE needs t−3 inside the panel: only 2022 is assessed
    assert sorted(hg.loc[hg.indicator == "hge_count", "year"].unique()) == [2022]


def test_micro_hge(hg, hg_open):
    # micro base (1–9 persons in 2019): H3 (9), H6 (5), H7 (5) = 3
    # micro-HGE: H3 (gain 11) and H7 (gain 3.32); H6's gain of exactly 3.31 does not count
    row = get(hg_open, "micro_hge_count", 2022)
    assert row.value == 2
    assert row.note.startswith("experimental")
    # two micro high-growth firms are a count of 2 with a confidential property: suppressed (issue 12)
    row = get(hg, "micro_hge_count", 2022)
    assert row.suppressed and np.isnan(row.value) and row.note == "experimental"


def test_exporters_and_intensity(hg):
    # exporters 2022: H1, H2, H5 = 3; exports 200k + 100k + 400k = 700 000 €
    assert get(hg, "exporter_count", 2022).value == 3
    assert get(hg, "exports_eur", 2022).value == 700_000
    # turnover 2022: H1 1 M + H2 2 M + H5 5 M + 7 others × 1 M = 15 M → 700k / 15 M = 4.6667 %
    assert get(hg, "export_intensity_pct", 2022).value == pytest.approx(700_000 / 15e6 * 100)
    assert "goods and services" in get(hg, "export_intensity_pct", 2022).note
    # 2021: no exporter among 10 firms → 0 exporters, 0 € and 0 % (a structural zero is published)
    assert get(hg, "exporter_count", 2021).value == 0
    assert get(hg, "export_intensity_pct", 2021).value == 0.0


def test_micro_share(hg):
    # 2022 persons: H1 13.31, H2 13.32, H3 20, H4 20, H5 30, H6 8.31, H7 8.32, H8 5, H9 12, H10 30
    # below 10 persons: H6, H7, H8 = 3 of 10 = 30 %
    assert get(hg, "micro_share_pct", 2022).value == pytest.approx(30.0)
    # 2019: H1 10, H2 10, H3 9, H4 10, H5 20, H6 5, H7 5, H8 0.5, H9 12 → H3 H6 H7 H8 = 4/9
    assert get(hg, "micro_share_pct", 2019).value == pytest.approx(400 / 9)


def test_one_firm_area_is_suppressed():
    # Taivalkoski with one firm → every figure resting on it suppressed (empty, never 0)
    panel = hg_panel()
    out = compute_indicators(panel[~panel.firm_id.isin(["T2", "T3"])], "KU832", "SK178", 2019, 2022)
    p = out[(out.indicator == "personnel") & (out.industry_code == "ALL")]
    assert p.suppressed.all() and p.value.isna().all()
    # the exporter count rests on the cell's one firm, so it is suppressed as well
    assert get(out, "exporter_count", 2022).suppressed
    assert np.isnan(get(out, "exporter_count", 2022).value)
