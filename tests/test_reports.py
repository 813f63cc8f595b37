"""Batch reports and the knowledge-base site (kasvudata_utils.reports.batch*, `kasvudata reports`).

The slow tests run the real batch once (module fixture) on three areas, one of them a bogus code
injected past the CLI's normalisation, with an insights store holding an injection attempt.
"""
import html
import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from kasvudata_utils.errors import InputError
from kasvudata_utils.plots import format_number, format_pct
from kasvudata_utils.reports import batch as reports
from kasvudata_utils.reports import fingerprint, manifest
from kasvudata_utils.reports.html import site_css
from kasvudata_utils.reports.site import broken_links, build_site

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


# --- fast: planning, fingerprints, manifest, summary, site from a hand-made manifest -------------

def test_parse_areas_all_and_codes():
    assert len(reports.parse_areas("all")) == 38  # 1 region + 7 sub-regions + 30 municipalities
    assert reports.parse_areas("9, sk177,KU009") == ["KU009", "SK177"]  # normalised, duplicates dropped
    with pytest.raises(InputError, match="KU9999"):
        reports.parse_areas("KU9999")


def test_plan_jobs_areas_and_industry_profiles():
    jobs = reports.plan_jobs(["KU009", "MK17"], "en")
    kinds = [j.kind for j in jobs]
    assert kinds.count("area") == 2 and kinds.count("industry") == 14  # 14 business sections
    ku = jobs[0]
    assert ku.parameters == {"area": "KU009", "reference": "MK17", "start_year": 2018, "end_year": 2023,
                             "lang": "en", "panel_path": "", "output_dir": "tables"}
    assert isinstance(ku.parameters["area"], str)  # codes stay strings through the Python API
    assert jobs[1].parameters["reference"] == "SSS"
    assert [j.out_subdir for j in jobs[2:4]] == ["industry/B", "industry/C"]
    with pytest.raises(InputError, match="2023"):
        reports.plan_jobs(["KU009"], start_year=2023, end_year=2023)


def test_fingerprint_changes_with_parameters_and_notebook(tmp_path):
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}")
    job = reports.Job("area", "KU009", str(nb), {"area": "KU009", "lang": "fi"}, "KU009")
    f1 = fingerprint.job_fingerprint(job, "data1", "code1")
    assert f1 == fingerprint.job_fingerprint(job, "data1", "code1")  # deterministic
    assert f1 != fingerprint.job_fingerprint(job, "data2", "code1")
    assert f1 != fingerprint.job_fingerprint(job, "data1", "code2")
    job2 = reports.Job("area", "KU009", str(nb), {"area": "KU009", "lang": "en"}, "KU009")
    assert f1 != fingerprint.job_fingerprint(job2, "data1", "code1")
    nb.write_text("{ }")
    assert f1 != fingerprint.job_fingerprint(job, "data1", "code1")


def test_progress_in_a_log_is_one_line_per_report(capsys):
    """Not a terminal (a log, make's output piped): plain lines, one per finished report, on stderr."""
    bar = reports.progress_bar(3)
    assert isinstance(bar, reports.LineProgress)
    for key in ("KU009", "MK17", "industry/C"):
        bar.step(key, "ok")
    bar.close()
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 4 and "\r" not in err
    assert lines[0] == "kasvudata reports: 0/3 ..."
    assert [ln.split(" s")[0].rsplit(",", 1)[0] for ln in lines[1:]] == [
        "kasvudata reports: 1/3 (33 %) KU009 ok", "kasvudata reports: 2/3 (67 %) MK17 ok",
        "kasvudata reports: 3/3 (100 %) industry/C ok"]
    reports.progress_bar(3, enabled=False).step("KU009", "ok")
    assert capsys.readouterr() == ("", "")


def test_summary_counts_and_line():
    m = {"reports": {"A": {"status": "ok", "up_to_date": True}, "B": {"status": "ok"},
                     "C": {"status": "failed", "error": "InputError: unknown area 'KU999'"}}, "wall_time_s": 3.5}
    m["summary"] = reports.summarise(m)
    assert m["summary"] == {"total": 3, "ok": 2, "up_to_date": 1, "failed": ["C"]}
    line = reports.summary_line(m)
    assert line.startswith("3 reports: 2 ok (1 up to date), 1 failed: C") and "KU999" in line


def _site_folder(tmp_path, monkeypatch, personnel=1234.5):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    (tmp_path / "KU009" / "tables").mkdir(parents=True, exist_ok=True)
    (tmp_path / "KU009" / "report.ipynb").write_text("x")
    (tmp_path / "KU009" / "report.html").write_text('<section id="insights">x</section>')  # the #insights target
    ind = pd.DataFrame({"area_code": ["KU009"] * 3, "reference_code": ["MK17"] * 3,
                        "indicator": ["personnel", "personnel_growth_pct", "birth_rate_pct"],
                        "industry_code": ["ALL"] * 3, "year": [2023] * 3, "value": [personnel, None, 9.25],
                        "suppressed": [False, True, False], "note": [""] * 3})
    ind.to_csv(tmp_path / "KU009" / "tables" / "indicators.csv", index=False)
    m = {"data_fingerprint": "abc123", "package_version": "0.1.0", "summary": {"ok": 1, "total": 2},
         "reports": {"KU009": {"kind": "area", "name": "Alavieska", "status": "ok", "html": "KU009/report.html",
                               "notebook": "KU009/report.ipynb", "tables": ["indicators.csv"],
                               "parameters": {"area": "KU009", "end_year": 2023}},
                     "KU999": {"kind": "area", "name": "KU999", "status": "failed", "html": "KU999/report.html",
                               "notebook": "KU999/report.ipynb", "tables": [], "error": "InputError: unknown area",
                               "parameters": {"area": "KU999"}}}}
    return m


def test_site_from_manifest_links_resolve_and_failed_status_shown(tmp_path, monkeypatch):
    m = _site_folder(tmp_path, monkeypatch)
    build_site(tmp_path, m, "fi")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert broken_links(tmp_path) == []
    assert "abc123" in index and "raportti ei saatavilla" in index and "epäonnistui" not in index
    researchers = (tmp_path / "researchers.html").read_text(encoding="utf-8")  # the status: for researchers
    assert "epäonnistui" in researchers and "InputError: unknown area" in researchers
    row = re.search(r"<tr><td>Alavieska</td>.*?</tr>", index).group(0)
    # personnel 1234.5 → 1 234 (Finnish, no decimals); suppressed growth → ".." (StatFin); 9.25 → 9,2 (half-even)
    assert format_number(1234.5, "fi") in row and "<td>..</td>" in row and "<td>9,2</td>" in row
    assert 'href="KU999/report.html"' not in index  # no link to a report that failed


def test_site_worked_out_ahead_gives_the_same_pages_and_never_a_replaced_reports_figures(tmp_path, monkeypatch):
    """SitePrep (the batch's map and headlines read while reports still run): the same index and map, byte for
    byte; a report replaced after its headline was read ahead is read again."""
    from kasvudata_utils.reports.site import SitePrep

    def pages(folder):
        index = (folder / "index.html").read_text(encoding="utf-8")
        return re.sub(r"Tuotettu [^·]*·", "", index), (folder / "map.png").read_bytes()

    plain, ahead = tmp_path / "plain", tmp_path / "ahead"
    m = _site_folder(plain, monkeypatch)
    build_site(plain, m, "fi")
    _site_folder(ahead, monkeypatch, personnel=999.0)  # an earlier report of KU009 …
    prep = SitePrep()
    prep.start(ahead, "fi")
    for e in m["reports"].values():
        prep.add(e)
    prep.join()
    assert len(prep.headlines) == 1 and prep.maps["fi"] is not None  # read ahead: the 999 report and the map
    (ahead / "KU009" / "tables" / "indicators.csv").unlink()
    _site_folder(ahead, monkeypatch)  # … replaced by the new one (1234.5) before the site is built
    build_site(ahead, m, "fi", prep=prep)
    assert pages(ahead) == pages(plain)
    row = re.search(r"<tr><td>Alavieska</td>.*?</tr>", pages(ahead)[0]).group(0)
    assert format_number(1234.5, "fi") in row and "999" not in row


def test_pool_stopped_without_waiting_is_still_waited_for():
    """The batch tells its workers to stop before building the site and waits for them after it (issue 18): the
    wait must really wait (and reap them, so their CPU time is counted), not return at once."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1)
    assert pool.submit(abs, -3).result() == 3  # the worker is up
    slow = pool.submit(time.sleep, 0.5)
    while not slow.running():
        time.sleep(0.01)
    stopping = reports._Stopping(pool)  # returns at once: the worker still sleeps
    t0 = time.perf_counter()
    stopping.shutdown()
    assert slow.done() and multiprocessing.active_children() == [] and time.perf_counter() - t0 > 0.1


def test_an_error_while_reports_come_back_shuts_the_workers_down_at_once(tmp_path, monkeypatch):
    """run_jobs closes the stream of finished reports when its own loop fails (or Ctrl-C), so the local pool's
    shutdown runs then; before, it waited for the generator to be collected, held by the traceback."""
    from kasvudata_utils.reports import batch

    closed = []

    def finished_reports(todo, *args):
        try:
            for job in todo:
                yield job, {"status": "ok"}
        finally:
            closed.append(True)  # where _dispatch_local shuts its pool down

    monkeypatch.setattr(batch, "_dispatch_local", finished_reports)
    monkeypatch.setattr(batch, "_entry", lambda job, entry, *args: dict(entry))

    def site_prep_fails(entry):
        raise RuntimeError("site prep failed")

    jobs = reports.plan_jobs(["KU009", "KU071"], "fi", industry_profiles=False)
    with pytest.raises(RuntimeError, match="site prep failed") as err:
        reports.run_jobs(jobs, tmp_path / "r", n_jobs=1, progress=False, on_finished=site_prep_fails)
    assert err.value is not None and closed == [True]  # closed while the traceback still holds the loop's frame


def test_batch_workers_started_ahead_are_stopped_when_the_period_is_refused(tmp_path):
    """run_reports starts its workers before reading the panel's years (issue 18); a refused period still ends in
    one InputError, with every worker (and its kernel) stopped."""
    import multiprocessing

    pool = reports.new_pool(2)
    assert len(multiprocessing.active_children()) == 2  # spawned now, not at the first report
    pool.shutdown(wait=True)
    with pytest.raises(InputError, match="2099"):
        reports.run_reports("KU009", n_jobs=1, out=tmp_path / "r", industry_profiles=False, start_year=2099,
                            end_year=2100, progress=False)
    assert multiprocessing.active_children() == []


def test_broken_links_finds_missing_files_and_external_resources(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html">b</a><img src="https://cdn.example/x.png">'
                                     '<a href="https://example.org">ok</a><a href="#top">ok</a>')
    bad = broken_links(tmp_path)
    assert len(bad) == 2 and any("b.html" in b for b in bad) and any("external resource" in b for b in bad)


# --- slow: the real batch -------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Rows of every ``kd-table`` as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self._in, self._row, self._cell = [], 0, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "kd-table") in attrs:
            self._in += 1
        elif self._in and tag == "tr":
            self._row = []
        elif self._in and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table" and self._in:
            self._in -= 1
        elif self._in and tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif self._in and tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from kasvudata_utils.insights.store import InsightStore

    root = tmp_path_factory.mktemp("batch")
    db = root / "insights.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("KASVUDATA_INSIGHTS_DB", str(db))
    store = InsightStore(db)
    store.add("KU009", "bottleneck", XSS, industry="C", indicator="personnel", year=2023)
    store.add("SK177", "best_practice", "Yhteinen rekrytointipäivä")
    out = root / "reports"
    # KU999 is injected past the CLI's normalisation: its notebook must fail on its own
    jobs = reports.plan_jobs(["KU009", "SK177", "KU999"], "fi", industry_profiles=["C"])
    manifest = reports.run_jobs(jobs, out, n_jobs=2, progress=False)
    build_site(out, manifest, "fi")
    yield out, manifest
    mp.undo()


@pytest.mark.slow
def test_batch_isolates_the_broken_area(batch):
    out, m = batch
    reps = m["reports"]
    assert reps["KU009"]["status"] == "ok" and reps["SK177"]["status"] == "ok"
    assert reps["industry/C"]["status"] == "ok"
    assert reps["KU999"]["status"] == "failed"
    assert reps["KU999"]["error"].startswith("InputError: unknown area 'KU999'")
    assert "\n" not in reps["KU999"]["error"]
    assert m["summary"]["failed"] == ["KU999"]
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("parameters", "fingerprint", "data_fingerprint", "started", "finished", "duration_s", "status",
                "error"):
        assert key in on_disk["reports"]["KU009"]
    assert on_disk["reports"]["KU009"]["parameters"]["area"] == "KU009"
    assert not (out / "KU999" / "report.html").exists()
    for name in ("report.html", "report.ipynb", "tables/indicators.csv", "tables/structure.csv"):
        assert (out / "KU009" / name).is_file()


@pytest.mark.slow
def test_up_to_date_reports_are_skipped_and_force_reruns(batch, monkeypatch):
    # Other work may touch the package or the data between runs: pin both fingerprints for this test.
    monkeypatch.setattr(reports, "code_fingerprint", lambda: "code")
    monkeypatch.setattr(reports, "data_fingerprint", lambda panel_path=None: "data")
    out, _ = batch
    m0 = manifest.load_manifest(out)
    job = reports.plan_jobs(["KU009"], "fi", industry_profiles=False)[0]
    m0["reports"]["KU009"]["fingerprint"] = fingerprint.job_fingerprint(job, "data", "code")
    manifest.write_manifest(out, m0)
    m = reports.run_jobs([job], out, n_jobs=1, progress=False)
    assert m["reports"]["KU009"]["up_to_date"] is True and m["summary"]["up_to_date"] == 1
    assert m["reports"]["KU009"]["started"] == m0["reports"]["KU009"]["started"]  # not run again
    m2 = reports.run_jobs(reports.plan_jobs(["KU009"], "fi", industry_profiles=False), out, n_jobs=1,
                          force=True, progress=False)
    assert m2["reports"]["KU009"]["up_to_date"] is False and m2["reports"]["KU009"]["status"] == "ok"
    assert m2["reports"]["KU009"]["started"] != m0["reports"]["KU009"]["started"]


@pytest.mark.slow
def test_new_insight_for_the_area_changes_its_fingerprint(batch):
    from kasvudata_utils.insights.store import InsightStore
    from kasvudata_utils.paths import insights_db

    ku, sk, oulu = (reports.plan_jobs([c], "fi", industry_profiles=False)[0] for c in ("KU009", "SK177", "SK171"))
    before = [fingerprint.job_fingerprint(j, "data", "code") for j in (ku, sk, oulu)]
    InsightStore(insights_db()).add("KU009", "trend", "Uusi havainto")
    after = [fingerprint.job_fingerprint(j, "data", "code") for j in (ku, sk, oulu)]
    # Alavieska's insight shows in its own report and in its sub-region's (SK177), not in Oulu's (SK171)
    assert after[0] != before[0] and after[1] != before[1] and after[2] == before[2]


@pytest.mark.slow
def test_html_has_no_code_no_traceback_no_external_resources(batch):
    out, _ = batch
    for page in [out / "KU009" / "report.html", out / "SK177" / "report.html", out / "industry" / "C" / "report.html"]:
        text = page.read_text(encoding="utf-8")
        body = re.sub(r"<style.*?</style>", "", text, flags=re.S)
        assert "jp-InputArea" not in body and "jp-InputPrompt" not in body
        assert "Traceback" not in body and "ename" not in body
        assert "import " not in re.sub(r"<[^>]+>", " ", body)
        assert "<script src=" not in text
        assert "SYNTEETTINEN data" in body and "CC BY 4.0" in body  # badge and attribution


@pytest.mark.slow
def test_index_links_resolve_and_show_status(batch):
    out, _ = batch
    assert broken_links(out) == []
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "KU999" in index and "raportti ei saatavilla" in index and ".ipynb" not in index
    assert "epäonnistui" in (out / "researchers.html").read_text(encoding="utf-8")
    assert 'href="KU009/report.html"' in index and 'href="insights.html"' in index
    assert 'src="map.png"' in index


@pytest.mark.slow
def test_insight_text_is_escaped_in_report_and_site(batch):
    out, _ = batch
    report = (out / "KU009" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report and "<script>alert(1)" not in report
    assert "onerror=alert(2)>" not in report
    site = (out / "insights.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in site and "<script>alert(1)" not in site
    sk = (out / "SK177" / "report.html").read_text(encoding="utf-8")
    assert "Yhteinen rekrytointipäivä" in sk


@pytest.mark.slow
def test_suppressed_cells_are_dashes_never_the_hidden_number(batch):
    from kasvudata_utils.data import load_firm_panel
    from kasvudata_utils.indicators import compute_indicators

    out, _ = batch
    structure = pd.read_csv(out / "KU009" / "tables" / "structure.csv", dtype={"industry_code": str})
    hidden = structure[structure["personnel__suppressed"].astype(bool)]["industry_code"].tolist()
    assert hidden, "KU009 has suppressed sections in the embedded data"
    assert structure.loc[structure["industry_code"].isin(hidden), "personnel"].isna().all()  # CSV: empty
    raw = compute_indicators(load_firm_panel(), "KU009", "MK17", 2018, 2023, disclose=False)
    raw = raw[(raw["indicator"] == "personnel") & (raw["year"] == 2023)].set_index("industry_code")["value"]
    p = _Tables()
    p.feed((out / "KU009" / "report.html").read_text(encoding="utf-8"))
    for code in hidden:
        row = next(r for r in p.rows if r and r[0].startswith(f"{code} "))
        assert row[2] == ".."  # personnel column: StatFin's confidential symbol
        if raw.get(code, 0) >= 10:  # a small hidden number could coincide with another cell's value
            assert format_number(raw[code], "fi") not in row


@pytest.mark.slow
def test_key_findings_state_the_engine_numbers(batch):
    from kasvudata_utils.data import load_firm_panel
    from kasvudata_utils.indicators import compute_indicators_many

    out, _ = batch
    ind = compute_indicators_many(load_firm_panel(), ["KU009", "MK17"], "MK17", 2018, 2023)

    def v(area, name, industry="ALL", year=2023):
        r = ind[(ind["area_code"] == area) & (ind["indicator"] == name) & (ind["industry_code"] == industry)
                & (ind["year"] == year)]
        return float(r["value"].iloc[0])

    text = (out / "KU009" / "report.html").read_text(encoding="utf-8")
    findings = text.split("Keskeiset havainnot", 1)[1].split("</ul>", 1)[0]
    assert f"henkilöstöä {format_number(v('KU009', 'personnel'), 'fi')} henkilötyövuotta vuonna 2023" in findings
    assert format_pct(v("KU009", "personnel_growth_pct"), "fi", 1, signed=True) in findings
    assert format_pct(v("MK17", "personnel_growth_pct"), "fi", 1, signed=True) in findings
    assert f"Alavieska {format_pct(v('KU009', 'birth_rate_pct'), 'fi', 1)}" in findings


@pytest.mark.slow
def test_cached_spatial_sentence_equals_spatial_module():
    from kasvudata_utils.reports.area import cached_growth_lisa
    from kasvudata_utils.research.spatial import area_spatial_context, lisa_class_for_area

    table = cached_growth_lisa(2018, 2023)
    for code in ("KU977", "SK177"):
        info = lisa_class_for_area(table, code)
        assert info["cluster"] in ("HH", "LH", "LL", "HL", "ns")
    # the report composes the sentence from the cached table exactly as spatial.area_spatial_context does
    import matplotlib

    matplotlib.use("Agg")
    from unittest import mock

    from kasvudata_utils.reports.area import AreaReport

    for code, name in (("KU977", "Ylivieska"), ("SK177", "Ylivieska sub-region")):
        rep = AreaReport.__new__(AreaReport)
        rep.lang, rep.name = "en", name
        rep.d = mock.Mock(area=code, start=2018, end=2023)
        shown = []
        # as if the models' data were real: the embedded data are synthetic (see the next test)
        with mock.patch("kasvudata_utils.reports.area.show", lambda obj, *a, _s=shown, **k: _s.append(obj)), \
                mock.patch("kasvudata_utils.reports.area.models_on_real_data", lambda: True):
            rep.spatial_context()
        assert "For researchers" in shown[0] and "not causal effects" in shown[0]
        expected = area_spatial_context(code, "en", start=2018, end=2023)
        assert expected in html.unescape(shown[0])
        # and the growth-factor context (issue 7) from the batch's cached model equals a fresh fit
        from kasvudata_utils.research.factors import area_factor_context

        assert area_factor_context(code, "en", start=2018) in html.unescape(shown[0])


def test_no_significance_claim_on_synthetic_data_in_the_report_text():
    """Issue 13: with the embedded synthetic data the report's research section holds no model result."""
    from unittest import mock

    from kasvudata_utils.reports.area import AreaReport, models_on_real_data

    assert models_on_real_data() is False  # the embedded business table is synthetic
    for lang in ("fi", "en"):
        rep = AreaReport.__new__(AreaReport)
        rep.lang, rep.name = lang, "Ylivieska"
        rep.d = mock.Mock(area="KU977", start=2018, end=2023)
        shown = []
        with mock.patch("kasvudata_utils.reports.area.show", lambda obj, *a, _s=shown, **k: _s.append(obj)):
            rep.spatial_context()
        text = html.unescape(shown[0]).lower()
        for claim in ("merkitsevä", "significant", "fdr", "p = ", "(hh)", "(ll)", "alueen puolella",
                      "in its favour", "95 %"):
            assert claim not in text, (lang, claim)
        assert ("synteettinen" if lang == "fi" else "synthetic") in text


@pytest.mark.slow
def test_sk177_personnel_change_reads_the_same_on_every_surface(batch):
    """Issue 13: one definition, one default period. SK177's personnel change 2018–2023 is the area's
    own sum (person-years 2023 / 2018 − 1), and the report's findings, its CSV, the index and the
    explorer opened on SK177 all show that figure."""
    from kasvudata_utils.apps.area_explorer import AreaExplorer
    from kasvudata_utils.apps.cache import AppData

    out, _ = batch
    ind = pd.read_csv(out / "SK177" / "tables" / "indicators.csv", dtype={"area_code": str, "industry_code": str})

    def v(name, year):
        r = ind[(ind["area_code"] == "SK177") & (ind["indicator"] == name) & (ind["industry_code"] == "ALL")
                & (ind["year"] == year)]
        return float(r["value"].iloc[0])

    own = (v("personnel", 2023) / v("personnel", 2018) - 1) * 100  # the definition (METHODS "Growth")
    # published to one decimal (reports.common.indicator_decimals), as the page shows it
    assert v("personnel_growth_pct", 2023) == round(v("personnel_growth_pct", 2023), 1)
    assert v("personnel_growth_pct", 2023) == pytest.approx(own, abs=0.05 + 1e-9)
    figure = format_pct(own, "fi", 1, signed=True)  # e.g. "−11,8 %"
    report = html.unescape((out / "SK177" / "report.html").read_text(encoding="utf-8"))
    findings = report.split("Keskeiset havainnot", 1)[1].split("</ul>", 1)[0]
    assert f"Ylivieskan seutukunta: henkilöstöä {format_number(v('personnel', 2023), 'fi')}" in findings
    assert f"muutos jaksolla {figure}" in findings
    index = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    row = re.search(r"<tr><td>Ylivieskan seutukunta</td><td>SK177</td>(.*?)</tr>", index).group(1)
    assert f"<td>{format_number(own, 'fi', 1)}</td>" in row
    app = AreaExplorer(area="SK177", lang="fi", data=AppData.load(), map=False)
    assert app.year_range.value == (2018, 2023) and app.indicator_select.value == "personnel"
    assert "Ylivieskan seutukunta (SK177), 2018–2023: henkilöstö" in app.summary.value
    assert f"(muutos {figure})" in app.summary.value  # the same characters as the report
    app_en = AreaExplorer(area="SK177", lang="en", data=AppData.load(), map=False)
    assert f"(change {format_pct(own, 'en', 1, signed=True)})" in app_en.summary.value  # e.g. "-11.8%"


def test_table_symbols_and_small_number_marks():
    """Issue 13: StatFin's symbols with a legend; a rate on few firms is a whole number with a mark."""
    from kasvudata_utils.indicators.smallnumbers import rate_bases
    from kasvudata_utils.reports.common import html_table

    df = pd.DataFrame({"share": [12.345, None, 50.0, 0.0], "share__suppressed": [False, False, True, False]},
                      index=["C", "ALL", "D", "F"])
    out = html_table(df, {"share": ("Osuus", 1)}, "fi", small={("F", "share")})
    assert "<td>C</td><td>12,3</td>" in out
    assert '<td>ALL</td><td title="ei sovellu tai ei vielä havaittavissa">.</td>' in out  # a total's share
    assert '<td>D</td><td title="salattu">..</td>' in out and "50" not in out  # confidential
    assert '<td>F</td><td title="pieni lukumäärä: satunnaisvaihtelu on suurta">0*</td>' in out
    assert "Symbolit: .. = salattu" in out and "* = osuus perustuu alle 20 yritykseen" in out
    assert "* =" not in html_table(df, {"share": ("Osuus", 1)}, "en")  # no mark used, no mark explained
    # Alavieska's births of 2017: 12.745 % of 102 active firms = 13 → the 1-year survival of 2018 rests on 13
    ind = pd.DataFrame({"area_code": "KU009", "industry_code": "ALL", "suppressed": False,
                        "indicator": ["establishments", "birth_rate_pct", "establishments", "survival_rate_1y_pct",
                                      "death_rate_pct"],
                        "year": [2017, 2017, 2018, 2018, 2018], "value": [102.0, 12.745098, 104.0, 76.923077, 5.77]})
    bases = rate_bases(ind, "KU009")
    assert bases[("survival_rate_1y_pct", 2018)] == 13.0
    assert bases[("death_rate_pct", 2018)] == 104.0 and bases[("birth_rate_pct", 2017)] == 102.0
    assert ("survival_rate_1y_pct", 2017) not in bases
    # with the births counted in the panel, a survival rate whose births precede the table is sized too
    ind.loc[ind["indicator"] == "survival_rate_1y_pct", "year"] = 2017
    assert rate_bases(ind, "KU009", births={2016: 6})[("survival_rate_1y_pct", 2017)] == 6.0


def test_one_vocabulary_and_a_glossary_in_every_report():
    """Issue 13: births, deaths, survival and high growth carry one name on every surface (board
    ``indicator_*``, explorer ``ind_*``, report tables ``col_*``), defined in the report's glossary."""
    from unittest import mock

    from kasvudata_utils.labels import t
    from kasvudata_utils.reports.area import GLOSSARY, AreaReport

    same = {"birth_rate_pct": "col_birth_rate", "death_rate_pct": "col_death_rate",
            "survival_rate_1y_pct": "col_survival_1y", "hge_count": "col_hge", "micro_hge_count": "col_micro_hge"}
    for lang in ("fi", "en"):
        for ind, col in same.items():
            assert t(f"ind_{ind}", lang) == t(f"indicator_{ind}", lang) == t(col, lang), (lang, ind)
    assert t("ind_birth_rate_pct", "fi") == "Yritysten syntyvyys (%)"  # never "Aloittaneiden osuus"
    assert t("ind_hge_count", "fi") == "Nopeasti kasvavat yritykset (kpl)"  # never "Kasvuyritykset"
    # the scenario's lever is not called survival: it is 100 − the death rate
    assert "eloonjäänti" not in t("lever_survival_rate_pct", "fi").lower()
    rep = AreaReport.__new__(AreaReport)
    rep.lang, rep.d = "fi", mock.Mock(prov={"kind": "synthetic", "sources": []})
    shown = []
    with mock.patch("kasvudata_utils.reports.area.show", lambda obj, *a, _s=shown, **k: _s.append(obj)):
        rep.footer()
    text = html.unescape(shown[0])
    assert "<h2" in text and "Käsitteet" in text
    for k in GLOSSARY:
        assert f"<b>{t(f'ind_{k}', 'fi')}</b>: {t(f'glossary_{k}', 'fi')}" in text
    assert "B–S paitsi K, O, P, Q" in text and "Symbolit: .. = salattu" in text


@pytest.mark.slow
def test_alavieska_survival_on_few_births_is_marked(batch):
    """Issue 13: Alavieska's 1-year survival 2018 rests on the 13 firms born in 2017 (10 of them alive)."""
    from kasvudata_utils.data import load_firm_panel
    from kasvudata_utils.indicators.smallnumbers import births_by_year

    assert births_by_year(load_firm_panel(), "KU009")[2017] == 13
    out, _ = batch
    demo = pd.read_csv(out / "KU009" / "tables" / "demography.csv")
    row = demo[(demo["area_code"] == "KU009") & (demo["indicator"] == "survival_rate_1y_pct") & (demo["year"] == 2018)]
    # 76.9 %: the rate to the one decimal the page shows (reports.common.indicator_decimals)
    assert row["value"].iloc[0] == round(10 / 13 * 100, 1) and bool(row["small_number"].iloc[0])
    ref = demo[(demo["area_code"] == "MK17") & (demo["indicator"] == "survival_rate_1y_pct")]
    assert not ref["small_number"].astype(bool).any()  # the region's rates rest on hundreds of births
    p = _Tables()
    p.feed((out / "KU009" / "report.html").read_text(encoding="utf-8"))
    row = next(r for r in p.rows if r and r[0] == "1 vuoden eloonjäänti (%) – Alavieska")
    assert row[1] == "77*"  # 76.9 % as a whole number with the mark


@pytest.mark.slow
def test_batch_reports_make_no_significance_claim_on_synthetic_data(batch):
    out, _ = batch
    for code in ("KU009", "SK177"):
        text = html.unescape((out / code / "report.html").read_text(encoding="utf-8"))
        body = re.sub(r"<[^>]+>", " ", text.split("<body", 1)[1]).lower()
        assert "synteettinen" in body
        for claim in ("tilastollisesti merkitsev", "fdr 5", "p = 0", "kasvutekijöistä alueen puolella",
                      "luottamusväl"):
            assert claim not in body, (code, claim)


@pytest.mark.slow
def test_batch_pages_are_light_and_their_figures_are_files(batch):
    """Issue 18: no JupyterLab CSS or base64 figure in a page; every figure a file with size and alt."""
    out, _ = batch
    pages = [out / "KU009" / "report.html", out / "SK177" / "report.html", out / "industry" / "C" / "report.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        # no embedded JupyterLab CSS or base64 figure; the site's one stylesheet inlined (no request before the
        # first paint) and the page-margin rule (the running title differs per page)
        styles = re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S)
        assert len(styles) == 2 and styles[0].strip() == site_css().strip(), styles
        assert "@page" in styles[1] and len(styles[1]) < 600 and "<link" not in text
        assert page.stat().st_size <= 250_000 and "data:image" not in text
        imgs = re.findall(r"<img [^>]*>", text)
        assert imgs  # every report has charts
        for img in imgs:
            src = re.search(r'src="([^"]+)"', img).group(1)
            # a chart is its own download (one file), any other figure a file of figures/
            assert src.startswith(("tables/chart_", "figures/")) and (page.parent / src).is_file()
            assert re.search(r'width="\d+"', img) and re.search(r'height="\d+"', img)
            assert re.search(r'alt="[^"]+"', img) and "No description" not in img
    assert (out / "style.css").is_file() and broken_links(out) == []


@pytest.mark.slow
def test_sk177_csv_values_are_the_pages_values_and_the_folder_holds_each_file_once(batch):
    """Issue 18: indicators.csv holds SK177's own rows as the page shows them (one figure, one definition);
    no figure is stored twice and the published notebook carries no base64 copy of a figure."""
    from kasvudata_utils.reports.common import indicator_decimals, industry_label

    out, _ = batch
    folder = out / "SK177"
    ind = pd.read_csv(folder / "tables" / "indicators.csv", dtype={"area_code": str, "industry_code": str})
    assert set(ind["area_code"]) == {"SK177"}  # the area's own rows (MK17's are in MK17's report)
    for name, g in ind.groupby("indicator"):
        vals = g["value"].dropna()
        assert (vals == vals.round(indicator_decimals(name))).all(), name  # no float noise
        assert g.loc[g["suppressed"], "value"].isna().all()  # suppressed cells stay empty
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    structure = page.split('id="kd-elinkeinorakenne"', 1)[1].split("</table>", 1)[0]
    end = ind[(ind["year"] == 2023)].set_index(["indicator", "industry_code"])
    checked = 0
    for row in re.findall(r"<tr><td>([^<]*)</td>(.*?)</tr>", structure):
        label, cells = row[0], re.findall(r"<td[^>]*>([^<]*)</td>", row[1])
        code = next((c for c in set(ind["industry_code"]) if industry_label(c, "fi") == label), None)
        if code is None:
            continue
        for col, (name, dec) in enumerate((("establishments", 0), ("personnel", 0))):
            r = end.loc[(name, code)]
            want = ".." if r["suppressed"] else format_number(r["value"], "fi", dec)
            assert cells[col] == want, (label, name, cells[col], want)
            checked += 1
    assert checked >= 20  # every section's row of the structure table
    files = [p for p in folder.rglob("*") if p.is_file()]
    contents = [p.read_bytes() for p in files]
    assert len(set(contents)) == len(contents), "a file is stored twice"
    nb = json.loads((folder / "report.ipynb").read_text(encoding="utf-8"))
    outs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outs)
    imgs = [re.search(r'src="([^"]+)"', "".join(o["data"]["text/html"])).group(1) for o in outs
            if "<img " in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(imgs) >= 8 and all((folder / src).is_file() for src in imgs)
    assert (folder / "report.ipynb").stat().st_size < 100_000 and (folder / "report.html").stat().st_size < 100_000
    # the whole folder: 38 areas at ≤ 480 KB and 14 profiles at ≈ 140 KB keep the site under 20 MB
    # (measured 441–460 KB an area; before issue 18's site work 1.09 MB)
    assert sum(len(c) for c in contents) <= 480_000
