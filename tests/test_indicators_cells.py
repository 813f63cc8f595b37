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
