"""The explorer's side-by-side view (``?area=KU009&compare=KU977,SK177``) on the hand-made app data of test_apps."""
import pytest
from test_apps import make_data

from kasvudata_utils.apps import area_explorer
from kasvudata_utils.apps.area_explorer import AreaExplorer


@pytest.fixture
def data(monkeypatch):
    d = make_data()
    monkeypatch.setattr(area_explorer, "_DATA", d)
    return d


def test_compare_from_the_url_puts_three_areas_side_by_side(data, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "area=KU009&compare=KU977,SK177&lang=en")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    app = AreaExplorer.from_url("MK17", "fi")
    assert app.area == "KU009" and app.compare == ["KU977", "SK177"]
    assert app.compare_box.value == "KU977,SK177" and app.notice.value == ""
    # chart: three lines; personnel indexed to the first year (Alavieska 120/100 → 120, Ylivieska 380/400 → 95)
    # four polylines: Alavieska's breaks at its suppressed 2021, Ylivieska and the sub-region are whole
    assert app.chart.value.count("<polyline") == 4
    assert app.chart.value.count("stroke-width=\"3\"") == 3  # three legend entries
    for name in ("Alavieska", "Ylivieska"):
        assert name in app.chart.value and name in app.table.value
    # the sub-region and its centre are both "Ylivieska": the legend tells them apart by code (issue 17)
    assert ">Alavieska</text>" in app.chart.value
    assert ">Ylivieska (KU977)</text>" in app.chart.value and ">Ylivieska (SK177)</text>" in app.chart.value
    assert "<th>Ylivieska (KU977)</th><th>Ylivieska (SK177)</th>" in app.table.value
    assert "kd-compare-table" in app.table.value
    # summary: Ylivieska 400 → 380 is −5.0 %, the sub-region 500 → 500 is 0.0 %
    assert "Ylivieska (KU977) -5.0%" in app.summary.value
    assert "(SK177) 0.0%" in app.summary.value or "(SK177) +0.0%" in app.summary.value


def test_compare_frame_holds_each_area_once_per_year(data):
    app = AreaExplorer(area="KU009", lang="fi")
    app.compare_box.value = "KU977"
    f = app.compare_frame()
    assert sorted(set(f["area_code"])) == ["KU009", "KU977"] and len(f) == 2 * 5
    assert f[(f.area_code == "KU977") & (f.year == 2023)]["value"].tolist() == [380.0]
    assert f[(f.area_code == "KU009") & (f.year == 2021)]["value"].isna().all()  # suppressed stays empty


def test_compare_bad_input_is_a_notice(data):
    app = AreaExplorer(area="KU009", lang="en")
    app.compare_box.value = "KU977,KU999"
    assert app.compare == [] and "KU999" in app.notice.value and "Traceback" not in app.notice.value
    app.compare_box.value = "KU977,KU564"  # Oulu is not in this app data
    assert app.compare == ["KU977"] and "KU564" in app.notice.value
    app.compare_box.value = ",".join(f"KU{c:03d}" for c in (5, 10, 16, 18, 19, 20, 35, 43, 46, 47))
    assert app.compare == [] and "at most 10" in app.notice.value
    app.compare_box.value = ""
    assert app.compare == [] and app.notice.value == "" and "kd-compare-table" not in app.table.value


def test_custom_area_from_the_url_is_computed_on_demand_and_sums_its_parts(monkeypatch):
    """Real app cache: ``?area=KU009+KU977`` (the '+' arrives as a space) is the sum of Alavieska and Ylivieska."""
    from kasvudata_utils.apps.cache import AppData

    monkeypatch.setattr(area_explorer, "_DATA", AppData.load())
    monkeypatch.setenv("QUERY_STRING", "area=KU009+KU977&compare=KU071")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    app = AreaExplorer.from_url("MK17", "fi", map=False)
    assert app.area == "KU009+KU977" and app.compare == ["KU071"] and app.notice.value == ""
    assert "käyttäjän ryhmittely" in app.summary.value
    d = app.data
    for year in (2013, 2023):
        parts = [d.value(c, "personnel", year) for c in ("KU009", "KU977")]
        assert d.value("KU009+KU977", "personnel", year) == pytest.approx(sum(parts))
    # a custom area outside the region is not offered: default area and a notice
    monkeypatch.setenv("QUERY_STRING", "area=KU009+KU091")
    app = AreaExplorer.from_url("MK17", "fi", map=False)
    assert app.area == "MK17" and "KU009" in app.notice.value


def test_compare_similar_shows_distances_features_weights_and_sources(monkeypatch):
    from kasvudata_utils.apps.cache import AppData
    from kasvudata_utils.labels import LABELS
    from kasvudata_utils.research.similar import FEATURES, feature_table

    monkeypatch.setattr(area_explorer, "_DATA", AppData.load())
    app = AreaExplorer(area="KU009", lang="fi", map=False)
    app.compare_box.value = "similar"
    assert len(app.compare) == 5 and all(c.startswith("KU") for c in app.compare)  # municipalities of MK17
    info = app.similar_info.value
    assert "Kärsämäki (KU317)" in info  # Alavieska's nearest in the region (as `kasvudata similar --within MK17`)
    assert "Väestön muutos 2012–2022, %" in info and "Paavo" in info and "paino 0,033" in info  # 0.2 / 6
    assert len(feature_table()) == info.count("<li>")
    assert all(f"feature_{f.name}" in LABELS for f in FEATURES)  # every feature has a Finnish and English label
    app.compare_box.value = "KU977"
    assert app.similar_info.value == ""


def test_structure_side_by_side_by_hand(data):
    app = AreaExplorer(area="KU009", lang="en")
    app.compare_box.value = "KU977"
    f = app.structure_frame().set_index(["area_code", "industry_code"])
    # Alavieska 2023: C 60, G 40 of 120 person-years; the region: C 1000·1.1⁴ = 1464.1, G 500 of 1100
    assert f.loc[("KU009", "C"), "share_pct"] == pytest.approx(50.0)
    assert f.loc[("KU009", "G"), "share_pct"] == pytest.approx(100 * 40 / 120)
    assert f.loc[("KU009", "C"), "lq"] == pytest.approx((60 / 120) / (1464.1 / 1100))
    assert f.loc[("KU009", "G"), "lq"] == pytest.approx((40 / 120) / (500 / 1100))
    assert "kd-compare-structure" in app.table.value and "0.38" in app.table.value


def test_scenario_workshop_opens_a_custom_area_from_the_url(monkeypatch):
    from kasvudata_utils.apps.cache import AppData
    from kasvudata_utils.apps.scenario_workshop import ScenarioWorkshop

    monkeypatch.setattr(area_explorer, "_DATA", AppData.load())  # the scenario shares the explorer's cache
    monkeypatch.setenv("QUERY_STRING", "area=KU009+KU977")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    app = ScenarioWorkshop.from_url("MK17", "fi")
    assert app.area == "KU009+KU977" and app.notice.value == ""
    assert app.summary.value.startswith("Alavieska + Ylivieska (käyttäjän ryhmittely)")


def test_compare_box_placeholder_is_finnish_and_the_finnish_word_asks_for_similar_areas(monkeypatch):
    """Issue 17: the Finnish box said "KU977,KU071 tai similar"; its word is now Finnish, and it works."""
    from kasvudata_utils.apps.cache import AppData

    monkeypatch.setattr(area_explorer, "_DATA", AppData.load())
    fi = AreaExplorer(area="KU009", lang="fi", map=False)
    assert fi.compare_box.placeholder == "KU977,KU071 tai samankaltaiset"
    assert "similar" not in fi.compare_box.placeholder
    fi.compare_box.value = "Samankaltaiset"
    by_word = list(fi.compare)
    fi.compare_box.value = ""
    fi.compare_box.value = "similar"  # the English word keeps working (URLs: compare=similar)
    assert by_word == fi.compare and len(by_word) == 5 and "Kärsämäki (KU317)" in fi.similar_info.value
    assert AreaExplorer(area="KU009", lang="en", map=False).compare_box.placeholder == "KU977,KU071 or similar"


def test_compare_similar_comes_from_the_app_cache_with_the_reports_distances(monkeypatch):
    """The lean workshop kernel cannot read Parquet (pyarrow blocked): similar areas come from the cache.

    The features' loader is made to fail: the explorer must not call it. Distances are the report's
    (same features, same standardisation): Kärsämäki is 0.3387 from Alavieska in both, though the
    report ranks areas of all Finland and the explorer those of Northern Ostrobothnia.
    """
    from kasvudata_utils.apps.cache import AppData
    from kasvudata_utils.reports.similar import similar_comparison
    from kasvudata_utils.research import similar

    data = AppData.load()
    report = similar_comparison("KU009", 2013, 2023).set_index("area_code")["distance"]
    region = similar.similar_areas("KU009", 5, within="MK17")

    def no_parquet(*args, **kwargs):
        raise AssertionError("the explorer read the similarity features in the kernel")

    monkeypatch.setattr(similar, "load_similarity_features", no_parquet)
    monkeypatch.setattr(similar, "_cached_features", no_parquet)
    monkeypatch.setattr(area_explorer, "_DATA", data)
    app = AreaExplorer(area="KU009", lang="fi", map=False)
    app.compare_box.value = "samankaltaiset"
    assert app.notice.value == ""
    assert app.compare == region["area_code"].tolist()[1:] == ["KU317", "KU791", "KU691", "KU625", "KU071"]
    pairs, vintage = data.similar("KU009")
    assert [d for _, d in pairs] == region["distance"].tolist()[1:]  # exactly, not approximately
    assert dict(pairs)["KU317"] == report["KU317"]  # the one area in both lists: the report's distance
    assert "0,34" in app.similar_info.value  # 0.3387 with two decimals, Finnish comma
    assert vintage["population_year"] == 2022 and vintage["unemployment_year"] == 2020
    assert "Työttömyysaste 2020, %" in app.similar_info.value


def test_compare_similar_without_cached_similar_areas_is_a_notice(monkeypatch):
    """The region itself has no peer inside the region; a custom area has none in the cache: a notice."""
    from kasvudata_utils.apps.cache import AppData

    data = AppData.load()
    monkeypatch.setattr(area_explorer, "_DATA", data)
    assert data.similar("MK17")[0] == [] and data.similar("KU009+KU977") is None
    app = AreaExplorer(area="MK17", lang="fi", map=False)
    app.compare_box.value = "similar"
    assert app.compare == [] and app.similar_info.value == ""
    assert app.notice.value == ("Alueelle Pohjois-Pohjanmaa (MK17) ei ole samankaltaisia alueita "
                                "sovelluksen aineistossa.")
