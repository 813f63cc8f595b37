"""Batch reports beyond Northern Ostrobothnia and beyond one machine; the static site.

Fast: the ``--areas`` selectors (``SSS-all``, ``AREA-all``), the ``--data national`` checks, the
national panel's synthetic label, the link checker, the CLI help and docs/deploy.md.
Slow: a batch of two municipalities outside MK17 on the national panel, a batch on a local Dask
cluster with a broken area (through the CLI, with ``--site``), and a crawl of the published site.
"""
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from kasvudata_utils import areas, provenance
from kasvudata_utils.cli import main
from kasvudata_utils.errors import InputError
from kasvudata_utils.paths import PROJECT_ROOT, processed_dir
from kasvudata_utils.reports import batch as reports
from kasvudata_utils.reports import sources
from kasvudata_utils.reports.site import broken_links, external_links, publish_site

# Hosts an external link may point to: the data sources and licences named on the pages.
SOURCE_HOSTS = {"creativecommons.org", "stat.fi", "www.stat.fi", "tilastokeskus.fi", "sotkanet.fi",
                "tulli.fi", "uljas.tulli.fi", "github.com", "www.paikkatietohakemisto.fi",
                "localhost"}  # insights.html → the insights board of a workshop server (site.DEFAULT_BOARD_URL)


# --- fast ---------------------------------------------------------------------------------------

def test_sss_all_is_every_municipality_of_finland():
    codes = reports.parse_areas("SSS-all")
    # Finland has 308 municipalities on the 2025 division (Åland's 16 included)
    assert len(codes) == 308 and len(set(codes)) == 308
    assert all(c.startswith("KU") for c in codes)
    assert {"KU091", "KU564", "KU853", "KU478"} <= set(codes)  # Helsinki, Oulu, Turku, Maarianhamina
    # the 19 regions' municipality lists partition the country's
    per_region = [reports.parse_areas(f"{r}-all") for r in areas.members("SSS", "MK")]
    assert len(per_region) == 19
    assert sorted(c for lst in per_region for c in lst) == sorted(codes)


def test_area_all_selectors_and_combinations():
    assert len(reports.parse_areas("MK17-all")) == 30  # Northern Ostrobothnia's 30 municipalities
    # Ylivieska sub-region: Alavieska, Kalajoki, Merijärvi, Oulainen, Sievi, Ylivieska
    ylivieska = ["KU009", "KU208", "KU483", "KU563", "KU746", "KU977"]
    assert sorted(reports.parse_areas("sk177-all")) == ylivieska
    both = reports.parse_areas("SK177-all,SK177")
    assert len(both) == 7 and both[-1] == "SK177"
    assert reports.parse_areas("KU009,SK177-all")[0] == "KU009"  # order kept, KU009 not repeated
    assert len(reports.parse_areas("KU009,SK177-all")) == 6
    assert reports.parse_areas("KU564-all") == ["KU564"]  # a municipality's municipalities: itself
    with pytest.raises(InputError, match="XX"):
        reports.parse_areas("XX-all")


def test_areas_outside_mk17_need_a_national_or_own_panel(tmp_path):
    with pytest.raises(InputError, match="--data national"):
        reports.run_reports("SSS-all", out=tmp_path / "r", progress=False)
    with pytest.raises(InputError, match="KU091"):
        reports.run_reports("KU009,KU091", out=tmp_path / "r", progress=False)
    assert not (tmp_path / "r").exists()  # refused before anything ran


def test_resolve_panel_choices(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))  # no national build in this data folder
    with pytest.raises(InputError, match="--scale national"):
        sources.resolve_panel("national")
    with pytest.raises(InputError, match="'regional'"):
        sources.resolve_panel("regional")
    own = tmp_path / "own.csv"
    own.write_text("x")
    with pytest.raises(InputError, match="only one"):
        sources.resolve_panel("national", str(own))
    assert sources.resolve_panel("default", str(own)) == str(own.resolve())
    assert sources.resolve_panel("default") == ""
    nat = tmp_path / "processed" / "national" / "firm_panel.parquet"
    nat.parent.mkdir(parents=True)
    nat.write_text("x")
    assert sources.resolve_panel("national") == str(nat) == str(sources.national_panel_path())


def test_national_panel_is_labelled_synthetic(tmp_path, monkeypatch):
    from kasvudata_utils.data import load_firm_panel

    small = pd.DataFrame(load_firm_panel().head(50))  # embedded synthetic rows
    own = tmp_path / "own.parquet"
    small.to_parquet(own, index=False)
    assert provenance.get(load_firm_panel(str(own)))["kind"] == "real"  # a researcher's file is "own"
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    nat = tmp_path / "processed" / "national" / "firm_panel.parquet"  # where a national build goes
    nat.parent.mkdir(parents=True)
    small.to_parquet(nat, index=False)
    assert provenance.get(load_firm_panel(str(nat)))["kind"] == "synthetic"


def test_link_checker_finds_absolute_links_missing_anchors_and_escapes(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.html").write_text('<h2 id="here">x</h2>')
    (tmp_path / "index.html").write_text(
        '<a href="sub/p.html#here">ok</a> <a href="sub/p.html#gone">1</a> <a href="/sub/p.html">2</a>'
        ' <a href="../outside.html">3</a> <link href="//cdn.example/x.css"> <a href="#top">ok</a>'
        ' <a href="https://creativecommons.org/licenses/by/4.0/">ok</a> <a href="mailto:a@b.fi">ok</a>')
    (tmp_path.parent / "outside.html").write_text("exists, but outside the site folder")
    bad = broken_links(tmp_path)
    assert len(bad) == 4, bad
    assert any("missing anchor sub/p.html#gone" in b for b in bad)
    assert any("absolute link /sub/p.html" in b for b in bad)
    assert any("../outside.html" in b for b in bad) and any("//cdn.example" in b for b in bad)
    assert external_links(tmp_path) == {"https://creativecommons.org/licenses/by/4.0/"}


def test_cli_help_and_deploy_doc_document_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["reports", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for word in ("SSS-all", "AREA-all", "--data {default,national,statfin}", "--table FILE", "--scheduler ADDRESS",
                 "--site"):
        assert word in text
    doc = (PROJECT_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needle in ("## Batch reports beyond one machine", "## Publishing the knowledge-base site",
                   "--areas SSS-all", "--data national", "--scheduler", "dask scheduler", "dask worker"):
        assert needle in doc


def test_unreachable_scheduler_is_one_line_input_error():
    from kasvudata_utils.reports.cluster import connect

    with pytest.raises(InputError, match="tcp://127.0.0.1:9"):
        connect("tcp://127.0.0.1:9", timeout=2)


# --- slow: real notebook runs -------------------------------------------------------------------

def _html_links(page: Path):
    """(attribute, value) of every href/src and the set of ids/names of one HTML page."""
    class P(HTMLParser):
        links, ids = [], set()

        def handle_starttag(self, tag, attrs):
            for k, v in attrs:
                if k in ("href", "src") and v is not None:
                    self.links.append((k, v))
                if k in ("id", "name") and v:
                    self.ids.add(v)
    p = P()
    p.links, p.ids = [], set()
    p.feed(page.read_text(encoding="utf-8"))
    return p.links, p.ids


def crawl(site: Path) -> list[str]:
    """An independent crawl: every page's href/src must resolve inside ``site`` (anchors included)."""
    site = site.resolve()
    pages = {p: _html_links(p) for p in site.rglob("*.html")}
    problems = []
    for page, (links, _ids) in pages.items():
        for attr, link in links:
            u = urlparse(link)
            if u.scheme in ("mailto", "data") or link.startswith("#"):
                continue
            if u.scheme in ("http", "https"):
                if attr == "src" or u.hostname not in SOURCE_HOSTS:
                    problems.append(f"{page}: external {link}")
                continue
            if link.startswith("/") or u.scheme or u.netloc:
                problems.append(f"{page}: absolute {link}")
                continue
            target = (page.parent / u.path).resolve()
            if not target.is_file() or site not in target.parents:
                problems.append(f"{page}: missing {link}")
            elif u.fragment and target.suffix == ".html" and u.fragment not in pages[target][1]:
                problems.append(f"{page}: missing anchor {link}")
    return problems


@pytest.fixture(scope="module")
def national_batch(tmp_path_factory):
    """Two municipalities outside MK17 (Helsinki, Turku) on the national synthetic panel."""
    if not sources.national_panel_path().is_file():  # what `kasvudata data build --scale national` writes
        from kasvudata_utils.data import synthetic

        synthetic.build(processed_dir(), "national")
    out = tmp_path_factory.mktemp("national") / "reports"
    mp = pytest.MonkeyPatch()
    mp.setenv("KASVUDATA_INSIGHTS_DB", str(out.parent / "none.sqlite"))
    manifest = reports.run_reports("KU091,KU853", n_jobs=2, out=out, industry_profiles=False, progress=False,
                                   data="national")
    yield out, manifest
    mp.undo()


@pytest.mark.slow
def test_national_batch_reports_two_municipalities_outside_mk17(national_batch):
    out, m = national_batch
    nat = str(sources.national_panel_path())
    assert m["summary"] == {"total": 2, "ok": 2, "up_to_date": 0, "failed": []}
    for code, region in (("KU091", "MK01"), ("KU853", "MK02")):  # Uusimaa, Varsinais-Suomi
        e = m["reports"][code]
        # published files name the panel by file name and checksum, never by its local path (issue 14)
        assert e["parameters"]["panel_path"] == Path(nat).name and e["parameters"]["reference"] == region
        assert e["panel"]["source"] == "national" and len(e["panel"]["sha256"]) == 64
        assert (out / code / "report.html").is_file()
    # Turku's personnel in 2023 = the sum over its firms' rows in the national panel (the definition)
    panel = pd.read_parquet(nat, columns=["municipality_code", "year", "personnel"],
                            filters=[("municipality_code", "==", "KU853"), ("year", "==", 2023)])
    ind = pd.read_csv(out / "KU853" / "tables" / "indicators.csv", dtype={"area_code": str, "industry_code": str})
    row = ind[(ind["area_code"] == "KU853") & (ind["indicator"] == "personnel") & (ind["industry_code"] == "ALL")
              & (ind["year"] == 2023)]
    assert len(row) == 1 and not row["suppressed"].iloc[0]
    assert row["value"].iloc[0] == pytest.approx(panel["personnel"].sum(), abs=0.01)
    assert panel["personnel"].sum() > 1000  # a real city, not an empty selection
    # synthetic data stays labelled synthetic on the report and the home page
    for page in (out / "KU853" / "report.html", out / "index.html"):
        assert 'kd-data-badge kd-synthetic' in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_national_site_has_no_broken_links(national_batch, tmp_path):
    out, _m = national_batch
    site = publish_site(out, tmp_path / "site")
    assert (site / "index.html").is_file() and (site / "KU091" / "report.html").is_file()
    assert crawl(site) == [] and broken_links(site) == []


@pytest.fixture(scope="module")
def dask_batch(tmp_path_factory):
    """`kasvudata reports --scheduler` on a local 2-worker cluster: KU009, SK177 and a broken KU999."""
    from distributed import LocalCluster

    root = tmp_path_factory.mktemp("dask")
    mp = pytest.MonkeyPatch()
    mp.setenv("KASVUDATA_INSIGHTS_DB", str(root / "none.sqlite"))
    # KU999 is injected past the CLI's normalisation, so its notebook (on a worker) fails on its own
    mp.setattr(reports, "parse_areas", lambda spec: ["KU009", "SK177", "KU999"])
    import time

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        t0 = time.perf_counter()
        rc = main(["reports", "--areas", "ignored", "--no-industries", "--scheduler", cluster.scheduler_address,
                   "--out", str(root / "reports"), "--site", str(root / "site")])
        seconds = time.perf_counter() - t0
    mp.undo()
    print(f"dask batch of 3 reports on 2 workers: {seconds:.1f} s")
    yield root, rc, json.loads((root / "reports" / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_dask_batch_isolates_the_broken_area(dask_batch):
    root, rc, m = dask_batch
    assert rc == 1  # one report failed
    reps = m["reports"]
    assert reps["KU009"]["status"] == "ok" and reps["SK177"]["status"] == "ok"
    assert reps["KU999"]["status"] == "failed" and "KU999" in reps["KU999"]["error"]
    assert m["summary"]["failed"] == ["KU999"] and m["summary"]["ok"] == 2
    for code in ("KU009", "SK177"):
        assert (root / "reports" / code / "report.html").is_file()
        assert "indicators.csv" in reps[code]["tables"]
    assert not (root / "reports" / "KU999" / "report.html").exists()
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "KU999" in index and 'href="KU009/report.html"' in index and 'href="KU999/report.html"' not in index


@pytest.mark.slow
def test_dask_site_folder_crawls_clean(dask_batch):
    root, _rc, _m = dask_batch
    site = root / "site"
    assert {"index.html", "insights.html", "style.css", "manifest.json"} <= {p.name for p in site.iterdir()}
    assert not list(site.rglob("*.tmp"))
    assert crawl(site) == [] and broken_links(site) == []
