"""AreaExplorer in a real headless Chromium (issue 5): URL area, area change, map, bad URL, offline."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
APP = "area_explorer.ipynb"
SELECTED_PATHS = '.kd-map path[stroke="#e6550d"]'  # maps.SELECTED: the selected area's outline


def test_opens_on_the_url_area_and_follows_area_changes(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=KU009")
    expect(summary).to_contain_text("Alavieska", timeout=ui.timeout_ms)
    expect(summary).to_contain_text("KU009")
    selected = page.locator(SELECTED_PATHS)
    expect(selected).to_have_count(1, timeout=30_000)  # one municipality outlined: Alavieska
    before_map = selected.first.get_attribute("d")
    before_text = summary.inner_text()

    # the searchable area picker: type the option and confirm with Enter
    box = page.locator(".kd-area-select input")
    box.fill("Oulu (KU564)")
    box.press("Enter")
    expect(summary).to_contain_text("Oulu (KU564)", timeout=30_000)
    assert summary.inner_text() != before_text
    expect(selected).to_have_count(1)
    expect(selected.first).not_to_have_attribute("d", before_map, timeout=30_000)

    # a sub-region outlines all of its municipalities (Ylivieska sub-region: 6)
    box.fill("Ylivieskan seutukunta (SK177)")
    box.press("Enter")
    expect(summary).to_contain_text("SK177", timeout=30_000)
    expect(selected).to_have_count(6, timeout=30_000)

    assert page.locator(".kd-data-badge").inner_text().startswith("SYNTEETTINEN")
    assert ui.external_urls(page.kd_urls) == []


def test_clicking_a_municipality_on_the_map_selects_it(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=KU009&lang=en")
    expect(summary).to_contain_text("Alavieska", timeout=ui.timeout_ms)
    expect(summary).to_contain_text("reference")  # English
    before = summary.inner_text()
    # a real mouse click in the middle of the largest unselected municipality (Leaflet SVG paths)
    paths = page.locator('.kd-map path.leaflet-interactive:not([stroke="#e6550d"])')
    paths.first.scroll_into_view_if_needed()
    boxes = [paths.nth(i).bounding_box() for i in range(paths.count())]
    box = max(boxes, key=lambda b: b["width"] * b["height"])
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(summary).not_to_have_text(before, timeout=30_000)
    assert "Alavieska" not in summary.inner_text()
    assert ui.external_urls(page.kd_urls) == []


def test_unknown_area_in_the_url_gives_a_friendly_notice(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=XYZ")
    expect(page.locator(".kd-notice")).to_contain_text("XYZ", timeout=ui.timeout_ms)
    expect(summary).to_contain_text("Pohjois-Pohjanmaa (MK17)")
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error" not in body
    assert ui.external_urls(page.kd_urls) == []


def test_the_offline_check_itself_flags_outside_hosts(ui):
    urls = ["http://127.0.0.1:8866/voila/render/a.ipynb", "ws://localhost:8866/api/kernels/x/channels",
            "data:image/png;base64,AAAA", "https://cdn.jsdelivr.net/npm/@fortawesome/x.css",
            "https://tile.openstreetmap.org/6/35/17.png"]
    assert ui.external_urls(urls) == urls[3:]
