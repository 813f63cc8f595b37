"""Issue 17, second review in a real Chromium: what an adviser shares and reads off the apps.

- the scenario app's URL carries the target year and the moved levers, and a reload shows the same
  scenario (figures, lever readouts, assumptions);
- the explorer's map legend names the grey of a suppressed municipality ("salattu"), and that grey is
  the one drawn on the map, on a white ground (no base map offline).

Screenshots at 1280×720 go to ``tests/ui/screenshots/`` (git-ignored) for review.
"""
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from kasvudata_utils import maps
from kasvudata_utils.labels import t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
SHOTS = Path(__file__).resolve().parent / "screenshots"


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_scenario_link_reproduces_the_levers_and_year(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, "scenario_workshop.ipynb", "area=KU009&lang=fi")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=ui.timeout_ms)
    readout = page.locator(".kd-readout-birth-rate-pct")
    start = float(readout.inner_text().replace(",", "."))
    handle = page.locator(".kd-lever-birth-rate-pct .noUi-handle")
    handle.focus()
    for _ in range(3):  # +3 steps of 0.5 points
        handle.press("ArrowRight")
    moved = start + 1.5
    expect(readout).to_have_text(f"{moved:.1f}".replace(".", ","), timeout=60_000)
    year = page.locator(".kd-horizon .noUi-handle, .kd-horizon .ui-slider-handle").first
    year.focus()
    year.press("ArrowRight")  # the target year one later: base year 2023 + 8 + 1
    page.wait_for_function("location.search.includes('year=2032') && location.search.includes('birth_rate_pct=')",
                           timeout=60_000)
    expect(summary).to_contain_text("vuonna 2032", timeout=60_000)
    state = _query(page)
    assert state == {"area": "KU009", "year": "2032", "birth_rate_pct": f"{moved:g}", "lang": "fi"}
    text, assumptions = summary.inner_text(), page.locator(".kd-assumptions").inner_text()
    assert "(0 perusuraan verrattuna)" not in text  # the lever moved the figures
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "scenario_shared_link_1280x720.png"))

    page.reload(wait_until="commit")  # the shared link, opened again
    summary = page.locator(".kd-summary").first
    expect(summary).to_have_text(text, timeout=ui.timeout_ms)
    expect(readout).to_have_text(f"{moved:.1f}".replace(".", ","))
    assert page.locator(".kd-assumptions").inner_text() == assumptions
    assert _query(page) == state
    # the language switch keeps the scenario too
    href = page.locator(".kd-lang-link").get_attribute("href")
    assert f"birth_rate_pct={moved:g}" in href and "year=2032" in href and href.endswith("lang=en")
    assert ui.external_urls(page.kd_urls) == []


def test_explorer_map_legend_names_the_suppressed_grey(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, "area_explorer.ipynb", "area=SK177&indicator=exports_eur&lang=fi")
    expect(summary).to_contain_text("vienti", timeout=ui.timeout_ms)
    row = page.locator(".kd-map-legend .kd-legend-missing")
    expect(row).to_have_text("salattu", timeout=60_000)
    fills = page.eval_on_selector_all(".kd-map .leaflet-overlay-pane path", "ps => ps.map(p => p.getAttribute('fill'))")
    grey = [f for f in fills if f == maps.MISSING]
    # some municipalities' export totals are confidential (drawn grey), the rest in the five blues
    assert grey and len(grey) < len(fills) and set(fills) - {maps.MISSING} <= set(maps.PALETTE)
    swatch = row.locator(".kd-swatch").evaluate("s => getComputedStyle(s).backgroundColor")
    assert swatch == "rgb(217, 217, 217)" == "rgb({}, {}, {})".format(*bytes.fromhex(maps.MISSING[1:]))
    ground = page.locator(".kd-map.leaflet-container, .kd-map .leaflet-container").first
    assert ground.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 255, 255)"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer_exports_map_1280x720.png"))
    # personnel totals are all published: no such row
    page.locator(".kd-indicator-select select").select_option(label=t("ind_personnel", "fi"))
    page.wait_for_function("location.search.includes('indicator=personnel')", timeout=30_000)
    expect(row).to_have_count(0, timeout=30_000)


def test_scenario_area_box_takes_a_typed_name_and_a_code(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, "scenario_workshop.ipynb", "area=KU009&lang=fi")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=ui.timeout_ms)
    box = page.locator(".kd-area-select input")
    box.fill("Oulu")  # a plain name + Enter: the box said "Oulu" while the page stayed on Alavieska
    box.press("Enter")
    expect(summary).to_contain_text("Oulu (KU564)", timeout=60_000)
    expect(box).to_have_value("Oulu (KU564)")
    page.wait_for_function("location.search.includes('area=KU564')", timeout=30_000)
    box.fill("sk177")  # a code in any case
    box.press("Enter")
    expect(summary).to_contain_text("Ylivieskan seutukunta (SK177)", timeout=60_000)
    expect(box).to_have_value("Ylivieskan seutukunta (SK177)")
    assert ui.external_urls(page.kd_urls) == []


def test_board_area_box_takes_a_typed_name(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, "insights_board.ipynb", "area=KU009&lang=fi")
    expect(summary).to_contain_text("Alavieska", timeout=ui.timeout_ms)
    box = page.locator(".kd-area-select input")
    box.fill("Oulu")
    box.press("Enter")
    expect(summary).to_contain_text("alueelta Oulu", timeout=60_000)
    expect(box).to_have_value("Oulu (KU564)")
    page.wait_for_function("location.search.includes('area=KU564')", timeout=30_000)
    expect(page.locator(".kd-app h3").first).to_contain_text("Oulu (KU564)")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "board_typed_area_1280x720.png"))
    assert ui.external_urls(page.kd_urls) == []
