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
    # area vs reference growth by section, with the area's personnel in 2023 (start e0 = e1 / (1 + r)):
    # contribution e0 · (r − g): C 100 · 0.15 = +15, F 800 · −0.02 = −16, G 100 · −0.08 = −8, I 500 · 0.01 = +5;
    # D 10 → 18 (+80 %, +8) is below the headline size max(10, 2 % of 1234 = 24.68); M suppressed
    for code, a, r, e1 in (("C", 20.0, 5.0, 120.0), ("F", 10.0, 12.0, 880.0), ("G", -5.0, 3.0, 95.0),
                           ("I", 2.0, 1.0, 510.0), ("D", 80.0, 0.0, 18.0)):
        add(A, "personnel_growth_pct", code, a)
        add(R, "personnel_growth_pct", code, r)
        add(A, "personnel", code, e1)
    add(A, "personnel_growth_pct", "M", None, suppressed=True)  # would be +29 against the reference
    add(R, "personnel_growth_pct", "M", 1.0)
    add(A, "personnel", "M", 300.0)
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
    # largest gains in person-years: C (+15) then I (+5); D (+80 %) is too small, M is suppressed
    assert list(f["top_growth"].values) == ["C", "I"]
    assert f["top_growth"].values["C"] == pytest.approx((20.0, 5.0, 15.0))
    assert "Teollisuus (+15 htv; muutos +20,0\u00a0%, Pohjois-Pohjanmaa +5,0\u00a0%)" in f["top_growth"].text
    assert "M " not in f["top_growth"].text and "29" not in f["top_growth"].text and "+80" not in f["top_growth"].text
    # laggards by person-years: F (−16) before G (−8), although G's rate gap (−8 points) is the wider one
    assert list(f["lagging"].values) == ["F", "G"]
    assert f"({MINUS}16 htv; muutos +10,0\u00a0%" in f["lagging"].text
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
    assert "Manufacturing (+15 person-years; change +20.0%, North Ostrobothnia +5.0%)" in f["top_growth"].text
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
    with pytest.raises(InputError, match="lacks column"):
        key_findings(pd.DataFrame({"x": [1]}), A, R)


def test_small_industries_are_never_headlined_however_fast():
    """Issue 13: SK177's electricity (23 → 30, +28.5 %) headlined over manufacturing's loss of 658."""
    rows = [("SK177", "personnel", "ALL", 9044.0), ("SK177", "personnel_growth_pct", "ALL", -11.8),
            ("MK17", "personnel_growth_pct", "ALL", 2.4),
            ("SK177", "personnel", "D", 30.0), ("SK177", "personnel_growth_pct", "D", 28.5),
            ("MK17", "personnel_growth_pct", "D", 1.0),
            ("SK177", "personnel", "C", 2320.0), ("SK177", "personnel_growth_pct", "C", -22.1),
            ("MK17", "personnel_growth_pct", "C", -5.0)]
    ind = pd.DataFrame([(a, R, i, c, 2023, v, False) for a, i, c, v in rows],
                       columns=["area_code", "reference_code", "indicator", "industry_code", "year", "value",
                                "suppressed"])
    f = {x.key: x for x in key_findings(ind, "SK177", "MK17", lang="en")}
    assert "top_growth" not in f  # D: max(23.3, 30) < 2 % of 9044 = 180.9
    # C: e0 = 2320 / 0.779 = 2978.18; (−22.1 − −5.0) % of it = −509.3 person-years
    assert list(f["lagging"].values) == ["C"]
    assert f["lagging"].values["C"][2] == pytest.approx(2320.0 / 0.779 * -0.171)
    assert "(-509 person-years;" in f["lagging"].text
