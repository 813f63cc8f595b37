"""Browser test of the insights board: Voilà + Debian's headless Chromium through Playwright.

The workshop flow of issue 6: a participant opens ``?area=KU009``, adds
insights (one of them an injection attempt), votes; another participant's
entry appears without a reload; the organiser exports the store, merges it
into a combined knowledge base and renders the report section — the text is
shown as text everywhere.

The module starts its own Voilà (``kasvudata workshop``'s command line via
:func:`voila_command`) with a private ``KASVUDATA_INSIGHTS_DB``, so it does not
depend on or disturb other UI tests.
"""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import pytest

from kasvudata_utils import areas
from kasvudata_utils.cli import main as cli_main
from kasvudata_utils.commands.workshop import voila_command
from kasvudata_utils.insights import InsightStore
from kasvudata_utils.insights_render import render_area_insights_html

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INJECTION = "<script>alert(1)</script> hitsaajat"
IMG_INJECTION = '"><img src=x onerror=alert(2)> **lihavoitu**'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def insights_voila(tmp_path_factory):
    """(base URL, store path) of a Voilà serving workshops/ with a private insights store."""
    db = tmp_path_factory.mktemp("insights_ui") / "insights.sqlite"
    port = _free_port()
    argv, env, cwd = voila_command(port)
    env["KASVUDATA_INSIGHTS_DB"] = str(db)
    log = (db.parent / "voila.log").open("w")
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/voila/tree", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Voilà did not start: " + (db.parent / "voila.log").read_text()[-2000:])
                time.sleep(0.5)
        yield base, db
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, base, query):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/voila/render/insights_board.ipynb?{query}", timeout=180_000)
    page.wait_for_selector(".kd-insight-submit", timeout=180_000)
    return page, dialogs


def _add(page, text, kind=None):
    if kind is not None:  # the option's visible label (ipywidgets renders labels as option values)
        page.select_option(".kd-insight-kind select", label=kind)
    page.fill(".kd-insight-text textarea", text)
    page.click(".kd-insight-submit")


def test_workshop_flow_in_the_browser(insights_voila, browser, tmp_path):
    base, db = insights_voila
    page, dialogs = _open(browser, base, "area=KU009&lang=fi")
    assert page.inner_text(".kd-summary") == "0 havaintoa alueelta Alavieska"
    assert "Osallistujien havainnot" in page.inner_text(".kd-data-badge")

    _add(page, INJECTION, kind="Pullonkaula")
    page.wait_for_function("document.querySelector('.kd-insight-list').innerText.includes('hitsaajat')",
                           timeout=30_000)
    _add(page, IMG_INJECTION, kind="Hyvä käytäntö")
    page.wait_for_function("document.querySelector('.kd-insight-list').innerText.includes('lihavoitu')",
                           timeout=30_000)
    listed = page.inner_text(".kd-insight-list")
    # Shown as text: the literal characters are visible, no element was created, no script ran.
    assert INJECTION in listed and IMG_INJECTION in listed
    assert page.locator(".kd-insight-list script").count() == 0
    assert page.locator(".kd-insight-list img").count() == 0
    assert page.locator(".kd-insight-list strong, .kd-insight-list b").count() == 0
    assert dialogs == []
    assert page.inner_text(".kd-summary") == "2 havaintoa alueelta Alavieska"

    store = InsightStore(db)
    by_text = {r["text"]: r for r in store.list()}
    assert set(by_text) == {INJECTION, IMG_INJECTION}  # stored verbatim
    assert by_text[INJECTION]["kind"] == "bottleneck" and by_text[INJECTION]["area_code"] == "KU009"

    # Vote in the browser: the first item is the newest (equal votes); its count goes to 1 in the store.
    page.locator(".kd-insight-list .kd-insight-vote").first.click()
    page.wait_for_function("document.querySelector('.kd-insight-list .kd-insight-vote').innerText.includes('(1)')",
                           timeout=30_000)
    assert InsightStore(db).get(by_text[IMG_INJECTION]["uuid"])["votes"] == 1

    # Another participant's entry (another process) appears on this page without a reload.
    store.add("KU009", "trend", "Toisen osallistujan havainto")
    page.wait_for_function(
        "document.querySelector('.kd-insight-list').innerText.includes('Toisen osallistujan havainto')",
        timeout=30_000)
    assert page.inner_text(".kd-summary") == "3 havaintoa alueelta Alavieska"

    # The organiser exports, merges into the combined knowledge base and renders the report section.
    export = tmp_path / "workshop.json"
    assert cli_main(["insights", "--db", str(db), "export", "--format", "json", "--out", str(export)]) == 0
    merged = tmp_path / "merged.sqlite"
    assert cli_main(["insights", "--db", str(merged), "import", str(export)]) == 0
    assert InsightStore(merged).count() == 3
    html = render_area_insights_html(merged, "SK177", "fi")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hitsaajat" in html and "<script" not in html
    report = browser.new_page()
    report.set_content(f"<html><body>{html}</body></html>")
    assert INJECTION in report.inner_text("body") and report.locator("img").count() == 0
    report.close()
    page.close()


def test_english_board_and_unknown_area_notice(insights_voila, browser):
    base, db = insights_voila
    page, dialogs = _open(browser, base, "area=Atlantis&lang=en")
    # Falls back to MK17, whose board also lists the insights about its municipalities.
    n = sum(1 for r in InsightStore(db).list() if r["kind"] != "scenario"
            and (r["area_code"] == "MK17" or areas.contains("MK17", r["area_code"])))
    assert page.inner_text(".kd-summary") == f"{n} insights about {areas.area_name('MK17', 'en')}"
    assert "'Atlantis'" in page.inner_text(".kd-notice")
    assert page.locator("text=Traceback").count() == 0
    page.close()
