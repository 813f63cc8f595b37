"""Issue 17 in a real Chromium: the explorer's URL follows the view and a reload reproduces it; the
area box takes a typed name + Enter; text is large enough for a projector. Screenshots of the page
at 1280×720 go to ``tests/ui/screenshots/`` (git-ignored) for review."""
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from kasvudata_utils.labels import t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
APP = "area_explorer.ipynb"
SHOTS = Path(__file__).resolve().parent / "screenshots"


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_typed_name_url_state_and_reload(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=KU009")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=ui.timeout_ms)
    box = page.locator(".kd-area-select input")
    box.fill("Oulu")  # a plain name, as an adviser types it
    box.press("Enter")
    expect(summary).to_contain_text("Oulu (KU564)", timeout=30_000)
    expect(box).to_have_value("Oulu (KU564)")
    page.wait_for_function("location.search.includes('area=KU564')", timeout=30_000)

    page.locator(".kd-indicator-select select").select_option(label=t("ind_establishments", "fi"))
    page.wait_for_function("location.search.includes('indicator=establishments')", timeout=30_000)
    expect(summary).to_contain_text("toimipaikat", timeout=30_000)
    state, text = _query(page), summary.inner_text()
    assert state["area"] == "KU564" and state["reference"] == "MK17" and state["lang"] == "fi"
    assert int(state["start"]) < int(state["end"])
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer_oulu_1280x720.png"))

    page.reload(wait_until="commit")  # the shared link, opened again
    summary = page.locator(".kd-summary").first
    expect(summary).to_have_text(text, timeout=ui.timeout_ms)
    assert _query(page) == state
    selected = page.locator(".kd-indicator-select select").evaluate("s => s.options[s.selectedIndex].text")
    assert selected == t("ind_establishments", "fi")
    assert ui.external_urls(page.kd_urls) == []


def test_text_is_readable_from_the_back_of_the_room(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=SK177")
    expect(summary).to_contain_text("SK177", timeout=ui.timeout_ms)
    page.locator(".kd-chart svg text").first.wait_for(timeout=30_000)
    assert float(summary.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 18
    # SVG text scales with the chart: the size on screen is font-size × drawn width / viewBox width
    sizes = page.eval_on_selector_all(
        ".kd-chart svg text",
        "els => els.map(t => { const s = t.ownerSVGElement, scale = s.getBoundingClientRect().width "
        "/ s.viewBox.baseVal.width; return parseFloat(getComputedStyle(t).fontSize) * scale; })")
    assert sizes and min(sizes) >= 14 - 0.05
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer_sk177_1280x720.png"))
