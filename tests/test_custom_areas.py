"""Custom areas (the user's groupings ``KU009+KU071+KU977``, named groups from a YAML file): codes, bad input,
and figures that equal the sum of their municipalities where published."""
import io

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli as run

from kasvudata_utils import areas
from kasvudata_utils.data import load_business_table, load_firm_panel
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import compute_indicators, prepare

GROUP = "KU009+KU071+KU977"  # Alavieska, Haapavesi, Ylivieska




@pytest.mark.parametrize("value", ["KU009+KU977+KU071", "9+977+71", "ku009 + Ylivieska + Haapavesi",
                                   "KU009 KU977 KU071"])  # the last: '+' decoded to spaces in a URL query
def test_spellings_give_one_sorted_code(value):
    assert areas.normalise_area(value) == GROUP


def test_custom_area_hierarchy_and_name():
    a = areas.get_area(GROUP)
    assert a.level == areas.CUSTOM and a.region_code == "MK17" and a.subregion_code == ""  # two sub-regions
    assert a.name_fi == "Alavieska + Haapavesi + Ylivieska (käyttäjän ryhmittely)"
    assert areas.area_name(GROUP, "en").endswith("(user's grouping)")
    assert areas.default_reference(GROUP) == "MK17"
    assert areas.default_reference("KU009+KU564+KU091") == "SSS"  # Helsinki is in another region
    assert areas.municipalities(GROUP) == ["KU009", "KU071", "KU977"]
    assert len(areas.municipalities("SK173+SK178")) == len(areas.members("SK173")) + len(areas.members("SK178"))
    assert areas.contains("MK17", GROUP) and areas.contains(GROUP, "KU977") and not areas.contains(GROUP, "SK177")
    assert not areas.contains("SK177", GROUP)  # Haapavesi lies in SK175


@pytest.mark.parametrize("value, words", [
    ("KU009+KU999", "unknown area 'KU999'"),
    ("KU564+SK171", "overlap"),              # Oulu lies inside the Oulu sub-region: levels that nest
    ("MK17+KU009", "overlap"),
    ("KU009+KU009", "overlap"),
    ("SSS+KU009", "expected municipalities, sub-regions or regions"),
    ("KU009+", "empty part"),
    ("+".join(areas.members("MK17", "KU")[:11]), "11 parts; expected at most 10"),
])
def test_bad_groups_are_one_line(value, words):
    with pytest.raises(InputError, match=words) as exc:
        areas.normalise_area(value)
    assert "\n" not in str(exc.value)


def test_named_groups_from_yaml(tmp_path, monkeypatch):
    f = tmp_path / "groups.yaml"
    f.write_text("# my areas\nOulunkaari ja Koillismaa: SK173+SK178\nKalajokilaakso: [KU009, KU977, KU071]\n",
                 encoding="utf-8")
    monkeypatch.setattr(areas, "_GROUP_CODES", {})
    monkeypatch.setattr(areas, "_GROUP_NAMES", {})
    assert areas.load_groups(f) == {"Oulunkaari ja Koillismaa": "SK173+SK178", "Kalajokilaakso": GROUP}
    assert areas.normalise_area("oulunkaari ja koillismaa") == "SK173+SK178"
    assert areas.area_name("Kalajokilaakso") == "Kalajokilaakso (käyttäjän ryhmittely)"
    bad = tmp_path / "bad.yaml"
    bad.write_text("Väärä: KU009+KU999\n", encoding="utf-8")
    with pytest.raises(InputError, match="group 'Väärä': custom area"):
        areas.load_groups(bad)
    bad.write_text("- KU009\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a mapping"):
        areas.load_groups(bad)


def test_groups_from_environment(tmp_path, monkeypatch):
    f = tmp_path / "g.yaml"
    f.write_text("Pohjoinen pari: KU564+KU009\n", encoding="utf-8")
    monkeypatch.setattr(areas, "_GROUP_CODES", {})
    monkeypatch.setattr(areas, "_GROUP_NAMES", {})
    monkeypatch.setattr(areas, "_ENV_GROUPS_READ", [])
    monkeypatch.setenv(areas.GROUPS_ENV, str(f))
    assert areas.normalise_area("Pohjoinen pari") == "KU009+KU564"


@pytest.fixture(scope="module")
def embedded():
    return prepare(load_firm_panel()), load_business_table()


def _personnel_and_firms(embedded, area):
    cd, table = embedded
    out = compute_indicators(cd, area, "MK17", 2015, 2022, reference_data=table)
    out = out[out["indicator"].isin(["personnel", "establishments"])]
    return out.set_index(["indicator", "industry_code", "year"])[["value", "suppressed"]]


def test_custom_figures_are_the_sum_of_their_municipalities_where_published(embedded):
    parts = [_personnel_and_firms(embedded, m) for m in ("KU009", "KU071", "KU977")]
    custom = _personnel_and_firms(embedded, GROUP)
    joined = custom.join([p.add_suffix(f"_{i}") for i, p in enumerate(parts)], how="outer")
    sup = [joined[f"suppressed_{i}"].astype("boolean").fillna(False).astype(bool) for i in range(3)]
    vals = [joined[f"value_{i}"].fillna(0.0) for i in range(3)]  # no row: no firms in that cell
    all_published = ~(sup[0] | sup[1] | sup[2])
    assert all_published.sum() > 50 and (~all_published).sum() > 0  # both cases occur
    np.testing.assert_allclose(joined.loc[all_published, "value"].fillna(0.0),
                               (vals[0] + vals[1] + vals[2])[all_published], rtol=1e-9)
    # a cell is never published where one of its parts is suppressed (nothing recoverable by differencing)
    assert joined.loc[~all_published, "suppressed"].astype(bool).all()
    assert joined.loc[~all_published, "value"].isna().all()


def test_custom_total_equals_the_firm_panel_sum(embedded):
    panel = load_firm_panel()
    sel = panel[panel["municipality_code"].isin(["KU009", "KU071", "KU977"]) & (panel["year"] == 2022)]
    custom = _personnel_and_firms(embedded, GROUP)
    assert custom.loc[("personnel", "ALL", 2022), "value"] == pytest.approx(sel["personnel"].sum())
    assert custom.loc[("establishments", "ALL", 2022), "value"] == len(sel)


def test_cli_indicators_with_custom_area_and_groups_file(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(areas, "_GROUP_CODES", {})
    monkeypatch.setattr(areas, "_GROUP_NAMES", {})
    monkeypatch.delenv(areas.GROUPS_ENV, raising=False)
    f = tmp_path / "groups.yaml"
    f.write_text("Kalajokilaakso: KU009+KU977+KU071\n", encoding="utf-8")
    rc, out, err = run(capsys, "indicators", "--groups", str(f), "--area", "kalajokilaakso", "--start", "2020",
                       "--end", "2022")
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str})
    assert set(df["area_code"]) == {GROUP} and set(df["reference_code"]) == {"MK17"}
    for argv in (["--area", "KU009+KU999"], ["--area", "KU564+SK171"], ["--groups", str(tmp_path / "nope.yaml"),
                                                                        "--area", "KU009"]):
        rc, out, err = run(capsys, "indicators", *argv)
        assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1, (argv, err)


def test_a_group_code_gets_its_name_from_the_environment(tmp_path, monkeypatch):
    f = tmp_path / "g.yaml"
    f.write_text("Kalajokilaakso: KU009+KU977+KU071\n", encoding="utf-8")
    for name, value in (("_GROUP_CODES", {}), ("_GROUP_NAMES", {}), ("_ENV_GROUPS_READ", [])):
        monkeypatch.setattr(areas, name, value)
    monkeypatch.setenv(areas.GROUPS_ENV, str(f))
    # a report kernel receives the code, never the name: the name still comes from the groups file
    assert areas.area_name(GROUP) == "Kalajokilaakso (käyttäjän ryhmittely)"


def test_reports_accept_a_custom_area_inside_the_region_only():
    from kasvudata_utils.reports.batch import run_reports

    with pytest.raises(InputError, match="outside Northern Ostrobothnia"):
        run_reports("KU009+KU091", out="/nonexistent", industry_profiles=False, progress=False)


def test_shift_share_of_a_custom_area_sums_its_parts(capsys):
    totals = {}
    for code in ("KU009", "KU977", "KU009+KU977"):
        rc, out, err = run(capsys, "shift-share", "--area", code, "--start", "2015", "--end", "2022")
        assert rc == 0, err
        df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str}).set_index("industry_code")
        totals[code] = df.loc["TOTAL", ["base", "end"]].astype(float)
    assert totals["KU009+KU977"]["base"] == pytest.approx(totals["KU009"]["base"] + totals["KU977"]["base"])
    assert totals["KU009+KU977"]["end"] == pytest.approx(totals["KU009"]["end"] + totals["KU977"]["end"])


def test_insights_about_a_custom_area(tmp_path):
    from kasvudata_utils.apps.insights_board import InsightsBoard
    from kasvudata_utils.insights.render import render_area_insights_html
    from kasvudata_utils.insights.store import InsightStore

    store = InsightStore(tmp_path / "s.sqlite")
    store.add("KU009 + KU977", "trend", "Yhteinen havainto")
    assert [r["area_code"] for r in store.list()] == ["KU009+KU977"]
    assert "Yhteinen havainto" in render_area_insights_html(store, "MK17")  # inside the region
    assert "Yhteinen havainto" not in render_area_insights_html(store, "SK175")  # Ylivieska is in SK177
    board = InsightsBoard(area="KU009+KU977", store=store)
    assert "käyttäjän ryhmittely" in board.summary.value and board.summary.value.startswith("1 ")
