"""InsightsBoard in a real headless Chromium (issue 6): the workshop flow end to end.

A participant opens ``?area=KU009``, adds insights (two of them injection
attempts) and votes; another participant's entry appears without a reload; a
group saves a scenario in the scenario workshop and it shows in the board's
scenario panel; the organiser exports the store, merges it into a combined
knowledge base and renders the report section and the region page — the
participants' text is shown as text everywhere.

Uses the shared harness of ``tests/ui/conftest.py`` (``voila_server``, ``page``,
``browser``); the store is the server's temporary ``KASVUDATA_INSIGHTS_DB``,
shared with the other UI tests, so counts are taken relative to the start.
"""
import pytest
from conftest import APP_TIMEOUT_MS, external_urls, new_page, open_app
from playwright.sync_api import expect

from kasvudata_utils import areas
from kasvudata_utils.cli import main as cli_main
from kasvudata_utils.insights.render import render_area_insights_html, render_region_page_html
from kasvudata_utils.insights.store import InsightStore

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
APP = "insights_board.ipynb"
INJECTION = "<script>alert(1)</script> hitsaajat puuttuvat"
IMG_INJECTION = '"><img src=x onerror=alert(2)> **lihavoitu** käytäntö'


def _insight_count(db, area="KU009") -> int:
    """Live non-scenario insights the board of ``area`` lists (the area and the areas inside it)."""
    return sum(1 for r in InsightStore(db).list() if r["kind"] != "scenario"
               and (r["area_code"] == area or areas.contains(area, r["area_code"])))


def _add(page, text, kind_label):
    page.select_option(".kd-insight-kind select", label=kind_label)  # ipywidgets uses labels as option values
    page.locator(".kd-insight-text textarea").fill(text)
    page.locator(".kd-insight-submit").click()


def test_workshop_flow_in_the_browser(voila_server, page, browser, tmp_path):
    db = voila_server.insights_db
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    start = _insight_count(db)
    summary = open_app(page, voila_server, APP, "area=KU009&lang=fi")
    expect(summary).to_have_text(f"{start} havaintoa alueelta Alavieska", timeout=APP_TIMEOUT_MS)
    expect(page.locator(".kd-data-badge")).to_contain_text("Osallistujien havainnot")

    lst = page.locator(".kd-insight-list")
    _add(page, INJECTION, "Pullonkaula")
    expect(lst).to_contain_text(INJECTION, timeout=30_000)
    _add(page, IMG_INJECTION, "Hyvä käytäntö")
    expect(lst).to_contain_text(IMG_INJECTION, timeout=30_000)
    # Shown as text: the literal characters are visible, no element was created, no script ran.
    assert lst.locator("script").count() == 0 and lst.locator("img").count() == 0
    assert lst.locator("strong, b").count() == 0 and dialogs == []
    expect(summary).to_have_text(f"{start + 2} havaintoa alueelta Alavieska")

    by_text = {r["text"]: r for r in InsightStore(db).list(area="KU009")}
    assert by_text[INJECTION]["kind"] == "bottleneck" and by_text[IMG_INJECTION]["kind"] == "best_practice"

    # Vote for the best practice: it is in the list with 0 votes; afterwards the store says 1.
    item = page.locator(".kd-insight-item", has_text="lihavoitu")
    item.locator(".kd-insight-vote").click()
    expect(page.locator(".kd-insight-item", has_text="lihavoitu").locator(".kd-insight-vote")) \
        .to_have_text("+1 (1)", timeout=30_000)
    assert InsightStore(db).get(by_text[IMG_INJECTION]["uuid"])["votes"] == 1

    # Another participant (another process) adds an insight: it appears here without a reload.
    InsightStore(db).add("KU009", "trend", "Toisen osallistujan havainto")
    expect(lst).to_contain_text("Toisen osallistujan havainto", timeout=30_000)
    expect(summary).to_have_text(f"{start + 3} havaintoa alueelta Alavieska")

    # A group saves a scenario in the scenario workshop; the board shows it with its note.
    other = new_page(browser)
    try:
        scen = open_app(other, voila_server, "scenario_workshop.ipynb", "area=KU009")
        expect(scen).to_contain_text("Alavieska", timeout=APP_TIMEOUT_MS)
        note = "Ryhmä 3: <b>mentorointi</b> parantaa eloonjääntiä"
        other.locator(".kd-scenario-note textarea").fill(note)
        other.locator(".kd-scenario-note textarea").blur()
        other.locator(".kd-scenario-save").click()
        expect(other.locator(".kd-save-status")).not_to_be_empty(timeout=30_000)
    finally:
        other.context.close()
    panel = page.locator(".kd-scenario-panel")
    expect(panel).to_contain_text(note, timeout=30_000)
    assert panel.locator("b").count() == 0

    # The organiser exports, merges into the combined knowledge base and renders report and site.
    export = tmp_path / "workshop.json"
    assert cli_main(["insights", "--db", str(db), "export", "--format", "json", "--out", str(export)]) == 0
    merged = tmp_path / "merged.sqlite"
    assert cli_main(["insights", "--db", str(merged), "import", str(export)]) == 0
    assert cli_main(["insights", "--db", str(merged), "import", str(export)]) == 0  # twice: nothing added
    assert InsightStore(merged).list(include_deleted=True, order="oldest") == \
        InsightStore(db).list(include_deleted=True, order="oldest")
    section = render_area_insights_html(merged, "SK177", "fi")
    region = render_region_page_html(merged, "fi")
    report = new_page(browser)
    try:
        report.set_content(f"<html><body>{section}{region}</body></html>")
        body = report.inner_text("body")
        assert body.count(INJECTION) == 2 and body.count(IMG_INJECTION) == 2  # section + region page
        assert note in body and "Toisen osallistujan havainto" in body
        assert report.locator("script, img, b, strong").count() == 0
    finally:
        report.context.close()
    assert external_urls(page.kd_urls) == []


def test_english_board_unknown_area_and_friendly_errors(voila_server, page):
    db = voila_server.insights_db
    summary = open_app(page, voila_server, APP, "area=Atlantis&lang=en")
    expect(page.locator(".kd-notice")).to_contain_text("Atlantis", timeout=APP_TIMEOUT_MS)
    # Falls back to MK17, whose board also lists the insights about its municipalities.
    expect(summary).to_have_text(f"{_insight_count(db, 'MK17')} insights about {areas.area_name('MK17', 'en')}")
    page.locator(".kd-insight-text textarea").fill("x" * 2001)
    page.locator(".kd-insight-submit").click()
    expect(page.locator(".kd-notice")).to_contain_text("at most 2000 characters", timeout=30_000)
    assert page.locator(".kd-insight-text textarea").input_value() == "x" * 2001  # nothing typed is lost
    assert "Traceback" not in page.locator("body").inner_text()


def test_board_shows_a_similar_areas_insight_on_the_workshop_server(voila_server, page):
    """The board's similar areas on the workshop server (lean kernel, no pandas): Alavieska's are the
    report's (``similar_codes('KU009')``: Lapinjärvi KU407 first), read from the app cache."""
    from kasvudata_utils.research.similar import similar_codes

    assert similar_codes("KU009")[0] == "KU407"
    text = "Lapinjärven yrittäjäilta toi kolme uutta yritystä"
    InsightStore(voila_server.insights_db).add("KU407", "best_practice", text)
    summary = open_app(page, voila_server, APP, "area=KU009&lang=fi")
    expect(summary).to_contain_text("alueelta Alavieska", timeout=APP_TIMEOUT_MS)
    panel = page.locator(".kd-similar-insights")
    expect(panel).to_contain_text(text, timeout=30_000)
    expect(panel).to_contain_text("Lapinjärvi")
    expect(panel).to_contain_text("kirjattu muilla alueilla")
    expect(page.locator(".kd-notice:visible")).to_have_count(0)
    body = page.locator("body").inner_text()
    assert "ImportError" not in body and "Traceback" not in body
