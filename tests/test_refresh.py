"""Incremental refresh (issue 18): an insight re-renders only the reports that show it, without a kernel.

kasvudata_utils.reports.refresh and the batch's use of it (``base_fingerprint``, ``showing_areas``).
"""
import json
import re
import time

import pytest

from kasvudata_utils.reports import batch as reports
from kasvudata_utils.reports.html import export_html
from kasvudata_utils.reports.manifest import write_manifest


def test_showing_areas_are_the_reports_that_contain_the_area(tmp_path):
    (tmp_path / "x").mkdir()
    entries = {k: {"kind": "area"} for k in ("MK17", "SK177", "SK171", "KU009", "KU564")}
    entries["industry/C"] = {"kind": "industry"}
    write_manifest(tmp_path, {"reports": entries})
    # Alavieska (KU009) lies in the Ylivieska sub-region (SK177) and in the region (MK17); Oulu's does not show it
    assert sorted(reports.showing_areas(["KU009"], tmp_path)) == ["MK17", "SK177"]
    assert reports.showing_areas(["SK177"], tmp_path) == ["MK17"]
    assert reports.showing_areas(["MK17"], tmp_path) == []
    assert reports.showing_areas(["KU009"], tmp_path / "none") == []


def _section(text: str) -> str:
    return re.search(r'<section [^>]*class="kd-insights".*?</section>', text, re.S).group(0)


def _nb_section(path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            text = "".join(o.get("data", {}).get("text/html", ""))
            if 'id="insights"' in text:
                return _section(text)
    raise AssertionError("no insights output")


@pytest.mark.slow
def test_new_insight_refreshes_one_report_in_place_as_a_fresh_run_would(tmp_path, monkeypatch):
    from kasvudata_utils.insights.store import InsightStore

    db = tmp_path / "insights.sqlite"
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(db))
    store = InsightStore(db)
    store.add("SK177", "best_practice", "Yhteinen rekrytointipäivä")
    out = tmp_path / "reports"
    first = reports.run_reports("SK177,KU564,MK17", n_jobs=2, out=out, industry_profiles=False, progress=False)
    assert first["summary"]["ok"] == 3
    oulu_page = (out / "KU564" / "report.html").read_bytes()

    store.add("SK177", "bottleneck", "Hitsaajista pulaa <kesällä>", indicator="personnel", year=2023)
    ran = []
    real_dispatch = reports._dispatch_local
    monkeypatch.setattr(reports, "_dispatch_local", lambda todo, *a, **k: ran.extend(j.key for j in todo)
                        or real_dispatch(todo, *a, **k))
    t0 = time.perf_counter()
    m = reports.run_reports("SK177,KU564", n_jobs=2, out=out, industry_profiles=False, progress=False)
    refresh_s = time.perf_counter() - t0
    assert ran == []  # no notebook ran: SK177 (and MK17, which shows it) refreshed in place, KU564 up to date
    assert m["reports"]["SK177"]["refreshed"] == "insights" and m["reports"]["SK177"]["status"] == "ok"
    assert m["reports"]["MK17"]["refreshed"] == "insights"  # the region's report shows SK177's insights
    assert "Hitsaajista pulaa" in (out / "MK17" / "report.html").read_text(encoding="utf-8")
    assert m["reports"]["KU564"]["up_to_date"] is True
    assert (out / "KU564" / "report.html").read_bytes() == oulu_page
    page = (out / "SK177" / "report.html").read_text(encoding="utf-8")
    assert "Hitsaajista pulaa &lt;kesällä&gt;" in page and "Yhteinen rekrytointipäivä" in page
    assert "Hitsaajista pulaa" in (out / "insights.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"]["SK177"]["fingerprint"] == m["reports"]["SK177"]["fingerprint"]
    print(f"insight refresh: {refresh_s:.2f} s")
    assert refresh_s < 30  # the full report took a kernel and ~30 s on the loaded test machine

    # the patched page is what the exporter writes from the patched notebook ...
    patched_page = page
    # (written beside the report: its figures are the chart files there, as the batch's export links them)
    again = export_html(out / "SK177" / "report.ipynb", out / "SK177" / "again.html",
                        title=re.search(r"<title>(.*?)</title>", page).group(1).replace("&amp;", "&"))
    # (the site's language switch or its "not published" note is put in afterwards, on every page alike)
    unswitched = lambda text: re.sub(r"<!--kd-lang-->.*?<!--/kd-lang-->", "", text, flags=re.S)  # noqa: E731
    assert unswitched(again.read_text(encoding="utf-8")) == unswitched(patched_page)
    assert patched_page.count('class="kd-lang-none"') == 1  # a one-language site says so
    again.unlink()
    # ... and the section is the one a fresh run of the notebook writes (with the figure 2023 for personnel)
    patched_nb = _nb_section(out / "SK177" / "report.ipynb")
    ran.clear()
    fresh = reports.run_reports("SK177", n_jobs=1, out=out, industry_profiles=False, progress=False, force=True)
    assert ran == ["SK177"] and fresh["reports"]["SK177"]["status"] == "ok"
    assert _nb_section(out / "SK177" / "report.ipynb") == patched_nb
    assert _section((out / "SK177" / "report.html").read_text(encoding="utf-8")) == _section(patched_page)
    assert "(2023)" in _section(patched_page)  # the insight's figure came from tables/indicators.csv
