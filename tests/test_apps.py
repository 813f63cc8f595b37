"""The Voilà app classes without a browser: widgets, callbacks, figures worked out by hand.

The apps run on a small inline indicator table (SPEC §4 long shape) so that every
figure they show can be checked against arithmetic written beside the assertion.
"""
import base64
import html
import math

import pandas as pd
import pytest

from kasvudata_utils import scenarios
from kasvudata_utils.apps import area_explorer, common
from kasvudata_utils.apps.area_explorer import AreaExplorer
from kasvudata_utils.apps.cache import AppData
from kasvudata_utils.apps.common import url_params
from kasvudata_utils.apps.scenario_workshop import ScenarioWorkshop
from kasvudata_utils.errors import DataError, InputError

YEARS = range(2019, 2024)
REF = {"KU009": "MK17", "KU977": "MK17", "SK177": "MK17", "MK17": "SSS", "SSS": "SSS"}



def svg_texts(svg: str) -> list[str]:
    """The texts of an SVG chart, a wrapped label's lines (``<tspan>``) joined with a space."""
    import re

    return [" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", body)) or re.sub(r"<[^>]+>", "", body)
            for body in re.findall(r"<text[^>]*>(.*?)</text>", svg)]

def _rows(area, indicator, values, industry="ALL", suppressed=()):
    return [{"area_code": area, "reference_code": REF[area], "indicator": indicator, "industry_code": industry,
             "year": y, "value": (float("nan") if y in suppressed else float(v)), "suppressed": y in suppressed}
            for y, v in zip(YEARS, values, strict=False)]


def make_data(with_map=True) -> AppData:
    rows = []
    # Alavieska: personnel 100 → 120 (+20 %), the 2021 value suppressed
    rows += _rows("KU009", "personnel", [100, 105, 0, 115, 120], suppressed=(2021,))
    rows += _rows("KU009", "establishments", [14, 15, 15, 16, 16])
    rows += _rows("KU009", "exports_eur", [2e6, 2e6, 2e6, 3e6, 3e6])
    rows += _rows("KU009", "birth_rate_pct", [7, 7, 8, 8, 8])
    rows += _rows("KU009", "death_rate_pct", [6, 6, 6, 6, 6])
    rows += _rows("KU009", "micro_share_pct", [90] * 5)
    rows += _rows("KU009", "micro_hge_count", [1] * 5)
    # Ylivieska: personnel 400 → 380 (−5 %)
    rows += _rows("KU977", "personnel", [400, 390, 390, 385, 380])
    rows += _rows("KU977", "establishments", [50] * 5)
    rows += _rows("KU977", "exports_eur", [1e7] * 5)
    # the sub-region and the region: personnel 1000 → 1100 (+10 %)
    rows += _rows("SK177", "personnel", [500] * 5)
    rows += _rows("MK17", "personnel", [1000, 1020, 1050, 1080, 1100])
    rows += _rows("MK17", "establishments", [100] * 5)
    # sections of Alavieska in 2023 (other years present too): C = manufacturing, G = trade
    rows += _rows("KU009", "personnel", [60] * 5, "C") + _rows("KU009", "establishments", [6] * 5, "C")
    rows += _rows("KU009", "exports_eur", [3e6] * 5, "C") + _rows("KU009", "turnover_eur", [12e6] * 5, "C")
    rows += _rows("KU009", "personnel", [40] * 5, "G") + _rows("KU009", "establishments", [10] * 5, "G")
    rows += _rows("KU009", "exports_eur", [0] * 5, "G") + _rows("KU009", "turnover_eur", [5e6] * 5, "G")
    # the region's sections: C grows 10 % a year 2019 → 2023 (1000 · 1.1⁴ = 1464.1), G flat
    rows += _rows("MK17", "personnel", [1000 * 1.1 ** i for i in range(5)], "C")
    rows += _rows("MK17", "personnel", [500] * 5, "G")
    for ind in ("establishments", "exports_eur", "turnover_eur"):
        rows += _rows("MK17", ind, [1] * 5, "C") + _rows("MK17", ind, [1] * 5, "G")
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"area_code": c, "name_fi": n},
         "geometry": {"type": "Polygon", "coordinates": [[[24, 64], [24.5, 64], [24.5, 64.5], [24, 64]]]}}
        for c, n in (("KU009", "Alavieska"), ("KU977", "Ylivieska"))]}
    prov = {"kind": "synthetic", "sources": ["KasvuDATA synthetic firm panel"], "columns": {},
            "not_for_publication": False}
    return AppData(pd.DataFrame(rows), prov, geo if with_map else None)


@pytest.fixture
def data(monkeypatch):
    d = make_data()
    monkeypatch.setattr(area_explorer, "_DATA", d)
    return d


# -- common ----------------------------------------------------------------------------------------
def test_url_params_normalise_and_fall_back_with_a_notice():
    assert url_params(environ={"QUERY_STRING": "area=009&lang=en"}) == ("KU009", "en", None)
    code, lang, notice = url_params(environ={"QUERY_STRING": "area=XYZ&lang=fr"})
    assert (code, lang) == ("MK17", "fi")  # unknown language → Finnish
    assert "XYZ" in notice and "MK17" in notice
    # an area outside the app's list is treated like an unknown one
    assert url_params(environ={"QUERY_STRING": "area=KU091"}, allowed={"MK17"})[0] == "MK17"


def test_safe_callback_turns_errors_into_a_notice():
    app = common.BaseApp("en")
    boom = app.safe(lambda: 1 / 0)
    assert boom() is None
    assert app.notice.value.startswith("Something went wrong")
    assert "ZeroDivision" not in app.notice.value and "Traceback" not in app.notice.value
    app.safe(lambda: (_ for _ in ()).throw(InputError("year 1900: expected 2013–2023")))()
    assert "year 1900: expected 2013–2023" in app.notice.value


def test_data_badge_says_synthetic():
    badge = common.data_badge({"kind": "synthetic", "sources": ["S"], "columns": {}}, "en")
    assert "kd-data-badge" in badge._dom_classes
    assert "SYNTHETIC" in badge.value and "S" in badge.value


def test_app_data_series_hides_suppressed_values(data):
    s = data.series("KU009", "personnel")
    assert list(s["year"]) == list(YEARS)
    assert math.isnan(s.loc[s["year"] == 2021, "value"].iloc[0])
    assert data.reference_codes("KU009") == ["MK17", "SK177"]  # default first; SSS has no rows here
    assert data.area_codes()[:2] == ["MK17", "SK177"]


# -- AreaExplorer ----------------------------------------------------------------------------------
def test_explorer_summary_names_the_area_and_its_figures(data):
    app = AreaExplorer(area="KU009", lang="en")
    s = app.summary.value
    assert "Alavieska (KU009)" in s and "2019–2023" in s
    assert "+20.0%" in s  # 100 → 120
    assert "+10.0%" in s  # reference MK17: 1000 → 1100
    assert "16 establishments" in s and "EUR 3.0 million" in s  # 2023 headline figures
    assert app.view._dom_classes == ("kd-app",)
    for w, css in ((app.area_select, "kd-area-select"), (app.reference_select, "kd-reference-select"),
                   (app.year_range, "kd-year-range"), (app.map.map, "kd-map"), (app.chart, "kd-chart"),
                   (app.summary, "kd-summary"), (app.badge, "kd-data-badge")):
        assert css in w._dom_classes
    assert app.chart.value.startswith("<svg") and "index, 2019 = 100" in app.chart.value
    assert ">Alavieska<" in app.chart.value and ">North Ostrobothnia<" in app.chart.value


def test_explorer_changes_area_years_and_reference(data):
    app = AreaExplorer(area="KU009", lang="en")
    app.area_select.value = "Ylivieska (KU977)"
    assert "Ylivieska (KU977)" in app.summary.value and "−5.0 %" not in app.summary.value
    assert "-5.0%" in app.summary.value  # 400 → 380; English uses the ASCII minus
    feats = {f["properties"]["area_code"]: f["properties"] for f in app.map.layer.data["features"]}
    assert feats["KU977"]["selected"] and not feats["KU009"]["selected"]
    assert feats["KU977"]["style"]["weight"] > feats["KU009"]["style"]["weight"]
    assert "Ylivieska" in app.map.caption.value
    app.year_range.value = (2020, 2023)  # 390 → 380: −2.6 %
    assert "2020–2023" in app.summary.value and "-2.6%" in app.summary.value
    app.reference_select.value = "SK177"  # the sub-region, flat at 500: 0.0 %
    assert "reference Ylivieska sub-region 0.0%" in app.summary.value  # not the municipality KU977


def test_explorer_map_click_selects_a_municipality(data):
    app = AreaExplorer(area="KU009", lang="fi")
    app.map._clicked(event="click", feature={"properties": {"area_code": "KU977"}})
    assert app.area == "KU977" and "Ylivieska (KU977)" in app.summary.value


def test_explorer_table_csv_and_suppression(data):
    app = AreaExplorer(area="KU009", lang="fi")
    df = app.table_frame()
    row = df[df["year"] == 2021].iloc[0]
    assert bool(row["suppressed"]) and math.isnan(row["value"])
    assert '<td>2021</td><td title="salattu">..</td>' in app.table.value  # StatFin's symbol, explained
    assert "Symbolit: .. = salattu" in app.table.value
    payload = app.download.value.split("base64,")[1].split('"')[0]
    csv = base64.b64decode(payload).decode("utf-8").splitlines()
    assert csv[0] == "area_code,reference_code,indicator,year,value,suppressed,reference_value"
    assert csv[-1] == "KU009,MK17,personnel,2023,120.0,False,1100.0"
    # the map never shows the suppressed 2021 value: grey, labelled "salattu"
    vals, labels = app._map_values("personnel", 2021)
    assert math.isnan(vals["KU009"]) and labels["KU009"] == "Alavieska: salattu"


def test_explorer_failing_refresh_shows_a_notice_not_a_traceback(data, monkeypatch):
    app = AreaExplorer(area="KU009", lang="en")
    monkeypatch.setattr(app, "refresh", lambda: 1 / 0)
    app.indicator_select.value = "establishments"  # observer → refresh → error, caught
    assert "Something went wrong" in app.notice.value


def test_explorer_from_url_with_bad_area_shows_default_and_notice(data, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "area=XYZ&lang=en")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    app = AreaExplorer.from_url("MK17", "fi")
    assert app.area == "MK17" and app.lang == "en"
    assert "Unknown area" in app.notice.value and "XYZ" in app.notice.value


def test_from_url_without_data_is_a_friendly_app(monkeypatch):
    def broken():
        raise DataError("missing app cache: run `kasvudata data build`")

    monkeypatch.setattr(area_explorer, "_data", broken)
    monkeypatch.setenv("QUERY_STRING", "area=KU009")
    app = AreaExplorer.from_url()
    assert isinstance(app, common.ErrorApp) and "kasvudata data build" in app.notice.value


# -- ScenarioWorkshop ------------------------------------------------------------------------------
class FakeStore:
    def __init__(self):
        self.saved = []

    def add_scenario(self, area, levers, results, note=""):
        self.saved.append((area, levers, results, note))
        return f"id-{len(self.saved)}"

    def list(self, area=None, kind=None):
        return [s for s in self.saved if s[0] == area]


def test_scenario_baseline_by_hand(data):
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    # rates over 2021–2023: birth 8, death 6 → survival 94; micro-growth 1 / (16 · 0.9) = 6.94 % → slider 7.0
    assert app.levers["birth_rate_pct"] == 8.0 and app.levers["survival_rate_pct"] == 94.0
    assert app.levers["micro_growth_share_pct"] == 7.0
    tot = app.totals()
    # the groups add up to the published total: 120 = C 60 + G 40 + 20 not shown separately
    assert tot["personnel_start"] == pytest.approx(120.0)
    # manufacturing grows at MK17's 10 %/yr for 8 years: 60 · 1.1⁸ = 128.615; trade flat 40; the other 20
    # (no hidden section to take a trend from) at MK17's total trend 1000 → 1100 in 4 years: 20 · 1.1² = 24.2
    assert tot["personnel_baseline"] == pytest.approx(60 * 1.1 ** 8 + 40 + 24.2)
    assert tot["personnel_diff"] == pytest.approx(0.0)
    assert "Alavieska (KU009), in 2031: jobs 193 (0 against the baseline)" in app.summary.value
    # a long group name wraps onto two lines of the chart (issue 17: never cut at the chart's left edge)
    assert "Other industries (not shown separately)" in svg_texts(app.chart.value)
    assert "Base year 2023" in app.assumptions.value
    assert app.chart.value.startswith("<svg") and ">Manufacturing and energy<" in app.chart.value


def test_scenario_slider_changes_summary_and_reset_restores_it(data):
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    before = app.summary.value
    app.sliders["birth_rate_pct"].value = 9.0
    # d = 0.01/yr; baseline firms 6 · 1.1⁸ + 10 = 22.8615; × (1.01⁸ − 1) = 1.8942 extra firms; × 2.0 = 3.79 jobs
    tot = app.totals()
    extra_firms = (6 * 1.1 ** 8 + 10) * (1.01 ** 8 - 1)
    assert tot["firms_diff"] == pytest.approx(extra_firms)
    assert tot["personnel_diff"] == pytest.approx(extra_firms * scenarios.NEW_FIRM_PERSONNEL)
    assert app.summary.value != before and "(+4 against the baseline)" in app.summary.value
    assert "baseline 8.00" in app.assumptions.value
    app.reset_button.click()
    assert app.summary.value == before and app.levers["birth_rate_pct"] == 8.0


def test_scenario_lever_on_an_empty_or_export_free_group_says_so(data):
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    # Alavieska's fixture has no business-services section (empty) and trade with 0 exports (G)
    assert app.inactive == {"export_business_services": "empty", "export_trade_transport": "no_exports"}
    assert app.assumptions.value.count("no effect in this area") == 2
    app.sliders["export_business_services"].value = 10.0
    assert app.totals()["personnel_diff"] == pytest.approx(0.0)


def test_scenario_sliders_are_debounced_and_labelled(data):
    app = ScenarioWorkshop(area="KU009", lang="fi", store=FakeStore())
    assert set(app.sliders) == set(scenarios.LEVER_SPECS)
    for s in app.sliders.values():
        assert "kd-slider" in s._dom_classes and s.continuous_update is False
    assert "kd-scenario-save" in app.save_button._dom_classes


def test_scenario_save_stores_levers_results_and_note(data, tmp_path, monkeypatch):
    from kasvudata_utils.insights.store import InsightStore

    store = InsightStore(tmp_path / "insights.sqlite")
    app = ScenarioWorkshop(area="KU009", lang="fi", store=store)
    app.sliders["export_manufacturing"].value = 5.0
    app.note.value = "Hitsaajia tarvitaan"
    app.save_button.click()
    recs = store.list(area="KU009", kind="scenario")
    assert len(recs) == 1
    rec = recs[0]
    assert rec["text"] == "Hitsaajia tarvitaan"
    assert "1" in app.save_status.value and app.note.value == ""


def test_scenario_area_change_resets_inputs(data):
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    app.area_select.value = "North Ostrobothnia (MK17)"
    assert app.area == "MK17" and "North Ostrobothnia (MK17)" in app.summary.value


# -- maps, the workshop command and the app cache --------------------------------------------------
def test_map_legend_gives_suppressed_its_own_row():
    from kasvudata_utils import maps

    vals = {"KU1": 1.0, "KU2": 2.0, "KU3": 3.0, "KU4": 4.0, "KU5": 5.0, "KU6": float("nan")}
    legend = maps.legend_html(vals, missing="salattu")
    # five finite values in five classes and one row for the suppressed grey, its swatch the map's grey
    assert legend.count("kd-swatch") == 6 and legend.count("kd-legend-missing") == 1
    assert f"background:{maps.MISSING}" in legend.split("kd-legend-missing")[1] and "salattu</div>" in legend
    # nothing suppressed, or no name given: no such row
    assert "kd-legend-missing" not in maps.legend_html({k: v for k, v in vals.items() if k != "KU6"},
                                                       missing="salattu")
    assert "kd-legend-missing" not in maps.legend_html(vals)


def test_choropleth_classes_colours_and_selection():
    from kasvudata_utils import maps

    # quantile limits of 1..10 in 5 classes: positions 9·i/5 → 2.8, 4.6, 6.4, 8.2
    assert maps.class_breaks(range(1, 11)) == [2.8, 4.6, 6.4, 8.2]
    assert maps.colour_for(float("nan"), [1.0]) == maps.MISSING
    geo = make_data().geojson
    styled = maps.styled_geojson(geo, {"KU009": 1.0, "KU977": 2.0}, selected={"KU977"})
    props = {f["properties"]["area_code"]: f["properties"] for f in styled["features"]}
    assert props["KU977"]["style"]["color"] == maps.SELECTED and props["KU009"]["style"]["weight"] < 4
    assert "style" not in geo["features"][0]["properties"]  # the input is not modified
    # bounding box of the test polygons: lat 64…64.5, lon 24…24.5
    assert maps.bounds_center(geo) == (64.25, 24.25)


def test_workshop_command_uses_the_offline_template_and_config(tmp_path):
    import json

    from kasvudata_utils.commands.workshop import TEMPLATE_ROOT, WORKSHOPS_DIR, voila_command

    argv, env, cwd = voila_command(8899, env={"JUPYTER_PATH": "/x"})
    assert "--port=8899" in argv and "--Voila.ip=127.0.0.1" in argv and argv[-1] == str(WORKSHOPS_DIR)
    assert argv[1:3] == ["-m", "kasvudata_utils.commands.workshop"]  # Voilà plus the per-cell timeout
    assert env["JUPYTER_PATH"].split(":")[0] == str(TEMPLATE_ROOT) and cwd == WORKSHOPS_DIR
    cfg = json.loads((WORKSHOPS_DIR / "voila.json").read_text())
    assert cfg["VoilaConfiguration"]["template"] == "kasvudata"
    assert cfg["VoilaConfiguration"]["show_tracebacks"] is False and cfg["VoilaConfiguration"]["preheat_kernel"]
    assert cfg["MappingKernelManager"]["cull_idle_timeout"] > 0 and cfg["VoilaExecutor"]["timeout"] > 0
    tpl = TEMPLATE_ROOT / "voila" / "templates" / "kasvudata"
    assert json.loads((tpl / "conf.json").read_text())["base_template"] == "lab"
    assert "cdn.jsdelivr.net" in (tpl / "index.html.j2").read_text()  # the filter names what it removes
    # a room of laptops needs the server on the network; the default stays this machine only
    assert "--Voila.ip=0.0.0.0" in voila_command(8899, ip="0.0.0.0")[0]
    with pytest.raises(InputError, match="port 0"):
        voila_command(0)
    with pytest.raises(InputError, match="voila.json"):
        voila_command(8899, workshops_dir=tmp_path)


def test_app_notebooks_have_parameters_and_one_app_each():
    import nbformat

    from kasvudata_utils.commands.workshop import WORKSHOPS_DIR

    for name, cls in (("area_explorer", "AreaExplorer"), ("scenario_workshop", "ScenarioWorkshop")):
        nb = nbformat.read(WORKSHOPS_DIR / f"{name}.ipynb", as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and 'area: str = "MK17"' in params[0].source
        assert f"{cls}.from_url(area, lang)" in nb.cells[-1].source
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # stripped


@pytest.mark.slow
def test_app_cache_matches_the_firm_panel_by_definition():
    from kasvudata_utils.apps.cache import AppData
    from kasvudata_utils.data import load_firm_panel

    data = AppData.load()
    assert len([c for c in data.area_codes()]) == 38
    panel = load_firm_panel()
    # personnel of Alavieska in the last year = the sum over its firms' rows (SPEC §3)
    year = int(panel["year"].max())
    expected = panel.loc[(panel["municipality_code"] == "KU009") & (panel["year"] == year), "personnel"].sum()
    assert data.value("KU009", "personnel", year) == pytest.approx(expected, rel=1e-6, abs=0.01)
    assert data.prov["kind"] in ("synthetic", "mixed")


def test_scenario_never_shows_a_confidential_export_total(monkeypatch):
    d = make_data()
    ind = d.indicators
    mask = (ind["area_code"] == "KU009") & (ind["indicator"] == "exports_eur") & (ind["industry_code"] == "ALL")
    ind = ind.assign(suppressed=ind["suppressed"] | mask, value=ind["value"].mask(mask))
    data = AppData(ind, d.prov, d.geojson)
    monkeypatch.setattr(area_explorer, "_DATA", data)
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    app.sliders["export_manufacturing"].value = 10.0
    assert "exports suppressed (..)" in app.summary.value
    assert "million" not in app.summary.value


def test_scenario_on_a_table_without_exports_says_no_data_not_the_confidential_symbol(monkeypatch):
    d = make_data()
    ind = d.indicators
    # a business table without an exports column: the export figures are missing, not suppressed
    mask = (ind["area_code"] == "KU009") & (ind["indicator"] == "exports_eur")
    assert mask.any()
    ind = ind.assign(value=ind["value"].mask(mask), suppressed=ind["suppressed"] & ~mask)
    data = AppData(ind, d.prov, d.geojson)
    monkeypatch.setattr(area_explorer, "_DATA", data)
    for lang, expected in (("en", "exports no data (no data)"), ("fi", "vienti ei tietoa (ei tietoa)")):
        app = ScenarioWorkshop(area="KU009", lang=lang, store=FakeStore())
        assert expected in app.summary.value
        assert ".." not in app.summary.value and "million" not in app.summary.value and "milj" not in app.summary.value


def test_server_extension_config_for_binder(tmp_path):
    import json

    from kasvudata_utils.commands.workshop import write_jupyter_config

    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "jupyter_server_config.json").write_text('{"ServerApp": {"port": 9}}')
    write_jupyter_config(tmp_path / "cfg", tmp_path / "data")
    voila = json.loads((tmp_path / "cfg" / "voila.json").read_text())
    assert voila["VoilaConfiguration"]["template"] == "kasvudata"
    assert "preheat_kernel" not in voila["VoilaConfiguration"]
    server = json.loads((tmp_path / "cfg" / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["port"] == 9 and server["VoilaExecutor"]["timeout"] > 0  # merged, not replaced
    # no MathJax from a CDN under the server extension (standalone Voilà sets the same two settings)
    assert server["ServerApp"]["tornado_settings"] == {"mathjax_url": None, "mathjax_config": None}
    assert (tmp_path / "data" / "voila" / "templates" / "kasvudata" / "index.html.j2").exists()


def test_coverage_line_wherever_all_industries_are_shown(data):
    """Issue 13: "all industries" is sections B–S without K, O, P, Q; agriculture (A) is not in the data."""
    from kasvudata_utils import industries

    fi = industries.coverage_text("fi")
    assert fi.startswith("Kaikki toimialat = yritystoiminnan toimialat B–S paitsi K, O, P, Q")
    assert "maatalous, metsätalous ja kalatalous (A)" in fi
    explorer = AreaExplorer(area="KU009", lang="fi", map=False)
    assert fi in html.unescape(explorer.coverage.value)
    scenario = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    assert industries.coverage_text("en") in html.unescape(scenario.assumptions.value)


def test_explorer_names_the_years_a_later_starting_series_compares():
    """Issue 13: a survival series starting in 2021 is not reported as a change over 2019–2023."""
    rows = _rows("KU009", "personnel", [100] * 5) + _rows("MK17", "personnel", [1000] * 5)
    rows += [r for r in _rows("KU009", "survival_rate_1y_pct", [0, 0, 60, 70, 80]) if r["year"] >= 2021]
    rows += _rows("MK17", "survival_rate_1y_pct", [50, 60, 70, 80, 90])
    app = AreaExplorer(area="KU009", lang="en", data=AppData(pd.DataFrame(rows)), map=False)
    app.indicator_select.value = "survival_rate_1y_pct"
    # the area: 60 → 80 over 2021–2023 = +20 points; the reference over the same years: 70 → 90 = +20 points
    assert "Alavieska (KU009), 2021–2023:" in app.summary.value
    assert "(change +20.0 pp); reference North Ostrobothnia +20.0 pp" in app.summary.value


def test_explorer_marks_rates_on_few_firms():
    """Issue 13: survival on 5 births (4 alive = 80 %) reads "80*" with the rule beside it, not "80.0"."""
    rows = _rows("KU009", "personnel", [100] * 5) + _rows("MK17", "personnel", [1000] * 5)
    rows += _rows("KU009", "establishments", [50] * 5) + _rows("MK17", "establishments", [1000] * 5)
    rows += _rows("KU009", "birth_rate_pct", [10] * 5)  # 10 % of 50 firms = 5 births a year
    rows += _rows("MK17", "birth_rate_pct", [10] * 5)  # 100 births a year
    rows += _rows("KU009", "survival_rate_1y_pct", [50, 60, 70, 75, 80])
    rows += _rows("MK17", "survival_rate_1y_pct", [80, 80, 80, 80, 82.5])
    app = AreaExplorer(area="KU009", lang="en", data=AppData(pd.DataFrame(rows)), map=False)
    app.indicator_select.value = "survival_rate_1y_pct"
    # 2019 has no births of 2018 in the data, so the window's 2019 value carries no base; 2020–2023 rest on 5
    assert "<td>2023</td><td>80*</td><td>82.5</td>" in app.table.value
    assert "fewer than 20 firms" in app.table.value
    assert "survival (%) 80*" in app.summary.value and "(change +30* pp)" in app.summary.value


def test_scenario_slider_readouts_use_the_page_number_format(data):
    fi = ScenarioWorkshop(area="KU009", lang="fi", store=FakeStore())
    fi.sliders["export_elasticity"].value = 0.5
    fi.sliders["survival_rate_pct"].value = 92.0
    assert fi.readouts["export_elasticity"][0].value == "0,50"
    assert fi.readouts["survival_rate_pct"][0].value == "92,0"
    assert all(s.readout is False for s in fi.sliders.values())  # no d3 "0.50" beside ours
    en = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    en.sliders["export_elasticity"].value = 0.75
    assert en.readouts["export_elasticity"][0].value == "0.75"


@pytest.mark.parametrize("typed", ["Ylivieska", "ylivieska", "977", "KU977", "ku 977"])
def test_explorer_area_box_accepts_a_typed_name_or_code(data, typed):
    app = AreaExplorer(area="KU009", lang="en")
    app.area_select.value = typed  # what the box sends on Enter (continuous_update=False)
    assert app.area == "KU977"
    assert app.area_select.value == "Ylivieska (KU977)"  # the box shows what the page shows
    assert app.summary.value.startswith("Ylivieska (KU977)")


@pytest.mark.parametrize("typed", ["Ylivieska", "ylivieska", "977", "KU977", "ku 977"])
def test_scenario_area_box_accepts_a_typed_name_or_code(data, typed):
    # issue 17 review: in the scenario app "Oulu" + Enter left the box saying Oulu and the page on Alavieska
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    app.area_select.value = typed
    assert app.area == "KU977" and app.area_select.value == "Ylivieska (KU977)"
    assert app.summary.value.startswith("Ylivieska (KU977)") and "area=KU977" in app.url_query()


def test_scenario_area_box_rejects_an_unknown_area_with_a_notice(data):
    app = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    app.area_select.value = "Helsinki"  # a real municipality, but not in this app
    assert app.area == "KU009" and app.area_select.value == "Alavieska (KU009)"
    assert "Helsinki" in app.notice.value and app.summary.value.startswith("Alavieska (KU009)")


def test_explorer_area_box_rejects_an_unknown_area_with_a_notice(data):
    app = AreaExplorer(area="KU009", lang="en")
    app.area_select.value = "Helsinki"  # a real municipality, but not in this app
    assert app.area == "KU009" and app.area_select.value == "Alavieska (KU009)"
    assert "Helsinki" in app.notice.value and app.notice.layout.display != "none"
    app.area_select.value = "Nowhere at all"
    assert app.area == "KU009" and "Nowhere" in app.notice.value


def test_explorer_url_state_round_trip(data):
    from urllib.parse import parse_qs

    app = AreaExplorer(area="KU009", lang="en")
    app.area_select.value = "Ylivieska (KU977)"
    app.reference_select.value = "SK177"
    app.year_range.value = (2020, 2023)
    app.indicator_select.value = "establishments"
    query = app.url_query()
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert params == {"area": "KU977", "reference": "SK177", "start": "2020", "end": "2023",
                      "indicator": "establishments", "lang": "en"}
    assert f'data-query="{html.escape(query)}"' in app.url_state.value  # what the page script copies
    # a reload: the app built from that URL shows the same view
    code, lang, notice = common.resolve_params(params)
    again = AreaExplorer(area=code, lang=lang)
    again.apply_url(params)
    assert notice is None and again.url_query() == query
    assert again.summary.value == app.summary.value
    # an unusable year or indicator in a shared link keeps the defaults instead of failing
    other = AreaExplorer(area="KU009", lang="en")
    other.apply_url({"start": "x", "end": "1900", "indicator": "nope", "reference": "KU999"})
    assert other.reference == "MK17" and other.indicator_select.value == "personnel"


def test_scenario_url_state_round_trip(data):
    from urllib.parse import parse_qs

    app = ScenarioWorkshop(area="KU009", lang="fi", store=FakeStore())
    # at the baseline the link names the area and the target year only (base year 2023 + 8)
    assert parse_qs(app.url_query()) == {"area": ["KU009"], "year": ["2031"], "lang": ["fi"]}
    app.horizon.value = 2035
    app.sliders["birth_rate_pct"].value = 9.5  # baseline 8.0 (test_scenario_baseline_by_hand)
    app.sliders["export_manufacturing"].value = 5.0
    query = app.url_query()
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert params == {"area": "KU009", "year": "2035", "export_manufacturing": "5", "birth_rate_pct": "9.5",
                      "lang": "fi"}
    assert f'data-query="{html.escape(query)}"' in app.url_state.value  # what the page script copies
    assert "year=2035" in app.lang_switch.value and "birth_rate_pct=9.5" in app.lang_switch.value
    # a reload: the app built from that URL shows the same view
    code, lang, notice = common.resolve_params(params)
    again = ScenarioWorkshop(area=code, lang=lang, store=FakeStore())
    again.apply_url(params)
    assert notice is None and again.url_query() == query
    assert again.levers == app.levers and again.summary.value == app.summary.value
    assert again.assumptions.value == app.assumptions.value
    # a shared link with values the sliders cannot take keeps the defaults; a comma decimal is read,
    # an off-step value goes to the nearest step (0.5 points)
    other = ScenarioWorkshop(area="KU009", lang="fi", store=FakeStore())
    other.apply_url({"year": "1900", "birth_rate_pct": "99", "survival_rate_pct": "x",
                     "micro_growth_share_pct": "nan", "export_elasticity": "0,75", "export_manufacturing": "2.3"})
    assert other.horizon.value == 2031
    assert (other.levers["birth_rate_pct"], other.levers["survival_rate_pct"]) == (8.0, 94.0)
    assert other.levers["micro_growth_share_pct"] == 7.0
    assert other.levers["export_elasticity"] == 0.75 and other.levers["export_manufacturing"] == 2.5
    # a new area starts from its own baseline: the moved levers leave the link
    app.select_area("MK17")
    assert "birth_rate_pct" not in app.url_query() and "export_manufacturing" not in app.url_query()


def test_app_chart_text_is_readable_and_ticks_never_step_by_two_and_a_half(data):
    import re

    from kasvudata_utils.apps.charts import nice_ticks, svg_bar_chart, svg_line_chart

    line = svg_line_chart([2019, 2020], [("A", [92.0, 100.0], "#000", "")], "T")
    bars = svg_bar_chart(["C Teollisuus"], [("A", [5.0], "#000")], "T")
    for svg in (line, bars, AreaExplorer(area="KU009", lang="fi").chart.value):
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
        assert sizes and min(sizes) >= 14
    # 85 … 102 by hand: about 6 ticks of a 1-2-5 step → step 5: 85, 90, 95, 100, 105
    assert nice_ticks(85, 102) == [85.0, 90.0, 95.0, 100.0, 105.0]
    assert 2.5 not in {b - a for a, b in zip(nice_ticks(0, 12), nice_ticks(0, 12)[1:], strict=False)}


def test_every_app_has_a_language_switch_that_keeps_the_view(data, tmp_path):
    from kasvudata_utils.apps.insights_board import InsightsBoard
    from kasvudata_utils.insights.store import InsightStore

    ex = AreaExplorer(area="KU977", lang="fi")
    assert ex.top_bar in ex.view.children and ex.lang_switch in ex.top_bar.children
    assert ">In English</a>" in ex.lang_switch.value
    href = html.unescape(ex.lang_switch.value.split('href="')[1].split('"')[0])
    assert href.startswith("?area=KU977&reference=MK17&") and href.endswith("&lang=en")
    sc = ScenarioWorkshop(area="KU009", lang="en", store=FakeStore())
    assert 'href="?area=KU009&amp;year=2031&amp;lang=fi"' in sc.lang_switch.value
    assert ">Suomeksi</a>" in sc.lang_switch.value
    board = InsightsBoard(area="KU009", lang="fi", store=InsightStore(tmp_path / "b.sqlite"))
    assert 'href="?area=KU009&amp;lang=en"' in board.lang_switch.value
