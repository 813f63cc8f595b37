"""The cell table: numpy and DuckDB backends agree; row order does not matter; bad panels fail clearly."""
import numpy as np
import pandas as pd
import pytest
from conftest import TOY_COLUMNS as COLS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import cells

KEYS = ["municipality_code", "industry_code", "year"]


@st.composite
def panels(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    recs = []
    for f in range(draw(st.integers(1, 40))):
        m, d = ("KU305", "KU832", "KU564")[rng.integers(3)], ("10", "47", "62")[rng.integers(3)]
        founded = int(rng.integers(2005, 2016))
        for y in range(2010, 2021):
            if rng.random() < 0.6:
                p = float(rng.choice([0.5, 1.0, 5.0, 9.0, 10.0, 13.31, 13.32, 20.0, rng.lognormal(1.5, 1)]))
                ex = float(rng.choice([0.0, 0.0, 1000.0]))
                recs.append((f"F{f:03d}", y, m, d, p, 1000.0 * p, ex, ex / 2, founded))
    return pd.DataFrame(recs, columns=COLS)


def sort(df):
    return df.sort_values(KEYS).reset_index(drop=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=panels(), seed=st.integers(0, 1000))
def test_backends_and_row_order_agree(panel, seed):
    a = sort(cells.build_cells(panel, "numpy"))
    b = sort(cells.build_cells(panel, "duckdb"))
    c = sort(cells.build_cells(panel.sample(frac=1, random_state=seed), "numpy"))
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a, c, check_exact=False, rtol=1e-12)
    # every firm-year is counted once
    assert a["n_firms"].sum() == len(panel)


def test_hand_worked_cells():
    # firm A, KU305 div 10: 10, 11, 12, 13.32, 15 persons in 2010–2014 (in the panel from its first year)
    # another: born 2011 in KU305 div 10 with 2 persons, active 2011–2012 (1-year survivor), dies 2012
    rows = [("A", 2010, 10.0), ("A", 2011, 11.0), ("A", 2012, 12.0), ("A", 2013, 13.32), ("A", 2014, 15.0),
            ("B", 2011, 2.0), ("B", 2012, 2.0)]
    panel = pd.DataFrame([(f, y, "KU305", "10", p, 100.0, 0.0, 0.0, 2000 if f == "A" else 2011) for f, y, p in rows],
                         columns=COLS)
    for backend in ("numpy", "duckdb"):
        c = cells.build_cells(panel, backend).set_index("year")
        assert c.loc[2013, "hge"] == 1 and c.loc[2013, "hge_base"] == 1  # A: 13.32 / 10 = 1.332 > 1.331
        assert c.loc[2014, "hge"] == 1  # A: 15 / 11 = 1.364 > 1.331, with 11 ≥ 10 persons in 2011
        assert c.loc[2012, "hge_base"] == 0  # 2009 is outside the panel: nobody is assessed in 2012
    c = cells.build_cells(panel, "numpy").set_index("year")
    assert c.loc[2011, "births"] == 1 and c.loc[2012, "deaths"] == 1
    assert c.loc[2012, "surv_base_1"] == 1 and c.loc[2012, "surv_1"] == 1  # B born 2011, active 2012
    assert c.loc[2014, "surv_base_3"] == 1 and c.loc[2014, "surv_3"] == 0  # B gone by 2014


@pytest.mark.parametrize("backend", ["numpy", "duckdb"])
def test_duplicate_firm_years_are_an_input_error(backend):
    panel = pd.DataFrame([("A", 2020, "KU305", "10", 1.0, 1.0, 0.0, 0.0, 2000)] * 2, columns=COLS)
    with pytest.raises(InputError, match="duplicate firm-year"):
        cells.build_cells(panel, backend)


# --- aggregation (issue 18: integer keys instead of string keys, the same frame) ---------------------------

AREA_CODES = ["SSS", "MK17", "MK14", "SK178", "SK146", "SK177", "KU305", "KU832", "KU009", "KU564", "KU009+KU305"]


@st.composite
def wide_panels(draw):
    """Firms in municipalities of two regions (so areas of every level have several parts)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    munis = ("KU305", "KU832", "KU009", "KU564", "KU005", "KU010")
    divs = ("10", "11", "47", "62", "01")
    recs = []
    for f in range(draw(st.integers(1, 60))):
        m, d = munis[rng.integers(len(munis))], divs[rng.integers(len(divs))]
        for y in range(2015, 2021):
            if rng.random() < 0.7:
                p = float(rng.lognormal(1.5, 1.2))
                recs.append((f"F{f:03d}", y, m, d, p, 1234.56 * p, float(rng.choice([0.0, 10.5])), 0.25, 2010))
    return pd.DataFrame(recs, columns=COLS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=wide_panels(), seed=st.integers(0, 1000))
def test_integer_key_aggregation_equals_the_string_key_group_by(panel, seed):
    c = cells.build_cells(panel).sample(frac=1, random_state=seed).reset_index(drop=True)  # any cell order
    for level in ("section", "division"):
        new = cells.aggregate_cells(c, AREA_CODES, level)
        old = cells._aggregate_cells_by_strings(c, AREA_CODES, level)
        pd.testing.assert_frame_equal(new, old, check_exact=True)  # same rows, same order, same bits


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=wide_panels())
def test_division_sums_without_the_all_rows_are_the_same_rows_less_all(panel):
    c = cells.build_cells(panel)
    full = cells.aggregate_cells(c, AREA_CODES, "division")
    without = cells.aggregate_cells(c, AREA_CODES, "division", with_all=False)
    assert (full["industry_code"] == "ALL").any() and not (without["industry_code"] == "ALL").any()
    expected = full.loc[full["industry_code"] != "ALL"].reset_index(drop=True)
    pd.testing.assert_frame_equal(without, expected, check_exact=True)


def test_integer_key_aggregation_of_a_table_keeps_unknown_sums():
    # KU305 div 10: one suppressed row → C is unknown in KU305, SK178 and MK17; KU832 has no exports
    t = pd.DataFrame({"area_code": ["KU305", "KU305", "KU832", "KU832", "SK178"],
                      "industry_code": ["10", "47", "10", "47", "10"], "year": 2020,
                      "establishments": [4.0, np.nan, 3.0, 5.0, 99.0], "personnel": [40.0, 9.0, 30.0, 15.0, 999.0],
                      "turnover_eur": [4e4, 9e3, 3e4, 1.5e4, 1e9], "exports_eur": [1.0, 2.0, np.nan, 4.0, 5.0],
                      "suppressed": [True, False, False, False, False]})
    tc = cells.table_cells(t)
    for level in ("section", "division"):
        new = cells.aggregate_cells(tc, ["MK17", "SK178", "KU305", "KU832"], level, "table")
        pd.testing.assert_frame_equal(
            new, cells._aggregate_cells_by_strings(tc, ["MK17", "SK178", "KU305", "KU832"], level, "table"),
            check_exact=True)
    sec = cells.aggregate_cells(tc, ["SK178", "KU832"], "section", "table").set_index(["area_code", "industry_code"])
    assert np.isnan(sec.loc[("SK178", "C"), "personnel"])  # KU305's suppressed cell is in it
    assert sec.loc[("SK178", "G"), "personnel"] == 24.0  # 9 + 15 (the SK178 table row itself is not used)
    assert sec.loc[("SK178", "G"), "n_firms"] == 5.0  # KU305's missing count adds nothing: 0 + 5
    assert np.isnan(sec.loc[("KU832", "ALL"), "exports_eur"])  # a missing export figure in KU832's C
    assert sec.loc[("KU832", "ALL"), "personnel"] == 45.0


def test_hand_worked_aggregate_and_primary_flags_of_the_toy_panel(toy_panel):
    from kasvudata_utils.indicators import protection

    agg = cells.aggregate_cells(cells.build_cells(toy_panel()), ["SK178", "KU305", "KU832"], "section")
    flags = protection.primary(protection.with_measures(agg), "panel").set_index(["area_code", "industry_code", "year"])
    # SK178 C 2021: A1 22 + A2 10 + A3 6 + B1 30 = 68 persons in 4 firms, largest 30 (44 % ≤ 80 %): published
    row = flags.loc[("SK178", "C", 2021)]
    assert (row["personnel"], row["n_firms"], row["personnel_max"]) == (68.0, 4, 30.0)
    assert not row["f_personnel"] and not row["f_establishments"]
    assert flags.loc[("SK178", "ALL", 2022), "personnel"] == 120.0
    assert flags.loc[("KU305", "J", 2022), "personnel"] == 17.0 and not flags.loc[("KU305", "J", 2022), "f_personnel"]
    # KU832 C rests on one firm (B1), KU832 G on two (B2, B3): the threshold rule suppresses both
    assert flags.loc[("KU832", "C", 2020), "n_firms"] == 1 and flags.loc[("KU832", "C", 2020), "f_personnel"]
    assert flags.loc[("KU832", "G", 2020), "n_firms"] == 2 and flags.loc[("KU832", "G", 2020), "f_establishments"]
    # KU832 ALL 2020: 4 firms, 47 persons, largest B1 30 (64 %): published
    total = flags.loc[("KU832", "ALL", 2020)]
    assert total["personnel"] == 47.0 and not total["f_personnel"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=wide_panels())
def test_cells_with_the_codes_hashed_and_the_columns_counted_on_two_threads_equal_the_serial_count(panel):
    saved = cells.PARALLEL_ROWS
    try:
        cells.PARALLEL_ROWS = 10**12
        serial = cells.build_cells(panel)
        cells.PARALLEL_ROWS = 0  # every panel takes the threaded path
        threaded = cells.build_cells(panel)
    finally:
        cells.PARALLEL_ROWS = saved
    pd.testing.assert_frame_equal(threaded, serial, check_exact=True)
    assert serial["n_firms"].sum() == len(panel)
