"""Growth, CAGR, shares, location quotients, Krugman and Herfindahl on the hand-worked toy panel.

The panel and its worked numbers are in ``tests/conftest.py`` (fixture ``toy_panel``).
"""
import math

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import (
    cagr_pct,
    compute_indicators,
    growth_pct,
    herfindahl_index,
    herfindahl_normalised,
    krugman_index,
    location_quotient,
)


@pytest.fixture(scope="module")
def out(toy_panel):
    return compute_indicators(toy_panel(), "Kuusamo", "SK178", 2020, 2022, disclose=False)


def value(out, indicator, industry="ALL", year=2022):
    sel = out[(out.indicator == indicator) & (out.industry_code == industry) & (out.year == year)]
    assert len(sel) == 1, (indicator, industry, year, len(sel))
    return sel.iloc[0]


def test_levels_every_year(out):
    # personnel ALL per year: 53, 60, 68; establishments C = 3 firms every year
    assert [value(out, "personnel", "ALL", y).value for y in (2020, 2021, 2022)] == [53, 60, 68]
    assert [value(out, "establishments", "C", y).value for y in (2020, 2021, 2022)] == [3, 3, 3]
    # turnover = 1000 € × personnel: 68 000 € in 2022
    assert value(out, "turnover_eur").value == 68_000
    assert not out["suppressed"].any()
    assert out["note"].str.contains("not for publication").all()
    assert set(out.area_code) == {"KU305"} and set(out.reference_code) == {"SK178"}


def test_hierarchy_protection(toy_panel):
    # Taivalkoski's C (1 firm), G (2) and J (1) are suppressed; SK178's sections are published
    # (4, 5 and 4 firms, largest 33/73, 12/28, 12/19 of the total), so Kuusamo's sections would give
    # Taivalkoski's away as SK178 − Kuusamo: they are suppressed as well. ALL rows stay published.
    on = compute_indicators(toy_panel(), "Kuusamo", "SK178", 2020, 2022)
    for code in ("C", "G", "J"):
        row = value(on, "personnel", code)
        assert row.suppressed and np.isnan(row.value), code
    assert value(on, "personnel", "ALL").value == 68 and not value(on, "personnel", "ALL").suppressed
    sk = compute_indicators(toy_panel(), "SK178", "SK178", 2020, 2022)
    assert value(sk, "personnel", "C").value == 73 and not value(sk, "personnel", "C").suppressed
    tv = compute_indicators(toy_panel(), "KU832", "SK178", 2020, 2022)
    assert value(tv, "personnel", "C").suppressed and value(tv, "personnel", "ALL").value == 52


def test_growth_and_cagr(out):
    # (68 / 53 − 1) × 100 = 28.301886…; C: (40/35 − 1) × 100 = 14.285714…
    assert value(out, "personnel_growth_pct").value == pytest.approx(28.30188679245283)
    assert value(out, "personnel_growth_pct", "C").value == pytest.approx(14.285714285714286)
    assert value(out, "turnover_growth_pct", "J").value == pytest.approx(88.88888888888889)  # 17/9 − 1
    # CAGR over 2 years: (√(68/53) − 1) × 100; 1.1327042² = 1.2830189 = 68/53
    assert value(out, "cagr_personnel_pct").value == pytest.approx(13.270423, abs=1e-6)
    # growth indicators sit at the end year only
    assert set(out.loc[out.indicator == "personnel_growth_pct", "year"]) == {2022}


def test_shares_and_location_quotients(out):
    # share of C in Kuusamo's personnel 2022: 40/68 = 58.8235 %
    assert value(out, "share_personnel_pct", "C").value == pytest.approx(58.82352941)
    # LQ C 2022 = (40/68) / (73/120) = 0.588235 / 0.608333 = 0.966962
    assert value(out, "lq_personnel", "C").value == pytest.approx(0.96696213, abs=1e-8)
    # LQ J 2020 = (9/53) / (11/100) = 0.169811 / 0.11 = 1.543739
    assert value(out, "lq_personnel", "J", 2020).value == pytest.approx(1.54373928, abs=1e-8)
    assert out.loc[out.indicator == "lq_personnel", "industry_code"].isin(["C", "G", "J"]).all()


def test_krugman_and_herfindahl(out):
    # 2022: s = (40, 11, 17)/68, S = (73, 28, 19)/120
    # |s − S| = |0.588235 − 0.608333| + |0.161765 − 0.233333| + |0.25 − 0.158333|
    #         = 0.020098 + 0.071569 + 0.091667 = 0.183333
    assert value(out, "krugman_index").value == pytest.approx(0.18333333, abs=1e-8)
    # H = (40² + 11² + 17²) / 68² = 2010 / 4624 = 0.434689
    assert value(out, "herfindahl_index").value == pytest.approx(0.43468858, abs=1e-8)


def test_scalar_helpers():
    assert growth_pct(50.0, 60.0) == pytest.approx(20.0)
    assert math.isnan(growth_pct(0.0, 10.0))  # undefined, never 0 or inf
    assert cagr_pct(100.0, 133.1, 3) == pytest.approx(10.0)  # 1.1³ = 1.331
    assert math.isnan(cagr_pct(0.0, 5.0, 2))
    assert location_quotient(10, 50, 100, 1000) == pytest.approx(2.0)  # 0.2 / 0.1
    assert krugman_index([1.0, 0.0], [0.0, 1.0]) == 2.0  # disjoint structures
    assert herfindahl_index([0.25] * 4) == 0.25
    assert herfindahl_normalised([0.25] * 4) == pytest.approx(0.0)  # even spread → 0
    assert herfindahl_normalised([1.0, 0.0, 0.0]) == pytest.approx(1.0)  # one industry → 1


def test_division_level_rows(toy_panel):
    out = compute_indicators(toy_panel(), "KU305", "SK178", 2020, 2022, level="division", disclose=False)
    assert set(out.loc[out.indicator == "personnel", "industry_code"]) == {"ALL", "10", "47", "62"}
    # LQ of division 62 in 2022: (17/68) / (19/120) = 0.25 / 0.158333 = 1.578947
    row = out[(out.indicator == "lq_personnel") & (out.industry_code == "62") & (out.year == 2022)].iloc[0]
    assert row.value == pytest.approx(1.57894737, abs=1e-8)


def test_area_code_forms_give_the_same_table(toy_panel, out):
    for form in (305, "305", "KU305", "ku 305"):
        other = compute_indicators(toy_panel(), form, "SK178", 2020, 2022, disclose=False)
        pd.testing.assert_frame_equal(other, out)


def test_bad_input_is_one_line_input_error(toy_panel):
    p = toy_panel()
    with pytest.raises(InputError, match="start year 2022 is not before end year 2020"):
        compute_indicators(p, "KU305", "SK178", 2022, 2020)
    with pytest.raises(InputError, match="outside the data"):
        compute_indicators(p, "KU305", "SK178", 2015, 2022)
    with pytest.raises(InputError, match="not covered"):
        compute_indicators(p, "KU564", "SK178")  # Oulu has no firms in the toy panel
    with pytest.raises(InputError, match="reference MK17"):
        compute_indicators(p, "KU305")  # default reference MK17: 2 of 30 municipalities only
    with pytest.raises(InputError, match="lacks column"):
        compute_indicators(p.drop(columns="founded_year"), "KU305", "SK178")
    with pytest.raises(InputError, match="section"):
        compute_indicators(p, "KU305", "SK178", level="group")


def test_inputs_are_not_mutated(toy_panel):
    p = toy_panel()
    before = p.copy()
    compute_indicators(p, "KU305", "SK178")
    pd.testing.assert_frame_equal(p, before)


def test_business_table_input_keeps_statfin_suppression(toy_panel):
    # The same toy as a business table (municipality × division × year) with one StatFin '..' cell.
    p = toy_panel()
    t = (p.groupby(["municipality_code", "industry_code", "year"], as_index=False)
         .agg(establishments=("firm_id", "size"), personnel=("personnel", "sum"),
              turnover_eur=("turnover_eur", "sum")).rename(columns={"municipality_code": "area_code"}))
    t["exports_eur"] = 0.0
    t["suppressed"] = (t.area_code == "KU305") & (t.industry_code == "47") & (t.year == 2022)
    t.loc[t.suppressed, ["personnel", "turnover_eur"]] = np.nan
    out = compute_indicators(t, "KU305", "SK178", 2020, 2022)
    # values the table holds come out as from the panel: C 2022 personnel 40, C growth 14.2857 %
    assert value(out, "personnel", "C").value == 40
    assert value(out, "personnel_growth_pct", "C").value == pytest.approx(14.285714285714286)
    # the suppressed G cell and every total built on it stay suppressed (empty, never 0)
    for ind, code in (("personnel", "G"), ("personnel", "ALL"), ("personnel_growth_pct", "G"),
                      ("lq_personnel", "G"), ("krugman_index", "ALL")):
        row = value(out, ind, code)
        assert row.suppressed and np.isnan(row.value), (ind, code)
    # 2021 is untouched: ALL personnel 60
    assert value(out, "personnel", "ALL", 2021).value == 60
    # firm-level indicators are not guessed from the aggregate table
    na = out[out.indicator == "survival_rate_1y_pct"]
    assert len(na) == 1 and np.isnan(na.iloc[0].value) and na.iloc[0].note == "not available from aggregate table"


def test_business_table_without_exports_says_not_available(toy_panel):
    # A table like StatFin's 13wz has no exports column: the exports rows must say so, not be empty cells
    # that read as a missing or hidden figure. A table that has exports keeps them (with 0 € exported, 0).
    p = toy_panel()
    t = (p.groupby(["municipality_code", "industry_code", "year"], as_index=False)
         .agg(establishments=("firm_id", "size"), personnel=("personnel", "sum"),
              turnover_eur=("turnover_eur", "sum")).rename(columns={"municipality_code": "area_code"}))
    t["exports_eur"] = np.nan
    out = compute_indicators(t, "KU305", "SK178", 2020, 2022)
    for ind in ("exports_eur", "export_intensity_pct"):
        rows = out[out.indicator == ind]
        assert len(rows) and rows.value.isna().all() and not rows.suppressed.any(), ind
        assert set(rows.note) == {"not available from aggregate table"}, ind
    t = t.assign(exports_eur=0.0)  # a new frame: the engine keeps the cell tables of a frame it has seen
    out = compute_indicators(t, "KU305", "SK178", 2020, 2022)
    assert value(out, "exports_eur", "ALL").value == 0 and value(out, "exports_eur", "ALL").note == ""
