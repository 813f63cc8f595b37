"""Issue 17 in a real Chromium, all three apps at 1280×720, both languages, normal and projector mode:

- no text is cut: no element that hides its overflow (``overflow: hidden`` / ``text-overflow: ellipsis``)
  is narrower than its text (``scrollWidth > clientWidth``), no widget label, button or option ends in
  "…", no dropdown option or typed area is wider than its box (measured with the box's own font), no map
  control reaches past the map, and no chart text leaves its chart or overlaps another chart text;
- no text under 14 px (chart text at its drawn size: font size × drawn width / viewBox width), the
  summary 18 px or more, the explorer's map legend included; in projector mode chart text 18 px, summary
  24 px, every text 19 px or more;
- projector mode is a toggle whose state is in the URL (``projector=1``): the sizes grow, and a reload
  or the language switch keeps it.

Screenshots of every page go to ``tests/ui/screenshots/`` (git-ignored) for review.
"""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kasvudata_utils import areas

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
SHOTS = Path(__file__).resolve().parent / "screenshots"
APPS = ("area_explorer", "scenario_workshop", "insights_board")
CHARTED = {"area_explorer", "scenario_workshop"}
NORMAL = {"html": 14, "chart": 14}
AREA = "SK175"  # the longest area name of the region: "Haapavesi-Siikalatvan seutukunta (SK175)"

#: Every visible text of the app: what is cut, and what is smaller than ``minPx``.
AUDIT_JS = """
({html: minPx, chart: minChart}) => {
  const root = document.querySelector('.kd-app');
  // a text's width in the page's own font fallback (a canvas may fall back to another font)
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre;left:0;top:0';
  document.body.appendChild(probe);
  const width = (s, cs) => { probe.style.font = cs.font; probe.style.fontFamily = cs.fontFamily;
                             probe.style.fontSize = cs.fontSize; probe.style.fontWeight = cs.fontWeight;
                             probe.textContent = s; return probe.getBoundingClientRect().width; };
  const range = document.createRange();
  const shown = el => { const r = el.getBoundingClientRect(); if (r.width < 1 || r.height < 1) return false;
    for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e);
      if (c.display === 'none' || c.visibility === 'hidden') return false; } return true; };
  const name = el => el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join('');
  const cut = [], small = [], charts = [];
  for (const el of root.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const cs = getComputedStyle(el);
    if (el.closest('svg')) {
      if (el.tagName !== 'text') continue;
      const svg = el.ownerSVGElement, sr = svg.getBoundingClientRect(), r = el.getBoundingClientRect();
      const px = parseFloat(cs.fontSize) * sr.width / svg.viewBox.baseVal.width;
      charts.push(px);
      if (px < minChart - 0.05) small.push([el.textContent, px]);
      if (r.left < sr.left - 0.5 || r.right > sr.right + 0.5 || r.top < sr.top - 0.5 || r.bottom > sr.bottom + 0.5)
        cut.push([el.textContent, 'outside its chart']);
      for (const o of svg.querySelectorAll('text')) {
        if (o === el || !(el.compareDocumentPosition(o) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const q = o.getBoundingClientRect();
        if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1)
          cut.push([el.textContent + ' / ' + o.textContent, 'chart texts overlap']);
      }
      continue;
    }
    if (el.closest('.leaflet-map-pane')) continue;  // the map itself (its panes reach past the view by design)
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    if (own && parseFloat(cs.fontSize) < minPx - 0.05) small.push([own.slice(0, 60), parseFloat(cs.fontSize)]);
    if (own) {  // the element's own text must lie inside its box, its widget's box and the page
      const boxes = [el, el.closest('.jupyter-widgets') || el].map(e => e.getBoundingClientRect());
      for (const n of el.childNodes) {
        if (n.nodeType !== 3 || !n.textContent.trim()) continue;
        range.selectNodeContents(n);
        const q = range.getBoundingClientRect();
        if (q.left < 0 || q.right > innerWidth || boxes.some(r => q.left < r.left - 1 || q.right > r.right + 1))
          cut.push([n.textContent.trim().slice(0, 60), `text spills out of ${name(el)}`]);
      }
    }
    if (el.classList.contains('leaflet-control')) {
      const m = el.closest('.leaflet-container').getBoundingClientRect(), r = el.getBoundingClientRect();
      if (r.left < m.left || r.right > m.right || r.top < m.top || r.bottom > m.bottom)
        cut.push([el.innerText.slice(0, 60), 'map control past the map']);
    }
    const hides = ['hidden', 'clip'].includes(cs.overflowX) || cs.textOverflow === 'ellipsis';
    if (hides && !el.classList.contains('leaflet-container') && el.scrollWidth > el.clientWidth + 1
        && (el.innerText || '').trim())
      cut.push([el.innerText.trim().slice(0, 80), `${name(el)} scrollWidth ${el.scrollWidth} > ${el.clientWidth}`]);
    if (own.endsWith('…') && el.matches('.widget-label, label, button, option, .widget-readout'))
      cut.push([own, 'ends with …']);
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (el.tagName === 'SELECT')
      for (const o of el.options)
        if (width(o.text, cs) > room + 0.5) cut.push([o.text, `option wider than ${name(el)}`]);
    if (el.tagName === 'INPUT' && el.value && (el.scrollWidth > el.clientWidth || width(el.value, cs) > room + 0.5))
      cut.push([el.value, 'input value wider than its box']);
  }
  probe.remove();
  // the explorer map's controls (zoom, caption and hover, legend) never cover one another
  const controls = [...root.querySelectorAll('.leaflet-control')].filter(shown)
    .map(c => [c, c.getBoundingClientRect()]);
  controls.forEach(([c, r], i) => controls.slice(i + 1).forEach(([d, q]) => {
    if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1)
      cut.push([(c.innerText + ' / ' + d.innerText).slice(0, 80), 'map controls overlap']);
  }));
  const px = sel => { const e = root.querySelector(sel); return e ? parseFloat(getComputedStyle(e).fontSize) : null; };
  return {cut, small, charts, summary: px('.kd-summary .widget-html-content') || px('.kd-summary'),
          legend: px('.kd-map-legend'), label: px('.widget-label'),
          projector: root.classList.contains('kd-projector')};
}
"""


def _open(page, ui, server, app, query):
    summary = ui.open_app(page, server, f"{app}.ipynb", query)
    if app in CHARTED:
        page.locator(".kd-chart svg text").first.wait_for(timeout=60_000)
    if app == "area_explorer":
        page.locator(".kd-map-legend").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)  # fonts and the map's controls settle
    return summary


@pytest.mark.parametrize("projector", [False, True], ids=["normal", "projector"])
@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("app", APPS)
def test_no_text_is_cut_and_none_is_small(voila_server, page, ui, app, lang, projector):
    query = f"area={AREA}&lang={lang}" + ("&projector=1" if projector else "")
    summary = _open(page, ui, voila_server, app, query)
    expect(summary).to_contain_text(areas.official_name(AREA, lang), timeout=ui.timeout_ms)
    least = 19 if projector else 14
    audit = page.evaluate(AUDIT_JS, {"html": least, "chart": 18 if projector else 14})
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{app}_{lang}_{'projector' if projector else 'normal'}_1280x720.png"))
    assert audit["projector"] is projector
    assert audit["cut"] == []
    assert audit["small"] == []
    assert audit["summary"] >= (24 if projector else 18)
    assert audit["label"] >= least
    if app in CHARTED:
        assert audit["charts"] and min(audit["charts"]) >= (18 if projector else 14) - 0.05
    if app == "area_explorer":
        assert audit["legend"] >= least  # was 12 px (issue 17)



@pytest.mark.parametrize("projector", [False, True], ids=["normal", "projector"])
def test_explorer_side_by_side_is_not_cut_either(voila_server, page, ui, projector):
    # four areas side by side: the comparison chart and table and the industry structure table
    query = "area=KU009&compare=KU977,KU071,SK177" + ("&projector=1" if projector else "")
    summary = _open(page, ui, voila_server, "area_explorer", query)
    expect(page.locator(".kd-compare-table")).to_be_visible(timeout=ui.timeout_ms)
    expect(summary).to_contain_text("Alavieska")
    page.wait_for_timeout(500)
    audit = page.evaluate(AUDIT_JS, {"html": 19, "chart": 18} if projector else NORMAL)
    page.screenshot(path=str(SHOTS / f"area_explorer_compare_{'projector' if projector else 'normal'}_1280x720.png"),
                    full_page=True)
    assert audit["cut"] == [] and audit["small"] == []
    assert len(audit["charts"]) > 10  # the side-by-side chart was measured

@pytest.mark.parametrize("app", APPS)
def test_projector_toggle_grows_the_text_and_survives_a_reload(voila_server, page, ui, app):
    _open(page, ui, voila_server, app, f"area={AREA}")
    before = page.evaluate(AUDIT_JS, NORMAL)
    assert before["projector"] is False
    page.locator(".kd-projector-toggle").click()
    page.wait_for_function("location.search.includes('projector=1')", timeout=30_000)
    page.wait_for_function("document.querySelector('.kd-app').classList.contains('kd-projector')")
    if app in CHARTED:  # the chart is drawn again with larger text
        page.wait_for_function(
            "(() => { const t = document.querySelector('.kd-chart svg text[font-size]');"
            " return t && parseFloat(t.getAttribute('font-size')) >= 18; })()", timeout=30_000)
    after = page.evaluate(AUDIT_JS, NORMAL)
    assert after["summary"] >= before["summary"] + 6 and after["label"] >= before["label"] + 4
    if app in CHARTED:
        assert min(after["charts"]) >= min(before["charts"]) + 4 - 0.05
    if app == "area_explorer":
        assert after["legend"] >= before["legend"] + 4
    # the language switch keeps the mode (its link is re-rendered by the kernel, after the URL: wait for it)
    expect(page.locator(".kd-lang-link")).to_have_attribute("href", re.compile(r"projector=1"), timeout=30_000)

    page.reload(wait_until="commit")
    page.locator(".kd-summary").first.wait_for(timeout=ui.timeout_ms)
    page.wait_for_function("document.querySelector('.kd-app') && "
                           "document.querySelector('.kd-app').classList.contains('kd-projector')",
                           timeout=ui.timeout_ms)
    assert "projector=1" in page.url
    expect(page.locator(".kd-projector-toggle")).to_have_class(re.compile("mod-active"))
    reloaded = page.evaluate(AUDIT_JS, NORMAL)
    assert reloaded["summary"] == after["summary"] and reloaded["label"] == after["label"]

    page.locator(".kd-projector-toggle").click()  # and off again
    page.wait_for_function("!location.search.includes('projector')", timeout=30_000)
    assert page.evaluate(AUDIT_JS, NORMAL)["summary"] == before["summary"]
    assert ui.external_urls(page.kd_urls) == []


def test_the_audit_itself_flags_cut_and_small_text(voila_server, page, ui):
    # the checks above must be able to fail: squeeze a label and the area box, push a chart text out, shrink the summary
    _open(page, ui, voila_server, "scenario_workshop", f"area={AREA}&lang=fi&projector=1")
    assert page.evaluate(AUDIT_JS, {"html": 19, "chart": 18})["cut"] == []
    page.evaluate("""() => {
      const label = [...document.querySelectorAll('.kd-app .widget-label')].find(l => l.innerText === 'Tavoitevuosi');
      label.style.width = label.style.maxWidth = label.style.minWidth = '60px';
      document.querySelector('.kd-area-select').style.width = '300px';
      const t = document.querySelector('.kd-chart svg text'); t.setAttribute('x', '-40');
      t.setAttribute('text-anchor', 'start');
      document.querySelector('.kd-summary .widget-html-content').style.fontSize = '12px';
    }""")
    audit = page.evaluate(AUDIT_JS, {"html": 14, "chart": 14})
    why = " | ".join(f"{text}: {reason}" for text, reason in audit["cut"])
    assert "Tavoitevuosi: text spills out of label.widget-label" in why
    assert "Haapavesi-Siikalatvan seutukunta (SK175): input value wider than its box" in why
    assert "outside its chart" in why
    assert audit["small"] and all(px == 12 for _, px in audit["small"])
