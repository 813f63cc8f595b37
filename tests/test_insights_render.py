"""HTML sections for the reports and the site: escaping, grouping, ordering, scenarios."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kasvudata_utils.insights.render import area_records, render_area_insights_html, render_region_page_html
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.labels import t

INJECTIONS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
              "**bold** <b>html</b> [x](javascript:alert(1))", "</section><h1>fake</h1>"]


@pytest.fixture
def store(tmp_path):
    return InsightStore(tmp_path / "s.sqlite")


def _pos(html, needle):
    i = html.find(needle)
    assert i >= 0, needle
    return i


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_are_shown_as_text_everywhere(store, text):
    uid = store.add("KU009", "bottleneck", text, author=text)
    store.add_scenario("KU009", {text: 1.0}, {"personnel": 2}, note=text)
    for html in (render_area_insights_html(store, "KU009", "fi"), render_region_page_html(store, "en")):
        assert "<script" not in html and "<img" not in html and "<b>" not in html and "<h1>" not in html
        assert "&lt;" in html and html.count("<section") == 1 and html.count("</section>") == 1
    assert store.get(uid)["text"] == text  # stored verbatim


def test_area_section_groups_by_kind_and_industry_most_voted_first(store):
    t1 = store.add("KU009", "trend", "trendi yksi")
    b_low = store.add("KU009", "bottleneck", "pullonkaula vähän ääniä", industry="C")
    b_high = store.add("KU009", "bottleneck", "pullonkaula paljon ääniä", industry="C", indicator="personnel",
                       year=2023)
    b_gen = store.add("KU009", "bottleneck", "yleinen pullonkaula")
    for _ in range(3):
        store.vote(b_high)
    store.vote(b_gen)
    store.add("KU564", "bottleneck", "Oulun asia")          # another area: not in Alavieska's section
    gone = store.add("KU009", "question", "poistettu")
    store.delete(gone)
    html = render_area_insights_html(store, "Alavieska", "fi", figure_for=lambda r: "1\u00a0234 henkilöä")
    assert html.startswith('<section class="kd-insights" id="insights" data-area="KU009">')
    assert "<h2>Yrityspalvelujen havainnot</h2>" in html
    assert "Oulun asia" not in html and "poistettu" not in html and "Kysymys" not in html
    # Kinds in the fixed order: trend before bottleneck.
    assert _pos(html, ">Trendi<") < _pos(html, ">Pullonkaula<")
    # Within bottlenecks: industry C (best insight: 3 votes) before the general group (best: 1 vote).
    bottlenecks = html[_pos(html, ">Pullonkaula<"):]
    assert _pos(bottlenecks, "<h4>C Teollisuus</h4>") < _pos(bottlenecks, "<h4>Kaikki toimialat</h4>")
    assert _pos(html, "paljon ääniä") < _pos(html, "vähän ääniä")
    # Industry before votes: C's unvoted insight still precedes the general group's one-vote insight.
    assert _pos(bottlenecks, store.get(b_low)["text"]) < _pos(bottlenecks, "yleinen pullonkaula")
    assert "Viittaa: Henkilöstö, 2023: 1\u00a0234 henkilöä" in html and "Ääniä: 3" in html
    assert store.get(t1)["text"] in html


def test_sub_region_section_includes_its_municipalities(store):
    store.add("KU009", "trend", "Alavieskan trendi")    # Alavieska is in the Ylivieska sub-region SK177
    store.add("SK177", "trend", "seudun trendi")
    html = render_area_insights_html(store, "SK177", "en")
    assert "Alavieskan trendi" in html and "Area: Alavieska" in html and "seudun trendi" in html
    only = render_area_insights_html(store, "SK177", "en", include_members=False)
    assert "Alavieskan trendi" not in only and "seudun trendi" in only


def test_scenarios_side_by_side_with_levers(store):
    store.add_scenario("KU009", {"birth_rate_pct": 8.5, "exports_growth_pct": 3}, {"personnel": 1234.5},
                       note="Vienti vetää")
    store.add_scenario("KU009", {"birth_rate_pct": 7.0}, {"personnel": 1200}, note="Varovainen")
    html = render_area_insights_html(store, "KU009", "fi")
    table = html[_pos(html, '<table class="kd-table kd-scenarios">'):]
    header = table[:table.find("</thead>")]
    assert header.count("<th>") == 3  # empty corner + two scenarios
    row = re.search(rf"<tr><td>{re.escape(t('lever_birth_rate_pct', 'fi'))}</td>(.*?)</tr>", table).group(1)
    assert row == "<td>8,5</td><td>7</td>"
    row = re.search(r"<tr><td>exports_growth_pct</td>(.*?)</tr>", table).group(1)
    assert row == "<td>3</td><td></td>"  # the second scenario did not set this lever
    assert re.search(r"<tr><td>Henkilöstö</td><td>1\u00a0234,5</td><td>1\u00a0200</td></tr>", table)
    assert "Tallennetut skenaariot" in html and "Vienti vetää" in html


def test_empty_store_and_missing_file(tmp_path):
    missing = tmp_path / "none.sqlite"
    html = render_area_insights_html(missing, "KU009", "en")
    assert "No insights yet." in html and not missing.exists()  # rendering never creates a store
    assert "No insights yet." in render_region_page_html([], "en")


def test_region_page_groups_bottlenecks_and_best_practices_by_area(store):
    store.add("KU009", "bottleneck", "Alavieskan pullonkaula", industry="C")
    store.add("SK177", "best_practice", "Ylivieskan seudun käytäntö")
    store.add("MK17", "bottleneck", "Koko maakunnan pullonkaula")
    store.add("KU009", "trend", "trendi ei kuulu sivulle")
    store.add("KU091", "bottleneck", "Helsingin pullonkaula")  # outside Northern Ostrobothnia
    html = render_region_page_html(store.list(), "fi", link_template="{code}/report.html#insights")
    assert "trendi ei kuulu" not in html and "Helsingin" not in html
    # Region first, then sub-regions, then municipalities.
    assert _pos(html, 'id="insights-MK17"') < _pos(html, 'id="insights-SK177"') < _pos(html, 'id="insights-KU009"')
    assert '<a href="KU009/report.html#insights">Alavieska (KU009)</a>' in html
    ku = html[_pos(html, 'id="insights-KU009"'):]
    assert "<h4>Pullonkaula</h4>" in ku and "C Teollisuus" in ku
    # the trend is not listed here, but the page says where it is: Alavieska's report, one entry
    assert ('<ul class="kd-insights-elsewhere-list"><li><a href="KU009/report.html#insights">Alavieska (KU009)</a>'
            ": 1 kirjaus</li></ul>") in html


def test_region_page_without_bottlenecks_points_to_the_other_entries(store):
    # issue 17 review: a trend and a saved scenario, and the page said only "Ei vielä havaintoja."
    store.add("SK177", "trend", "Osaavia hitsaajia ei saa")
    store.add_scenario("SK177", {"birth_rate_pct": 9.5}, {}, note="A")
    store.add("KU009", "question", "Miksi?")
    html = render_region_page_html(store.list(), "fi", link_template="{code}/report.html#insights")
    assert "Ei vielä havaintoja." not in html and "Ei vielä pullonkauloja eikä hyviä käytäntöjä." in html
    items = re.findall(r"<li>(.*?)</li>", html)
    assert items == ['<a href="SK177/report.html#insights">Ylivieskan seutukunta (SK177)</a>: 2 kirjausta',
                     '<a href="KU009/report.html#insights">Alavieska (KU009)</a>: 1 kirjaus']
    en = render_region_page_html(store.list(), "en")
    assert "No bottlenecks or best practices yet." in en and "Ylivieska sub-region (SK177): 2 entries" in en
    assert "Ei vielä havaintoja." in render_region_page_html([], "fi")  # an empty store: nothing at all


def test_scenario_model_results_show_scenario_and_difference(store):
    # The shape the scenario workshop saves: totals per measure, years, reference, and a nested table.
    results = {"personnel_start": 1000.0, "personnel_baseline": 1100.0, "personnel_scenario": 1150.0,
               "personnel_diff": 50.0, "firms_start": 80.0, "firms_baseline": 82.0, "firms_scenario": 85.0,
               "firms_diff": 3.0, "base_year": 2023, "horizon_year": 2031, "reference_code": "MK17",
               "by_group": [{"group": "manufacturing", "personnel_scenario": 600.0}]}
    store.add_scenario("KU009", {"birth_rate_pct": 8.0}, results, note="Ryhmä A")
    html = render_area_insights_html(store, "KU009", "fi")
    table = html[_pos(html, '<table class="kd-table kd-scenarios">'):]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    assert rows == [(t("lever_birth_rate_pct", "fi"), "8"),
                    ("Lähtövuosi", "2023"), ("Tavoitevuosi", "2031"), ("Vertailualue", "Pohjois-Pohjanmaa"),
                    ("Yritykset – skenaario", "85"), ("Yritykset – ero perusuraan", "+3"),
                    ("Henkilöstö – skenaario", "1\u202f150"), ("Henkilöstö – ero perusuraan", "+50")]
    assert "by_group" not in html and "manufacturing" not in html


def test_reports_calling_convention_area_first_with_path(store):
    store.add("KU009", "trend", "polku-kutsu")
    html = render_area_insights_html("KU009", lang="en", path=store.path, title=False)
    assert "polku-kutsu" in html and "<h2>" not in html
    region = render_region_page_html(lang="en", path=store.path)
    # a trend is not on the bottlenecks/best practices page; the page points to where it is
    assert "No bottlenecks or best practices yet." in region and "<li>Alavieska (KU009): 1 entry</li>" in region


class _Collector(HTMLParser):
    """Tags seen, and the text inside span.kd-insight-text with <br> as a line break."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts, self._in = set(), [], False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "span" and ("class", "kd-insight-text") in attrs:
            self._in = True
            self.texts.append("")
        elif tag == "br" and self._in:
            self.texts[-1] += "\n"

    def handle_endtag(self, tag):
        if tag == "span":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.texts[-1] += data


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_text_renders_as_exactly_that_text(text):
    rec = {"uuid": "u", "area_code": "KU009", "kind": "bottleneck", "text": text, "votes": 0, "industry_code": None,
           "indicator": None, "year": None, "deleted": False, "created_utc": "2026-01-01T00:00:00.000000Z"}
    p = _Collector()
    p.feed(render_area_insights_html([rec], "KU009", "en"))
    p.close()
    # Only the renderer's own tags appear, whatever the participant typed.
    assert p.tags <= {"section", "h2", "h3", "h4", "p", "ul", "li", "span", "br"}
    assert p.texts == ["\n".join(text.splitlines())]


def test_area_records_are_what_the_section_shows(store):
    a = store.add("KU009", "trend", "kunta")
    b = store.add("SK177", "trend", "seutu")
    store.add("KU564", "trend", "Oulu")  # another sub-region
    gone = store.add("KU009", "trend", "poistettu")
    store.delete(gone)
    assert sorted(r["uuid"] for r in area_records(store, "SK177")) == sorted([a, b])
    assert [r["uuid"] for r in area_records(store, "SK177", include_members=False)] == [b]


def test_scenario_table_reads_like_the_app(store):
    # issue 17: levers in slider order with units, exports in million euros, persons and firms whole
    results = {"exports_eur_scenario": 349_613_667.18, "exports_eur_diff": 12_345_678.9, "firms_scenario": 2895.43,
               "firms_diff": -4.6, "lever_order": ["survival_rate_pct", "birth_rate_pct"],
               "lever_units": {"survival_rate_pct": "unit_pct_per_year", "birth_rate_pct": "unit_pct_per_year"}}
    store.add_scenario("KU009", {"birth_rate_pct": 9.5, "survival_rate_pct": 92.0}, results, note="B")
    html = render_area_insights_html(store, "KU009", "fi")
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert rows[:2] == [(t("lever_survival_rate_pct", "fi"), "92 % / vuosi"),
                        (t("lever_birth_rate_pct", "fi"), "9,5 % / vuosi")]
    values = dict(rows)
    assert values["Vienti (€) – skenaario"] == "349,6 milj. €"  # 349 613 667,18 € by hand: 349,6 M€
    assert values["Vienti (€) – ero perusuraan"] == "+12,3 milj. €"
    assert values["Yritykset – skenaario"] == "2\u202f895" and values["Yritykset – ero perusuraan"] == "\u22125"


def test_markdown_export_uses_labels_not_identifiers(store):
    from kasvudata_utils.insights.exchange import export_text

    store.add("KU009", "bottleneck", "Hitsaajia ei saa", industry="C", indicator="personnel", year=2023)
    store.add_scenario("KU009", {"birth_rate_pct": 9.5}, {"lever_order": ["birth_rate_pct"],
                                                          "lever_units": {"birth_rate_pct": "unit_pct_per_year"}},
                       note="A")
    md = export_text(store, "md", lang="fi")
    assert "birth\\_rate\\_pct" not in md and "birth_rate_pct" not in md
    assert "Yritysten syntyvyys 9,5 % / vuosi" in md
    assert "C Teollisuus, Henkilöstö, 2023" in md


def test_a_sub_region_is_named_with_its_level_not_as_its_centre(store):
    # issue 17 review: a scenario saved for SK177 was headed "1. Ylivieska" — the municipality's name
    store.add_scenario("SK177", {"birth_rate_pct": 9.5}, {"reference_code": "MK17"}, note="seutu")
    store.add("SK177", "trend", "seudun trendi")
    html = render_area_insights_html(store, "MK17", "fi")  # the region's report shows its sub-regions' records
    assert "<th>1. Ylivieskan seutukunta<br>" in html and "<th>1. Ylivieska<br>" not in html
    assert "Alue: Ylivieskan seutukunta" in html
    assert "<th>1. Ylivieska sub-region<br>" in render_area_insights_html(store, "SK177", "en")


def test_markdown_export_names_the_sub_region_and_explains_the_elasticity(store):
    from kasvudata_utils.insights.exchange import export_text

    units = {"export_elasticity": "unit_elasticity", "birth_rate_pct": "unit_pct_per_year"}
    store.add_scenario("SK177", {"export_elasticity": 0.5, "birth_rate_pct": 9.5},
                       {"lever_order": list(units), "lever_units": units}, note="A")
    md = export_text(store, "md", lang="fi")
    assert "## Ylivieskan seutukunta (SK177)" in md
    # the elasticity's explanation in parentheses (it read "0,5 0 = ei vaikutusta, 1 = sama %")
    assert ("Työllisyyden jousto viennistä 0,5 \\(0 = ei vaikutusta, 1 = sama %\\); "
            "Yritysten syntyvyys 9,5 % / vuosi") in md
    table = render_area_insights_html(store, "SK177", "en")
    assert "<td>Job elasticity of exports</td><td>0.5 (0 = none, 1 = same %)</td>" in table
