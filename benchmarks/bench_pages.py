#!/usr/bin/env python3
"""Light pages and the one-insight refresh (issue 18): page and site size, first paint, refresh time.

In one run, on a few area reports and one industry profile written into a temporary folder
(``--areas``, default three of different levels; ``--industry``, default C) with a temporary insights
store:

1. sizes: the median ``report.html``; the published site (``publish_site``) extrapolated to the full
   batch of 52 reports — 38 areas at the areas' mean folder size and 14 industry profiles at the
   profile's — with and without the executed notebooks (published for researchers, not needed by the
   pages); goals: median page ≤ 250 KB, site ≤ 20 MB. ``--measure DIR`` instead measures a site
   already published (e.g. by ``make site``): its total, without notebooks, median page;
2. first contentful paint of one report served over HTTP from 127.0.0.1 to Chromium with the network
   throttled through CDP ``Network.emulateNetworkConditions`` (cache disabled), for three profiles:
   DevTools' "Slow 3G" (2 s round trip, 50 kB/s), "Fast 3G" (563 ms, 180 kB/s) and Lighthouse's
   mobile "Slow 4G" (150 ms, 205 kB/s); goal ≤ 1 s (under "Slow 3G" one round trip alone takes 2 s);
3. one insight: an insight added for the first area, then ``run_reports(<that area>)`` timed (the
   report's insights section rewritten in place, :mod:`kasvudata_utils.reports.refresh`, plus the
   index, insights page and manifest); goal ≤ 5 s.

    python benchmarks/bench_pages.py [--areas SK177,KU564,MK17] [--industry C] [--jobs 2]
    python benchmarks/bench_pages.py --measure site/
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FULL_AREAS, FULL_INDUSTRIES = 38, 14
FULL_BATCH = FULL_AREAS + FULL_INDUSTRIES
PROFILES = {  # CDP Network.emulateNetworkConditions: latency ms, throughput bytes/s
    "Slow 3G (DevTools)": (2000, 500_000 / 8 * 0.8, 500_000 / 8 * 0.8),
    "Fast 3G (DevTools)": (562.5, 1_600_000 / 8 * 0.9, 750_000 / 8 * 0.9),
    "Slow 4G (Lighthouse mobile)": (150, 1_638_400 / 8, 750_000 / 8),
}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that logs nothing."""

    def log_message(self, *args) -> None:  # noqa: D102
        pass


def first_paint(site: Path, page_rel: str, latency: float, down: float, up: float) -> float:
    """FCP in seconds of ``site/page_rel`` served over HTTP from 127.0.0.1, network throttled by CDP."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    server.handle_error = lambda *a: None  # the browser closing a throttled download early is no error here
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                page = browser.new_page(viewport={"width": 412, "height": 823})  # a phone
                cdp = page.context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                              "downloadThroughput": down, "uploadThroughput": up})
                page.goto(f"http://127.0.0.1:{server.server_port}/{page_rel}", wait_until="commit", timeout=300_000)
                page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0",
                                       timeout=300_000)
                fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
            finally:
                browser.close()
    finally:
        server.shutdown()
    return fcp / 1000


def notebook_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.ipynb"))


def measure(site: Path) -> int:
    """Print the size of a published site: total, without the notebooks, median report page."""
    pages = sorted(p.stat().st_size for p in site.rglob("report.html"))
    total, nbs = folder_bytes(site), notebook_bytes(site)
    langs = [d.name for d in site.iterdir() if d.is_dir() and d.name in ("fi", "en")]
    print(f"site {site}: {total / 1e6:.1f} MB (goal ≤ 20 MB) in {sum(1 for _ in site.rglob('*') if _.is_file())} "
          f"files; without the executed notebooks: {(total - nbs) / 1e6:.1f} MB; {len(pages)} report pages, "
          f"median {statistics.median(pages) / 1e3:.0f} KB (goal ≤ 250 KB)"
          + (f"; other language folders: {', '.join(langs)}" if langs else ""))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", default="SK177,KU564,MK17")
    ap.add_argument("--industry", default="C")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--measure", default="", metavar="DIR", help="only measure a published site folder")
    args = ap.parse_args(argv)
    if args.measure:
        return measure(Path(args.measure))
    with tempfile.TemporaryDirectory() as d:
        os.environ["KASVUDATA_INSIGHTS_DB"] = str(Path(d) / "insights.sqlite")
        from kasvudata_utils.insights.store import InsightStore
        from kasvudata_utils.reports import batch
        from kasvudata_utils.reports.site import broken_links, publish_site

        out = Path(d) / "reports"
        load0 = loadavg()
        t0 = time.perf_counter()
        m = batch.run_reports(args.areas, n_jobs=args.jobs, out=out, industry_profiles=[args.industry],
                              progress=False)
        batch_s = time.perf_counter() - t0
        codes = [k for k, e in m["reports"].items() if e.get("status") == "ok" and e.get("kind") == "area"]
        profiles = [k for k, e in m["reports"].items() if e.get("status") == "ok" and e.get("kind") == "industry"]
        pages = [out / c / "report.html" for c in codes + profiles]
        sizes = [p.stat().st_size for p in pages]
        site = publish_site(out, Path(d) / "site")
        shared = folder_bytes(site) - sum(folder_bytes(site / c) for c in codes + profiles)
        site_area = statistics.mean(folder_bytes(site / c) for c in codes)
        nb_area = statistics.mean(notebook_bytes(site / c) for c in codes)
        site_ind = statistics.mean(folder_bytes(site / c) for c in profiles) if profiles else site_area
        nb_ind = statistics.mean(notebook_bytes(site / c) for c in profiles) if profiles else nb_area
        site_total = shared + FULL_AREAS * site_area + FULL_INDUSTRIES * site_ind
        site_pages_only = site_total - FULL_AREAS * nb_area - FULL_INDUSTRIES * nb_ind
        per_report = site_area
        notebooks = nb_area

        fcp = {name: first_paint(site, f"{codes[0]}/report.html", *prof) for name, prof in PROFILES.items()}

        InsightStore().add(codes[0], "bottleneck", "Benchmark: hitsaajista pulaa", indicator="personnel")
        t0 = time.perf_counter()
        m2 = batch.run_reports(codes[0], n_jobs=1, out=out, industry_profiles=False, progress=False)
        refresh_s = time.perf_counter() - t0
        how = m2["reports"][codes[0]].get("refreshed") or ("ran" if not m2["reports"][codes[0]]["up_to_date"] else "?")
        load1 = loadavg()

        print(f"median report.html: {statistics.median(sizes) / 1e3:.0f} KB (goal ≤ 250 KB; "
              f"{', '.join(f'{c} {s / 1e3:.0f} KB' for c, s in zip(codes + profiles, sizes, strict=True))})")
        print(f"static site extrapolated to {FULL_BATCH} reports ({FULL_AREAS} areas × {site_area / 1e3:.0f} KB, "
              f"{FULL_INDUSTRIES} profiles × {site_ind / 1e3:.0f} KB, shared {shared / 1e3:.0f} KB), one language: "
              f"{site_total / 1e6:.1f} MB (goal ≤ 20 MB); without the executed notebooks (not needed by the "
              f"pages): {site_pages_only / 1e6:.1f} MB; both languages (--lang fi,en): ≈ {2 * site_total / 1e6:.1f} MB")
        for name, s in fcp.items():
            print(f"first contentful paint, {name}: {s:.2f} s (goal ≤ 1 s)")
        print(f"one insight → updated page ({codes[0]}, {how}): {refresh_s:.2f} s (goal ≤ 5 s)")
        print(f"load average before / after: {load0} / {load1}")
        print(f"per area folder: {per_report / 1e3:.0f} KB (page, tables/ with the chart images, report.ipynb "
              f"{notebooks / 1e3:.0f} KB, tables/indicators.csv "
              f"{statistics.mean((site / c / 'tables' / 'indicators.csv').stat().st_size for c in codes) / 1e3:.0f}"
              f" KB); "
              f"batch of {len(codes)} reports with --jobs {args.jobs}: {batch_s:.1f} s; "
              f"broken links: {len(broken_links(out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
