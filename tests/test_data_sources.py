"""The data source chosen once (``--table``, ``--data statfin``, ``--panel``) and the one coverage rule.

The business table here is hand-made (constructed numbers, not statistics): the six municipalities of
the Ylivieska sub-region SK177, TOL divisions 10 (section C) and 47 (section G), years 2020–2021.
Every expected value below is worked out by hand from these rows.
"""
import io
import json

import pandas as pd
import pytest
from conftest import run_cli as run

from kasvudata_utils import provenance
from kasvudata_utils.data import sources
from kasvudata_utils.errors import InputError

SK177 = ["KU009", "KU208", "KU483", "KU563", "KU746", "KU977"]


def hand_table() -> pd.DataFrame:
    """KU009: division 10 has 10 → 12 persons, division 47 5 → 5; each other municipality 20 → 22 and 10 → 12."""
    rows = []
    for m in SK177:
        own = m == "KU009"
        for div, (p0, p1), est, (t0, t1) in (
                ("10", (10, 12) if own else (20, 22), 3, (1.0e6, 1.2e6)),
                ("47", (5, 5) if own else (10, 12), 4, (5.0e5, 6.0e5))):
            rows.append([m, div, 2020, est, p0, t0, None, False])
            rows.append([m, div, 2021, est, p1, t1, None, False])
    return pd.DataFrame(rows, columns=["area_code", "industry_code", "year", "establishments", "personnel",
                                       "turnover_eur", "exports_eur", "suppressed"])


@pytest.fixture
def table_csv(tmp_path):
    path = tmp_path / "hand_table.csv"
    hand_table().to_csv(path, index=False)
    return str(path)




# ---------------------------------------------------------------------------------------- coverage rule
def test_covers_needs_half_of_the_municipalities():
    assert sources.covers(set(SK177), "SK177")
    assert sources.covers(set(SK177[:3]), "SK177")  # three of six: half
    assert not sources.covers(set(SK177[:2]), "SK177")  # two of six: less than half
    assert sources.covers(set(SK177[:1]), "KU009") and not sources.covers(set(SK177[1:]), "KU009")
    assert not sources.covers(set(SK177), "MK17")  # 6 of the region's 30


def test_covers_reads_table_municipality_rows_only():
    t = hand_table()
    t = pd.concat([t, t.assign(area_code="MK17")], ignore_index=True)  # a region row covers nothing
    assert sources.municipalities_in(t) == frozenset(SK177)


def test_reference_served_by_companion_only_when_given():
    t = hand_table()
    assert sources.reference_data_for(t, None, ["SK177"]) is None
    with pytest.raises(InputError, match="MK17.*not covered.*--table"):
        sources.reference_data_for(t, None, ["MK17"])
    wide = pd.DataFrame({"area_code": ["KU001"]})  # a companion that lacks MK17 does not help either
    with pytest.raises(InputError, match="MK17"):
        sources.reference_data_for(t, wide, ["MK17"])


def test_resolve_source_one_line_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    with pytest.raises(InputError, match="data fetch"):
        sources.resolve_source("statfin")
    with pytest.raises(InputError, match="expected one of"):
        sources.resolve_source("national")
    with pytest.raises(InputError, match="no such file"):
        sources.resolve_source("default", table_path=str(tmp_path / "missing.csv"))


def test_user_table_is_user_data_never_real(table_csv):
    df = sources.load_table(table_csv)
    prov = provenance.get(df)
    assert prov["kind"] == "user" and prov["sources"] == ["hand_table.csv"]
    assert provenance.badge_text(prov, "en") == "User data · hand_table.csv"
    mixed = provenance.combine(prov, provenance.make("synthetic", ["KasvuDATA synthetic firm panel"]))
    assert mixed["kind"] == "mixed"


# ---------------------------------------------------------------------------------------- CLI on --table
def test_indicators_from_table_hand_values(capsys, table_csv):
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--reference", "SK177", "--table", table_csv,
                       "--format", "json")
    assert rc == 0, err
    recs = pd.DataFrame(json.loads(out))

    def value(ind, code="ALL", year=2021, area="KU009"):
        r = recs[(recs.indicator == ind) & (recs.industry_code == code) & (recs.year == year)
                 & (recs.area_code == area)]
        assert len(r) == 1, (ind, code, year)
        return r.iloc[0]

    assert value("personnel")["value"] == 17  # 12 + 5
    assert value("personnel", year=2020)["value"] == 15
    assert value("establishments")["value"] == 7  # 3 + 4
    assert value("turnover_eur")["value"] == pytest.approx(1.8e6)
    assert value("personnel_growth_pct")["value"] == pytest.approx((17 / 15 - 1) * 100)
    # LQ of section C: (12 / 17) / (SK177: 12 + 5·22 = 122 of 122 + 5 + 5·12 = 187)
    assert value("lq_personnel", "C")["value"] == pytest.approx((12 / 17) / (122 / 187))
    # Krugman: |12/17 − 122/187| + |5/17 − 65/187|
    assert value("krugman_index")["value"] == pytest.approx(abs(12 / 17 - 122 / 187) + abs(5 / 17 - 65 / 187))
    # what a table cannot give is marked, never filled in from the synthetic panel
    births = value("birth_rate_pct")
    assert pd.isna(births["value"]) and births["note"] == "not available from aggregate table"
    assert "User data · hand_table.csv" in err and "SYNTHETIC" not in err


def test_shift_share_from_table_hand_values(capsys, table_csv):
    rc, out, err = run(capsys, "shift-share", "--area", "KU009", "--reference", "SK177", "--start", "2020",
                       "--end", "2021", "--table", table_csv)
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str}).set_index("industry_code")
    G = 187 / 165 - 1
    g_c, r_c = 122 / 110 - 1, 12 / 10 - 1
    assert df.loc["C", "national_share"] == pytest.approx(10 * G)
    assert df.loc["C", "industry_mix"] == pytest.approx(10 * (g_c - G))
    assert df.loc["C", "regional_shift"] == pytest.approx(10 * (r_c - g_c))
    assert df.loc["TOTAL", "end"] - df.loc["TOTAL", "base"] == pytest.approx(2)


def test_table_suppressed_cell_stays_suppressed(capsys, tmp_path):
    t = hand_table()
    sel = (t.area_code == "KU009") & (t.industry_code == "47") & (t.year == 2021)
    t["personnel"] = t["personnel"].astype("object")
    t.loc[sel, "personnel"] = ".."  # StatFin's confidential mark
    path = tmp_path / "with_dots.csv"
    t.to_csv(path, index=False)
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--reference", "KU009", "--table", str(path),
                       "--format", "json")
    assert rc == 0, err
    recs = pd.DataFrame(json.loads(out))
    g = recs[(recs.indicator == "personnel") & (recs.industry_code == "G") & (recs.year == 2021)].iloc[0]
    assert bool(g["suppressed"]) and pd.isna(g["value"])
    total = recs[(recs.indicator == "personnel") & (recs.industry_code == "ALL") & (recs.year == 2021)].iloc[0]
    assert pd.isna(total["value"])  # a sum over a confidential cell is unknown, never a number


def test_table_not_covering_reference_is_one_line(capsys, table_csv):
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--table", table_csv)  # default reference MK17
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "MK17" in err and "Traceback" not in err


def test_statfin_before_fetch_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--data", "statfin")
    assert rc == 2 and "kasvudata data fetch" in err and len(err.strip().splitlines()) == 1


def test_own_panel_with_table_reference_is_labelled_mixed(toy_panel, capsys, tmp_path, monkeypatch):
    # the toy panel covers Koillismaa (KU305, KU832); the reference MK17 comes from the --table file.
    # Disclosure off: the toy panel's few firms would hide every section, and the LQ is what is checked here.
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    from test_reports_table import expected
    from test_reports_table import hand_table as national_table

    panel, table = tmp_path / "toy.csv", tmp_path / "national.csv"
    toy_panel().to_csv(panel, index=False)
    national_table().to_csv(table, index=False)
    rc, out, err = run(capsys, "indicators", "--area", "KU305", "--reference", "MK17", "--panel", str(panel),
                       "--table", str(table), "--format", "json")
    assert rc == 0, err
    assert "Mixed data" in err and "own extract: toy.csv" in err and "national.csv" in err
    recs = pd.DataFrame(json.loads(out))
    lq = recs[(recs.indicator == "lq_personnel") & (recs.industry_code == "C") & (recs.year == 2022)]
    # LQ's denominator is MK17's section C share, from the table: division 10 of all personnel
    mk17_share = expected("MK17", 2022, "10") / expected("MK17", 2022)
    # KU305 in 2022 (toy panel): section C = division 10 firms of 25 + 11 + 4 persons, of 68 in all
    assert len(lq) == 1 and not bool(lq.iloc[0]["suppressed"])
    assert lq.iloc[0]["value"] == pytest.approx((40 / 68) / mk17_share)


def test_synthetic_firm_data_only_when_asked_and_marked(capsys, table_csv, monkeypatch):
    # births from the synthetic panel replace the "not available" rows only with --synthetic-firm-data
    from kasvudata_utils.data.synthetic import generate

    small = generate(scale="test")
    import kasvudata_utils.data as data

    monkeypatch.setattr(data, "load_firm_panel", lambda path=None: small.firm_panel)
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--reference", "SK177", "--table", table_csv,
                       "--format", "json", "--synthetic-firm-data")
    assert rc == 0, err
    recs = pd.DataFrame(json.loads(out))
    births = recs[(recs.indicator == "birth_rate_pct") & (recs.industry_code == "ALL") & (recs.year == 2021)]
    assert len(births) == 1 and births.iloc[0]["note"].endswith("synthetic firm panel")
    # the value is the panel's own: births in 2021 / firms active in 2021 in Alavieska
    p = small.firm_panel
    first = p.groupby("firm_id")["year"].transform("min")
    ku = p[(p.municipality_code == "KU009") & (p.year == 2021)]
    born = int((first[ku.index] == 2021).sum())  # 2021 is after the panel's first year (2013)
    assert not bool(births.iloc[0]["suppressed"])
    assert births.iloc[0]["value"] == pytest.approx(born / len(ku) * 100)
    # personnel still comes from the table; the badge says mixed
    pers = recs[(recs.indicator == "personnel") & (recs.industry_code == "ALL") & (recs.year == 2021)]
    assert pers.iloc[0]["value"] == 17 and "Mixed data" in err
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--reference", "SK177", "--table", table_csv,
                       "--format", "json")
    plain = pd.DataFrame(json.loads(out))
    assert (plain[plain.indicator == "birth_rate_pct"]["note"] == "not available from aggregate table").all()
