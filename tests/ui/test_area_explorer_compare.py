"""The explorer shows three areas side by side from the URL (issue 19), in a real headless Chromium."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
APP = "area_explorer.ipynb"


def test_three_areas_side_by_side_from_the_url(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=KU009&compare=KU977,KU071")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=ui.timeout_ms)
    expect(summary).to_contain_text("Ylivieska (KU977)", timeout=30_000)
    expect(summary).to_contain_text("Haapavesi (KU071)")
    table = page.locator("table.kd-compare-table")
    expect(table).to_have_count(1, timeout=30_000)
    expect(table.locator("th")).to_have_text(["Vuosi", "Alavieska", "Ylivieska", "Haapavesi"])
    chart = page.locator(".kd-chart svg")
    for name in ("Alavieska", "Ylivieska", "Haapavesi"):
        expect(chart).to_contain_text(name)
    expect(page.locator(".kd-compare input")).to_have_value("KU977,KU071")

    # emptying the box goes back to the area against its reference
    box = page.locator(".kd-compare input")
    box.fill("")
    box.press("Enter")
    expect(page.locator("table.kd-compare-table")).to_have_count(0, timeout=30_000)
    expect(summary).not_to_contain_text("Haapavesi (KU071)")
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert ui.external_urls(page.kd_urls) == []


def test_similar_areas_from_the_url_in_the_workshop_kernel(voila_server, page, ui):
    """``?compare=similar`` on the workshop server (its lean kernel blocks pyarrow): the similar areas of
    Alavieska inside the region, no error notice (it said "cannot read …/population.parquet: ImportError")."""
    summary = ui.open_app(page, voila_server, APP, "area=KU009&compare=similar")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=ui.timeout_ms)
    info = page.locator(".kd-similar")
    expect(info).to_contain_text("Kärsämäki (KU317)", timeout=30_000)
    for name in ("Kärsämäki", "Siikalatva", "Haapavesi"):  # first, second and fifth nearest
        expect(summary).to_contain_text(name)
    expect(page.locator("table.kd-compare-table")).to_have_count(1)
    expect(page.locator(".kd-notice:visible")).to_have_count(0)
    body = page.locator("body").inner_text()
    assert "ImportError" not in body and "Jotain meni pieleen" not in body and "Traceback" not in body
    assert ui.external_urls(page.kd_urls) == []


def test_custom_area_from_the_url_in_the_workshop_kernel(voila_server, page, ui):
    """``?area=KU009%2BKU977`` on the workshop server (its lean kernel blocks pyarrow): the grouping's figures,
    summed from the app cache, and no error notice (it said "cannot read …/firm_panel.parquet: ImportError")."""
    summary = ui.open_app(page, voila_server, APP, "area=KU009%2BKU977")
    expect(summary).to_contain_text("Alavieska + Ylivieska (käyttäjän ryhmittely) (KU009+KU977)",
                                    timeout=ui.timeout_ms)
    expect(page.locator(".kd-table").first).to_contain_text("Alavieska + Ylivieska")
    expect(page.locator(".kd-notice:visible")).to_have_count(0)
    # a figure the cache cannot give for a grouping says so in plain Finnish
    page.locator(".kd-indicator-select select").select_option(label="1 vuoden eloonjäänti (%)")
    expect(summary).to_contain_text("ei ole saatavilla alueiden yhdistelmälle", timeout=30_000)
    body = page.locator("body").inner_text()
    assert "ImportError" not in body and "Jotain meni pieleen" not in body and "Traceback" not in body
    assert ui.external_urls(page.kd_urls) == []
