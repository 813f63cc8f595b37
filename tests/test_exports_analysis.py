"""Tests of kasvudata_utils.research.exports on hand-made panels (answers worked out by hand)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils.errors import InputError
from kasvudata_utils.research import exports as ea


def panel(rows):
    df = pd.DataFrame(rows, columns=["firm_id", "year", "municipality_code", "industry_code", "personnel",
                                     "turnover_eur", "exports_goods_eur", "exports_services_eur"])
    return df


def test_exporter_entry_and_exit_by_hand():
    # 2015 exporters {a,b,c,d}; 2016 exporters {b,c,d,e,f,g}: entrants e,f,g = 3, exits a = 1
    # (a still active, stopped exporting); 2017: {b,c,d} → exits e,f,g = 3 (g closed), entrants 0
    rows = []
    ex = {2015: "abcd", 2016: "bcdefg", 2017: "bcd"}
    for y, firms in ex.items():
        for f in "abcdefgh":
            if f == "g" and y == 2017:
                continue  # g closed
            rows.append([f, y, "KU564", "10", 5.0, 100.0, 10.0 if f in firms else 0.0, 0.0])
    out = ea.exporter_dynamics(panel(rows), "KU564").set_index("year")
    assert out.loc[2016, "exporters"] == 6 and out.loc[2016, "entrants"] == 3
    assert np.isnan(out.loc[2016, "exits"]) and out.loc[2016, "exits_suppressed"]  # 1 firm: suppressed
    assert out.loc[2017, "exits"] == 3 and out.loc[2017, "entrants"] == 0           # 0 is a structural zero
    assert out.loc[2016, "exporter_share_pct"] == pytest.approx(6 / 8 * 100)


def test_export_intensity_and_suppression_by_hand():
    # size 2-4: three exporters 30+20+10 = 60 of turnover 3*100 → 20 %;
    # size 10-49: one exporter → suppressed (threshold);
    # size 0-1: three exporters of 1 each, the smallest other cell → secondary suppression, so that
    # 10-49 cannot be recovered as ALL minus the published cells; 0-1's 3 € cannot hide ±10 % of
    # 10-49's 50 € (it would bound it to [50, 53]), so the 2-4 cell (60 €) is suppressed as well
    rows = [["a", 2020, "KU564", "10", 3.0, 100.0, 30.0, 0.0], ["b", 2020, "KU564", "10", 3.0, 100.0, 15.0, 5.0],
            ["c", 2020, "KU564", "62", 4.0, 100.0, 0.0, 10.0], ["d", 2020, "KU564", "10", 20.0, 500.0, 50.0, 0.0],
            ["e", 2020, "KU564", "10", 20.0, 500.0, 0.0, 0.0], ["f", 2020, "KU564", "10", 25.0, 500.0, 0.0, 0.0],
            ["g", 2020, "KU564", "10", 1.0, 50.0, 1.0, 0.0], ["h", 2020, "KU564", "10", 1.0, 50.0, 1.0, 0.0],
            ["i", 2020, "KU564", "10", 1.0, 50.0, 1.0, 0.0]]
    out = ea.export_intensity_by(panel(rows), "KU564", 2020).set_index("group")
    assert out.loc["2-4", "suppressed"] and np.isnan(out.loc["2-4", "export_intensity_pct"])
    assert out.loc["10-49", "suppressed"] and np.isnan(out.loc["10-49", "export_intensity_pct"])
    assert out.loc["0-1", "suppressed"]
    # with disclosure control off the 2-4 intensity is 60 / 300 = 20 %
    off = ea.export_intensity_by(panel(rows), "KU564", 2020, disclose=False).set_index("group")
    assert off.loc["2-4", "export_intensity_pct"] == pytest.approx(20.0)
    # total: (60 + 50 + 3) / (300 + 1500 + 150) = 113 / 1950
    assert out.loc["ALL", "export_intensity_pct"] == pytest.approx(113 / 1950 * 100)
    by_section = ea.export_intensity_by(panel(rows), "KU564", 2020, by="section").set_index("group")
    assert set(by_section.index) == {"C", "J", "ALL"}
    with pytest.raises(InputError, match="by='industry'"):
        ea.export_intensity_by(panel(rows), "KU564", 2020, by="industry")


def test_concentration_suppresses_small_groups_and_recoverable_remainders():
    e = [40.0, 30, 10, 10, 4, 3, 2, 1]
    rows = [[f"f{i}", 2020, "KU564", "10", 1.0, 100.0, v, 0.0] for i, v in enumerate(e)]
    out = ea.export_concentration(panel(rows), "KU564", 2020, top=(2, 3, 5, 6)).set_index("top_k")
    assert out.loc["2", "suppressed"]                          # fewer than 3 firms
    assert out.loc["3", "share_pct"] == pytest.approx(80.0)    # (40+30+10)/100
    assert out.loc["5", "share_pct"] == pytest.approx(94.0)    # 3 firms left outside: fine
    assert out.loc["6", "suppressed"]                          # 2 left outside: recoverable
    assert out.loc["firms_for_half", "suppressed"]             # 40+30 ≥ 50: 2 firms


def test_concentration_dominance():
    rows = [[f"f{i}", 2020, "KU564", "10", 1.0, 100.0, v, 0.0] for i, v in enumerate([90.0, 5, 3, 1, 1, 1])]
    out = ea.export_concentration(panel(rows), "KU564", 2020, top=(3,)).set_index("top_k")
    assert out.loc["3", "suppressed"]  # the largest holds 90/98 > 80 % of the top-3 sum


def test_customs_comparison_by_hand():
    rows = [["a", 2016, "KU564", "10", 1.0, 100.0, 60.0, 5.0], ["b", 2016, "KU009", "10", 1.0, 100.0, 40.0, 0.0],
            ["c", 2016, "KU091", "10", 1.0, 100.0, 999.0, 0.0]]   # Helsinki: not MK17
    customs = pd.DataFrame({"region_code": ["MK17", "MK17", "MK01"], "year": [2016, 2017, 2016],
                            "exports_goods_eur": [200.0, 300.0, 5.0]})
    out = ea.goods_trend_vs_customs(panel(rows), customs, "MK17")
    assert out.to_dict("records") == [{"year": 2016, "panel_goods_eur": 100.0, "customs_goods_eur": 200.0,
                                       "coverage_pct": 50.0}]
    with pytest.raises(InputError, match="KU564"):
        ea.goods_trend_vs_customs(panel(rows), customs, "KU564")


def test_area_outside_the_panel_is_a_clear_error():
    rows = [["a", 2016, "KU564", "10", 1.0, 100.0, 1.0, 0.0]]
    with pytest.raises(InputError, match="no firms of KU091"):
        ea.exporter_dynamics(panel(rows), "Helsinki")
