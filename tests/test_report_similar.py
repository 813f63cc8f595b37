"""Report section "Samankaltaiset alueet" (reports.similar): the table by hand, insights from elsewhere."""
import pandas as pd
import pytest

from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.reports import similar as rs
from kasvudata_utils.research.similar import similar_codes


@pytest.fixture(scope="module")
def peers():
    return ["KU009", *similar_codes("KU009", 3)]


def toy_inputs(codes):
    """Business table: one division per area, personnel 100 → 100 + 10·i (i = rank); population 1000 → 900 + 50·i."""
    rows, pop = [], []
    for i, c in enumerate(codes):
        for y, p in ((2018, 100.0), (2023, 100.0 + 10 * i)):
            rows.append({"area_code": c, "industry_code": "10", "year": y, "establishments": 5, "personnel": p,
                         "turnover_eur": 1e6, "exports_eur": 0.0, "suppressed": False})
        pop += [{"municipality_code": c, "year": 2018, "population": 1000},
                {"municipality_code": c, "year": 2022, "population": 900 + 50 * i}]
    return pd.DataFrame(rows), pd.DataFrame(pop)


def test_similar_comparison_by_hand(peers):
    table, pop = toy_inputs(peers)
    df = rs.similar_comparison("KU009", 2018, 2023, n=3, business_table=table, population=pop)
    assert df["area_code"].tolist() == peers and df["rank"].tolist() == [0, 1, 2, 3]
    assert df["personnel_growth_pct"].tolist() == pytest.approx([0.0, 10.0, 20.0, 30.0])
    assert df["population"].tolist() == [900, 950, 1000, 1050]
    assert df["population_change_pct"].tolist() == pytest.approx([-10.0, -5.0, 0.0, 5.0])
    assert df.attrs["population_years"] == (2018, 2022)
    # Alavieska 0 % (no sign on zero), the others 10, 20, 30 % (median 20 %): last of four
    assert rs.fared_sentence(df, "en") == ("Alavieska: personnel 0.0% over the period, the similar areas +20.0% "
                                           "(median): number 4 of 4.")


def test_fared_sentence_with_a_suppressed_own_value():
    d = pd.DataFrame({"name_fi": ["A", "B"], "personnel_growth_pct": [float("nan"), 2.0],
                      "personnel_growth_pct__suppressed": [True, False]})
    assert "cannot be compared" in rs.fared_sentence(d, "en")


def test_insights_of_similar_areas_are_marked_as_from_elsewhere(tmp_path, peers):
    store = InsightStore(tmp_path / "i.sqlite")
    store.add(peers[1], "best_practice", "Yhteinen kasvuohjelma toimi meillä")
    store.add("KU009", "trend", "Oma havainto, ei kuulu tähän osioon")
    out = rs.similar_insights_html(peers[1:], "fi", store=store)
    assert "Yhteinen kasvuohjelma toimi meillä" in out and "Oma havainto" not in out
    assert "kirjattu muilla alueilla" in out and peers[1] in out
    empty = rs.similar_insights_html(peers[2:], "en", store=store)
    assert "No insights have been recorded for the similar areas yet." in empty


def test_report_fingerprint_follows_insights_of_similar_areas(tmp_path, monkeypatch, peers):
    from kasvudata_utils.reports.fingerprint import insights_fingerprint

    db = tmp_path / "i.sqlite"
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(db))
    store = InsightStore(db)
    store.add("KU009", "trend", "Oma havainto")
    before = insights_fingerprint("KU009")
    store.add("KU091", "trend", "Helsingin havainto")  # Helsinki is no peer of Alavieska
    assert insights_fingerprint("KU009") == before
    store.add(peers[1], "trend", "Samankaltaisen alueen havainto")
    assert insights_fingerprint("KU009") != before  # the report shows it: it must be rebuilt


def test_every_areas_growth_computed_once_equals_the_areas_computed_alone():
    # reports.similar.embedded_growth computes all of Finland's areas together once a kernel; each area's
    # value and suppression flag must be what its own report section computed before (its peers alone)
    from kasvudata_utils.data import load_business_table

    every, _ = rs.embedded_growth(2018, 2023)
    assert len(every) >= 390  # 308 municipalities, their sub-regions and regions
    table = load_business_table()
    for codes in (["KU009", *similar_codes("KU009", 5)], ["SK177", *similar_codes("SK177", 5)],
                  ["MK17", *similar_codes("MK17", 5)]):
        alone, _ = rs.personnel_growth(table, codes, 2018, 2023)
        assert sorted(alone.index) == sorted(codes)
        pd.testing.assert_frame_equal(every.loc[codes], alone.loc[codes], check_names=False)
    # a table that covers none of the codes gives no rows (their growth unknown), never an error
    none, _ = rs.personnel_growth(table[table["area_code"] == "KU009"], ["KU564"], 2018, 2023)
    assert none.empty
