"""ScenarioWorkshop in a real headless Chromium (issue 5): keyboard slider, reset, save, bad URL, offline."""
import re

import pytest
from playwright.sync_api import expect

from kasvudata_utils.insights.store import InsightStore

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
APP = "scenario_workshop.ipynb"


def figures(text: str) -> list[str]:
    """The numbers in a summary (jobs, differences, firms, exports)."""
    return re.findall(r"[+−-]?\d[\d\s\u00a0]*(?:,\d+)?", text)


def test_keyboard_slider_changes_the_figures_and_reset_restores_them(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=KU009")
    expect(summary).to_contain_text("Alavieska", timeout=ui.timeout_ms)
    baseline = summary.inner_text()
    assert "(0 perusuraan verrattuna)" in baseline  # sliders start at the baseline

    # the lever's value beside its slider, in the page's number format (issue 17: "8,0", not "8.0")
    readout = page.locator(".kd-readout-birth-rate-pct")
    start = float(readout.inner_text().replace(",", "."))
    handle = page.locator(".kd-lever-birth-rate-pct .noUi-handle")
    handle.focus()
    for _ in range(4):  # +4 steps of 0.5 points of birth rate
        handle.press("ArrowRight")
    expect(readout).to_have_text(f"{start + 2.0:.1f}".replace(".", ","), timeout=60_000)
    # the kernel has the last keypress (its assumptions list the lever) before reset is clicked: a
    # keypress still on its way would otherwise land after the reset
    assumptions = page.locator(".kd-assumptions")
    expect(assumptions).to_contain_text(f"Yritysten syntyvyys: {start + 2.0:.2f}".replace(".", ","), timeout=60_000)
    # more births → more jobs than the baseline
    expect(summary).to_have_text(re.compile(r"\(\+\d+ perusuraan verrattuna\)"), timeout=60_000)
    changed = summary.inner_text()
    assert figures(changed) != figures(baseline)

    page.locator(".kd-scenario-reset").click()
    expect(readout).to_have_text(f"{start:.1f}".replace(".", ","), timeout=60_000)
    expect(assumptions).to_contain_text(f"Yritysten syntyvyys: {start:.2f}".replace(".", ","), timeout=60_000)
    expect(summary).to_have_text(baseline, timeout=60_000)
    assert ui.external_urls(page.kd_urls) == []


def test_saving_a_scenario_puts_it_in_the_store(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=KU009&lang=en")
    expect(summary).to_contain_text("Alavieska", timeout=ui.timeout_ms)
    handle = page.locator(".kd-lever-survival-rate-pct .noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    expect(summary).not_to_contain_text("(0 against the baseline)", timeout=30_000)
    note = "Browser test: better survival through mentoring"
    page.locator(".kd-scenario-note textarea").fill(note)
    page.locator(".kd-scenario-note textarea").blur()
    page.locator(".kd-scenario-save").click()
    expect(page.locator(".kd-save-status")).to_contain_text("saved", timeout=30_000)
    recs = [r for r in InsightStore(voila_server.insights_db).list(area="KU009", kind="scenario")
            if r["text"] == note]
    assert len(recs) == 1
    assert ui.external_urls(page.kd_urls) == []


def test_area_change_and_unknown_area(voila_server, page, ui):
    summary = ui.open_app(page, voila_server, APP, "area=XYZ")
    expect(page.locator(".kd-notice")).to_contain_text("XYZ", timeout=ui.timeout_ms)
    expect(summary).to_contain_text("Pohjois-Pohjanmaa (MK17)")
    before = summary.inner_text()
    box = page.locator(".kd-area-select input")
    box.fill("Alavieska (KU009)")
    box.press("Enter")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=30_000)
    assert summary.inner_text() != before
    assert "Traceback" not in page.locator("body").inner_text()
    assert ui.external_urls(page.kd_urls) == []
