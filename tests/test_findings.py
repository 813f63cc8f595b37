"""Key findings from a hand-built indicator table (kasvudata_utils.reports.findings)."""
import pandas as pd
import pytest

from kasvudata_utils.errors import InputError
from kasvudata_utils.plots import MINUS, THIN_SPACE
from kasvudata_utils.reports.findings import headline_figures, key_findings, value_of

A, R = "KU009", "MK17"


def _table():
    rows = []

    def add(area, indicator, industry, value, year=2023, suppressed=False):
        rows.append((area, R, indicator, industry, year, value, suppressed))

    add(A, "personnel", "ALL", 1234.0)
    add(A, "personnel", "ALL", 1000.0, year=2018)  # earlier year: must not be used
    add(A, "personnel_growth_pct", "ALL", 12.34)
    add(R, "personnel_growth_pct", "ALL", 3.0)
    # area vs reference growth by section; differences: C +15, F -2, G -8, I +1, M suppressed
    for code, a, r in (("C", 20.0, 5.0), ("F", 10.0, 12.0), ("G", -5.0, 3.0), ("I", 2.0, 1.0)):
        add(A, "personnel_growth_pct", code, a)
        add(R, "personnel_growth_pct", code, r)
    add(A, "personnel_growth_pct", "M", None, suppressed=True)  # would be +29 against the reference
    add(R, "personnel_growth_pct", "M", 1.0)
    add(A, "lq_personnel", "C", 1.8)
    add(A, "lq_personnel", "F", 0.5)
    add(A, "lq_personnel", "J", None, suppressed=True)
    add(A, "birth_rate_pct", "ALL", 9.5)
    add(R, "birth_rate_pct", "ALL", 8.25)
    return pd.DataFrame(rows, columns=["area_code", "reference_code", "indicator", "industry_code", "year",
                                       "value", "suppressed"])


SS = pd.DataFrame({"industry_code": ["C", "TOTAL"], "base": [100.0, 1100.0], "end": [120.0, 1234.0],
                   "national_share": [3.0, 33.0], "industry_mix": [2.0, 113.4], "regional_shift": [15.0, -12.4]})


def test_findings_in_finnish_state_the_table_numbers():
    f = {x.key: x for x in key_findings(_table(), A, R, SS, lang="fi")}
    assert list(f) == ["total", "top_growth", "lagging", "specialisation", "shift_share", "births"]
    # latest year's personnel 1234 → "1 234"; growth +12.34 → "+12,3 %"; reference +3.0 → "+3,0 %"
    assert f"1{THIN_SPACE}234 henkilötyövuotta vuonna 2023" in f["total"].text
    assert "+12,3\u00a0%" in f["total"].text and "+3,0\u00a0%" in f["total"].text
    assert f["total"].values["personnel"] == 1234.0
    # fastest against the reference: C (+15) then I (+1); M is suppressed so never named
    assert list(f["top_growth"].values) == ["C", "I"]
    assert "Teollisuus (+20,0\u00a0%" in f["top_growth"].text
    assert "M " not in f["top_growth"].text and "29" not in f["top_growth"].text
    # laggards: G (−8) before F (−2)
    assert list(f["lagging"].values) == ["G", "F"]
    assert f"{MINUS}5,0\u00a0%" in f["lagging"].text
    # specialisation: only C has LQ > 1; 1.8 → "1,80"
    assert f["specialisation"].values == {"C": 1.8} and "LQ 1,80" in f["specialisation"].text
    # shift-share total regional shift −12.4 → "12" person-years short
    assert f["shift_share"].values == {"regional_shift": -12.4}
    assert "jäi 12 henkilötyövuotta jälkeen" in f["shift_share"].text
    assert "9,5\u00a0%" in f["births"].text and "8,2\u00a0%" in f["births"].text  # 8.25 → half-even 8.2


def test_findings_in_english():
    f = {x.key: x for x in key_findings(_table(), A, R, SS, lang="en", n=1)}
    assert f["total"].text.startswith("Alavieska: 1,234 person-years of personnel in 2023")
    assert list(f["top_growth"].values) == ["C"]  # n=1
    assert "Manufacturing (+20.0%; North Ostrobothnia +5.0%)" in f["top_growth"].text
    assert "fell 12 person-years short" in f["shift_share"].text


def test_suppressed_total_gives_no_total_finding():
    t = _table()
    t.loc[(t["indicator"] == "personnel") & (t["year"] == 2023), ["value", "suppressed"]] = [None, True]
    keys = [x.key for x in key_findings(t, A, R, lang="fi")]
    assert "total" not in keys and "shift_share" not in keys  # no shift-share table given


def test_value_of_and_headline():
    t = _table()
    assert value_of(t, A, "personnel") == (1234.0, 2023)
    assert value_of(t, A, "personnel", year=2018) == (1000.0, 2018)
    assert value_of(t, A, "lq_personnel", "J") == (None, 2023)  # suppressed
    assert headline_figures(t, A) == {"personnel": (1234.0, 2023), "personnel_growth_pct": (12.34, 2023),
                                      "birth_rate_pct": (9.5, 2023)}


def test_bad_table_is_one_line_input_error():
    with pytest.raises(InputError, match="lacks columns"):
        key_findings(pd.DataFrame({"x": [1]}), A, R)
