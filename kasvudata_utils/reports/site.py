"""The knowledge-base site: ``index.html`` (home), ``insights.html`` (cross-area), ``researchers.html``, map.

Plain static files with relative links only, so the folder can be opened from disk or copied to any
static host. The home page, for a business adviser, lists every area with three headline figures
(from the report's own disclosed ``tables/indicators.csv``: a suppressed figure shows as ``..``) and
links to its report, data and insights, the data badge, sources and licence, the date and the data
fingerprint. The developer's view — each report's status (a failed report shows its one-line error),
the executed notebooks, every table and the manifest — is the separate page "Tutkijoille / For
researchers" (``researchers.html``, issue 17).

Every page inlines the one stylesheet source (``templates/report.css``): no request before the first
paint. A site built in two languages (``kasvudata reports --lang fi,en``) has the first language at
its root and the other in ``<lang>/`` beside it; :func:`link_languages` puts a language switch
(``kd-lang-switch``) on every page whose counterpart exists; elsewhere a note that the other
language is not published (``kd-lang-none``, its tooltip says how: ``--lang fi,en``).
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data import load_web_geojson
from kasvudata_utils.errors import DataError
from kasvudata_utils.fileio import (
    atomic_write_bytes,
    atomic_write_text,
    check_output_folders,
    claim_folder,
    replace_folder,
    staging_folder,
)
from kasvudata_utils.insights.render import render_area_insights_html, render_region_page_html
from kasvudata_utils.labels import LANGS, has, t
from kasvudata_utils.paths import insights_db
from kasvudata_utils.plots import area_map, figure_png, format_number, map_hotspots
from kasvudata_utils.reports.common import CONFIDENTIAL_MARK, badge_block, symbol_legend
from kasvudata_utils.reports.findings import HEADLINE, headline_figures
from kasvudata_utils.reports.html import site_css
from kasvudata_utils.reports.manifest import write_manifest

SYNTHETIC_PROV = provenance.make("synthetic", ["KasvuDATA synthetic firm panel (calibrated to Statistics Finland)"])
esc = html.escape


def area_insights_html(area: str, lang: str = "fi", figure_for=None) -> str:
    """The section "Yrityspalvelujen havainnot / What the business services said" (read-only).

    Rendered by :func:`kasvudata_utils.insights.render.render_area_insights_html` from the store at
    :func:`kasvudata_utils.paths.insights_db` (a missing store gives the empty-state sentence);
    ``figure_for(record)`` returns the formatted figure an insight refers to.
    """
    return render_area_insights_html(insights_db(), area, lang=lang, figure_for=figure_for)


def region_insights_html(lang: str = "fi", out=None) -> str:
    """The cross-area page body: bottlenecks and best practices across Northern Ostrobothnia.

    Area headings link to the area's report section where that report exists in ``out``.
    """
    import re


    body = render_region_page_html(insights_db(), lang=lang, link_template="{code}/report.html#insights")
    if out is None:
        return body

    def unlink(m):
        return m.group(0) if (Path(out) / m.group(1) / "report.html").is_file() else m.group(2)

    return re.sub(r'<a href="([A-Z0-9]+)/report\.html#insights">(.*?)</a>', unlink, body)


#: Markers around the language switch in a page's navigation (filled by :func:`link_languages`).
SWITCH_START, SWITCH_END = "<!--kd-lang-->", "<!--/kd-lang-->"
#: The insights board of a running workshop server (``kasvudata workshop --port 8866``) on this machine;
#: ``--board-url`` / ``KASVUDATA_BOARD_URL`` name the room's server instead.
DEFAULT_BOARD_URL = "http://localhost:8866/voila/render/insights_board.ipynb"


def _page(title: str, body: str, lang: str, home: bool = True) -> str:
    """A site page: the one stylesheet inlined, a navigation line (home link, language switch), ``body``."""
    nav = (f'<a href="index.html">← {esc(t("site_home", lang))}</a>' if home else "") + SWITCH_START + SWITCH_END
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}</title>'
            f'<style>{site_css()}</style></head><body class="kd-site"><nav class="kd-nav">{nav}</nav>'
            f'<main>{body}</main></body></html>\n')


class SitePrep:
    """Parts of the home page worked out ahead, while a batch's reports still run (issue 18).

    The batch's parent process only waits for its workers. Once the first report is back (the
    workers' start-up no longer needs every core) it draws the map (:meth:`start`; it depends on no
    report; in the calling thread, so matplotlib is never used from two threads or a GUI backend from
    a second one), and a thread of it reads the headline figures of each area report as it finishes
    (:meth:`add`), instead of all of that after the last report. A headline is used only while its
    ``indicators.csv`` is the very file it was read from (inode, size and modification time), so a
    report replaced later is read again; anything that fails here is simply done again by
    :func:`build_site`, which gives the same pages either way.
    """

    def __init__(self):
        import queue

        self.maps: dict = {}  # lang → (features, outlines, width, height, PNG bytes), or None without geometries
        self.headlines: dict = {}  # (indicators.csv, its signature, area) → headline figures
        self.thread = None
        self.todo: queue.SimpleQueue = queue.SimpleQueue()

    def start(self, out, lang: str) -> None:
        """Draw the map of ``lang`` now, then read the headlines of the reports :meth:`add` gives in a daemon thread."""
        import threading

        if self.thread is None:
            with contextlib.suppress(Exception):  # build_site draws it again and reports any error itself
                _map_drawing(lang, self)
            self.thread = threading.Thread(target=self._work, args=(Path(out),), daemon=True)
            self.thread.start()

    def add(self, entry: dict) -> None:
        """A finished report's manifest entry: its headline figures are read in the thread."""
        self.todo.put(entry)

    def _work(self, out: Path) -> None:
        while (e := self.todo.get()) is not None:
            if e.get("kind") == "area":
                with contextlib.suppress(Exception):  # likewise
                    _headline(out, e, self)

    def join(self) -> None:
        """Let the thread finish the entries given so far and wait for it."""
        if self.thread is not None:
            self.todo.put(None)
            self.thread.join()
            self.thread = None


def _signature(p: Path) -> tuple:
    st = p.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _headline(out: Path, entry: dict, prep: SitePrep | None = None) -> dict:
    """Headline figures of one area report from its saved, disclosed indicator table."""
    import pandas as pd

    p = out / Path(entry.get("html", "")).parent / "tables" / "indicators.csv"
    if not _has_report(entry) or not p.exists():
        return {}
    key = (str(p), _signature(p), entry["parameters"]["area"])
    if prep is not None and key in prep.headlines:
        return prep.headlines[key]
    ind = pd.read_csv(p, dtype={"area_code": str, "industry_code": str, "reference_code": str})
    figures = headline_figures(ind, entry["parameters"]["area"])
    if prep is not None:
        prep.headlines[key] = figures
    return figures


def _map_drawing(lang: str, prep: SitePrep | None = None):
    """The site map of ``lang``: features, pixel outlines, width, height and PNG bytes; None without geometries."""
    if prep is not None and lang in prep.maps:
        return prep.maps[lang]
    try:
        feats = load_web_geojson("KU")["features"]
    except (ImportError, DataError):
        drawing = None
    else:
        fig = area_map(feats, title=t("site_map_title", lang), prov=provenance.make("real"), lang=lang,
                       colour_by="subregion")
        spots = map_hotspots(fig, feats)
        width, height = (round(v * fig.dpi) for v in fig.get_size_inches())
        drawing = (feats, spots, width, height, figure_png(fig))
    if prep is not None:
        prep.maps[lang] = drawing
    return drawing


def _map_png(out: Path, lang: str, reps: dict | None = None, prep: SitePrep | None = None) -> str | None:
    """Write ``map.png`` (sub-regions of Northern Ostrobothnia) and return the page's clickable map.

    Each municipality is an ``<area>`` of an HTML image map linking to its own report, else to its
    sub-region's (only reports that exist are linked); None when the geometries are missing.
    """
    drawing = _map_drawing(lang, prep)
    if drawing is None:
        return None
    feats, spots, width, height, png = drawing
    atomic_write_bytes(out / "map.png", png)
    reps = reps or {}
    areas_html = []
    for f in feats:
        code, sub = f["properties"]["area_code"], f["properties"].get("subregion_code", "")
        target = next((c for c in (code, sub) if c in reps and _has_report(reps[c]) and reps[c].get("html")), None)
        if target is None:
            continue
        label = esc(f"{areas.area_name(code, lang)} → {reps[target].get('name') or target}")
        for ring in spots.get(code, []):
            coords = ",".join(f"{x},{y}" for x, y in ring)
            areas_html.append(f'<area shape="poly" coords="{coords}" href="{esc(reps[target]["html"])}" '
                              f'alt="{label}" title="{label}">')
    alt = esc(t("site_map_title", lang))
    return (f'<img src="map.png" alt="{alt}" width="{width}" height="{height}" usemap="#kd-area-map" '
            f'class="kd-index-map"><map name="kd-area-map" id="kd-area-map">{"".join(areas_html)}</map>')


def build_index(out, manifest: dict, lang: str = "fi", prep: SitePrep | None = None) -> Path:
    """Write ``index.html``: map, table of areas (status, three headline figures, links), sources.

    ``prep``: the map and headlines already worked out (:class:`SitePrep`); the page is the same without.
    """
    out = Path(out)
    reps = manifest.get("reports", {})
    map_html = _map_png(out, lang, reps, prep)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<h1>{esc(t('site_title', lang))}</h1>", f"<p>{esc(t('site_intro', lang))}</p>",
             _site_badge(reps, lang, manifest.get("data_source")),
             f'<p><a href="insights.html">{esc(t("insights_region_title", lang))}</a> · '
             f'<a href="researchers.html">{esc(t("researchers_title", lang))}</a></p>']
    if map_html:
        parts.append(map_html)
    start, end = _period(reps)
    heads = [t("area", lang), t("col_code", lang)] + \
            [t(f"site_col_{n}", lang, start=start, end=end) if has(f"site_col_{n}") and end
             else t(f"headline_{n}", lang) for n, _ in HEADLINE] + [t("col_links", lang)]
    rows = []
    order = {c: i for i, c in enumerate(areas.home_region_areas())}
    area_keys = sorted((k for k, e in reps.items() if e.get("kind") == "area"), key=lambda k: (order.get(k, 999), k))
    for key in area_keys:
        e = reps[key]
        hl = _headline(out, e, prep)
        cells = [esc(e.get("name") or key), esc(key)]
        for name, dec in HEADLINE:
            v, _y = hl.get(name, (None, None))
            cells.append(esc(format_number(v, lang, dec, missing=CONFIDENTIAL_MARK)))
        cells.append(_index_links(e, lang))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    parts.append(f"<h2>{esc(t('site_areas', lang))}</h2>")
    parts.append('<table class="kd-table"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in heads)
                 + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    year = _end_year(reps)
    period = f"{start}–{end}" if start and end else "–"
    parts.append(f'<p class="kd-note">{esc(t("site_headline_note", lang, year=year, period=period))}</p>'
                 + symbol_legend(lang)
                 + f'<p class="kd-note kd-coverage">{esc(industries.coverage_text(lang))}</p>')
    ind_keys = sorted(k for k, e in reps.items() if e.get("kind") == "industry")
    if ind_keys:
        parts.append(f"<h2>{esc(t('site_industries', lang))}</h2><ul>")
        for key in ind_keys:
            e = reps[key]
            code = key.split("/", 1)[1]
            parts.append(f"<li>{esc(code)} {esc(e.get('name', ''))}: {_index_links(e, lang)}</li>")
        parts.append("</ul>")
    s = manifest.get("summary", {})
    parts.append(f"<h2>{esc(t('site_about', lang))}</h2>")
    parts.append(f'<p class="kd-attribution">{esc(t("attribution", lang))}</p>')
    generated = t("site_generated", lang, date=now, fp=manifest.get("data_fingerprint", ""),
                  version=manifest.get("package_version", ""), ok=s.get("ok", 0), total=s.get("total", 0))
    parts.append(f'<p class="kd-note">{esc(generated)} <a href="manifest.json">manifest.json</a></p>')
    return atomic_write_text(out / "index.html", _page(t("site_title", lang), "".join(parts), lang, home=False))


def _site_badge(reps: dict, lang: str, data_source: dict | None = None) -> str:
    """The home page's data badge: the batch's data source and vintage (``manifest["data_source"]``).

    Without that entry (a manifest from an older batch): synthetic for the embedded panel, real for a
    researcher's own panel.
    """
    if data_source:
        prov = provenance.make(data_source.get("kind", "real"), data_source.get("sources", []))
    else:
        own = any((e.get("panel") or {}).get("source") == "own" for e in reps.values())
        prov = provenance.make("real", [t("own_panel", lang)]) if own else SYNTHETIC_PROV
    return badge_block(prov, lang)


def _period(reps: dict) -> tuple[str, str]:
    """The batch's ``(start_year, end_year)`` as text (empty when no report names them)."""
    for e in reps.values():
        p = e.get("parameters", {})
        if p.get("start_year") and p.get("end_year"):
            return str(p["start_year"]), str(p["end_year"])
    return "", ""


def _end_year(reps: dict) -> str:
    for e in reps.values():
        y = e.get("parameters", {}).get("end_year")
        if y:
            return str(y)
    return ""


def _has_report(e: dict) -> bool:
    """A report page to link: this run's, or the last good one kept when this run failed (stale)."""
    return e.get("status") == "ok" or bool(e.get("stale"))


def _status_cell(e: dict, lang: str) -> str:
    if e.get("status") == "ok":
        return f'<span class="kd-status-ok">{esc(t("status_ok", lang))}</span>'
    cell = f'<span class="kd-status-failed">{esc(t("status_failed", lang))}: {esc(e.get("error", ""))}</span>'
    if e.get("stale"):
        cell += f' <span class="kd-status-stale">{esc(t("status_stale", lang, when=e.get("last_ok") or "?"))}</span>'
    return cell


def _report_links(e: dict, lang: str, notebook: bool) -> str:
    """One report's links: the page, its notebook (researchers' page only), its data (CSV), its insights."""
    base = Path(e["html"]).parent.as_posix()
    links = [f'<a href="{esc(e["html"])}">{esc(t("link_report", lang))}</a>']
    if notebook:
        links.append(f'<a href="{esc(e["notebook"])}">{esc(t("link_notebook", lang))}</a>')
    if e.get("tables"):
        first = "indicators.csv" if "indicators.csv" in e["tables"] else e["tables"][0]
        links.append(f'<a href="{esc(base)}/tables/{esc(first)}">CSV</a>')
    if e.get("kind") == "area":
        links.append(f'<a href="{esc(e["html"])}#insights">{esc(t("link_insights", lang))}</a>')
    return " · ".join(links)


def _index_links(e: dict, lang: str) -> str:
    """The home page's links of one report: the page, its data (CSV) and its insights; no developer status."""
    return _report_links(e, lang, notebook=False) if _has_report(e) else esc(t("report_not_available", lang))


def _links(e: dict, lang: str) -> str:
    return _report_links(e, lang, notebook=True) if _has_report(e) else ""


def board_url(url: str | None = None) -> str:
    """The insights board's address for the insights page.

    ``url``, else ``KASVUDATA_BOARD_URL``, else :data:`DEFAULT_BOARD_URL` (a workshop server on this
    machine). A static site cannot know where a workshop runs: the link works only while that server runs.
    """
    return (url or os.environ.get("KASVUDATA_BOARD_URL") or DEFAULT_BOARD_URL).strip()


def _with_lang(url: str, lang: str) -> str:
    """``url`` with ``lang=`` set (the apps read ``?lang=fi|en``), unless it names one already."""
    if re.search(r"[?&]lang=", url):
        return url
    return url + ("&" if "?" in url else "?") + f"lang={lang}"


def build_insights_page(out, lang: str = "fi", board: str | None = None) -> Path:
    """Write ``insights.html``: how insights get here, the link to the insights board, and the insights."""
    url = _with_lang(board_url(board), lang)
    body = (f'<p class="kd-insights-how">{esc(t("insights_page_how", lang))}</p>'
            + f'<p class="kd-board-link"><a href="{esc(url)}">{esc(t("insights_board_link", lang))}</a> '
            + f'<span class="kd-note">{esc(t("insights_board_link_note", lang))}</span></p>'
            + region_insights_html(lang, out)
            + f'<p class="kd-attribution">{esc(t("attribution", lang))}</p>')
    return atomic_write_text(Path(out) / "insights.html", _page(t("insights_region_title", lang), body, lang))


def build_researchers_page(out, manifest: dict, lang: str = "fi") -> Path:
    """Write ``researchers.html``: every report's status, executed notebook, tables, and the manifest.

    The notebooks are published beside their reports (their figures are the report's image files);
    the adviser's pages do not need them.
    """
    out = Path(out)
    reps = manifest.get("reports", {})
    order = {c: i for i, c in enumerate(areas.home_region_areas())}
    keys = sorted(reps, key=lambda k: (reps[k].get("kind") != "area", order.get(k, 999), k))
    rows = []
    for key in keys:
        e = reps[key]
        tables = ""
        if _has_report(e) and e.get("tables"):
            base = Path(e["html"]).parent.as_posix()
            tables = " ".join(f'<a href="{esc(base)}/tables/{esc(n)}">{esc(n)}</a>' for n in e["tables"]
                              if (out / base / "tables" / n).is_file())
        cells = [esc(e.get("name") or key), esc(key), _status_cell(e, lang), _links(e, lang), tables]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    heads = [t("area", lang), t("col_code", lang), t("col_status", lang), t("col_links", lang),
             t("researchers_col_tables", lang)]
    s = manifest.get("summary", {})
    generated = t("site_generated", lang, date=manifest.get("generated", ""), fp=manifest.get("data_fingerprint", ""),
                  version=manifest.get("package_version", ""), ok=s.get("ok", 0), total=s.get("total", 0))
    body = (f"<h1>{esc(t('researchers_title', lang))}</h1>"
            f"<p>{esc(t('researchers_intro', lang))}</p>"
            '<table class="kd-table kd-researchers"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in heads)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            f'<p class="kd-note">{esc(generated)} <a href="manifest.json">manifest.json</a></p>'
            f'<p class="kd-attribution">{esc(t("attribution", lang))}</p>')
    return atomic_write_text(out / "researchers.html", _page(t("researchers_title", lang), body, lang))


def build_site(out, manifest: dict, lang: str = "fi", board: str | None = None,
               prep: SitePrep | None = None) -> Path:
    """Write the manifest, the stylesheet, ``index.html``, ``insights.html`` and ``researchers.html``.

    ``style.css`` stays the site's one stylesheet as a file (for other pages and tools); the pages
    inline it. Language switches are then (re)linked across the whole site (:func:`link_languages`).
    ``prep``: parts of the home page worked out ahead by the batch (:class:`SitePrep`).
    """
    out = Path(out)
    if not out.exists():
        claim_folder(out, "--out")  # a batch claims its folder first (reports.batch.run_jobs)
    write_manifest(out, manifest)
    atomic_write_text(out / "style.css", site_css())
    build_insights_page(out, lang, board)
    build_researchers_page(out, manifest, lang)
    if prep is not None:
        prep.join()
    index = build_index(out, manifest, lang, prep)
    link_languages(site_root(out))
    return index


def folder_language(folder) -> str | None:
    """The language of the reports in ``folder`` (its manifest's reports), or None without any."""
    try:
        m = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for e in (m.get("reports") or {}).values():
        lang = (e.get("parameters") or {}).get("lang") if isinstance(e, dict) else None
        if lang in LANGS:
            return lang
    return m.get("lang") if m.get("lang") in LANGS else None


def site_root(out) -> Path:
    """The folder of the whole site: ``out``'s parent when ``out`` is its other language's folder (``en/``)."""
    out = Path(out)
    if out.name in LANGS and (out.parent / "manifest.json").is_file():
        return out.parent
    return out


def language_folder(root, lang: str) -> Path:
    """Where the ``lang`` pages of the site at ``root`` go.

    The root when it holds (or will hold) that language's reports, else ``root/<lang>/``.
    """
    root = Path(root)
    have = folder_language(root)
    return root if have in (None, lang) else root / lang


def _switch_html(lang: str, href: str, current: str) -> str:
    """The link to the ``lang`` page, worded in the current page's language ("In English" / "Suomeksi")."""
    label = t("switch_language", current)
    return (f'<a class="kd-lang-switch" href="{esc(href)}" hreflang="{esc(lang)}" lang="{esc(lang)}">'
            f'{esc(label)}</a>')


def _missing_html(lang: str, current: str) -> str:
    """In place of the switch when the ``lang`` page is not built: says so, and how (tooltip).

    Worded like the switch for a reader of ``lang`` ("In English: not published"), the tooltip for
    whoever publishes the site, in the page's language.
    """
    return (f'<span class="kd-lang-none" lang="{esc(lang)}" title="{esc(t("lang_not_built_how", current))}">'
            f'{esc(t("lang_not_built", current))}</span>')


def _set_switch(page: Path, switch: str) -> None:
    text = page.read_text(encoding="utf-8")
    a, b = text.find(SWITCH_START), text.find(SWITCH_END)
    if a < 0 or b < a:
        return
    new = text[:a + len(SWITCH_START)] + switch + text[b:]
    if new != text:
        atomic_write_text(page, new)


def link_languages(root) -> int:
    """Put a language switch on every page of the site at ``root`` whose other-language page exists.

    The root holds one language (:func:`folder_language`), ``root/<other>/`` the other, with the same
    relative paths (``SK177/report.html`` ↔ ``en/SK177/report.html``). A page whose counterpart is
    missing, or a one-language site, gets the note "In English: not published" (:func:`_missing_html`)
    instead. Returns the number of pages linked.
    """
    root = Path(root)
    main = folder_language(root)
    others = [lang for lang in LANGS if main and lang != main and (root / lang / "index.html").is_file()]
    pages = [p for p in root.rglob("*.html") if p.relative_to(root).parts[0] not in LANGS]
    linked = 0
    if main is None:  # no reports at the root yet: nothing to link or to name
        return linked
    for page in pages:
        rel = page.relative_to(root)
        switch = ""
        for other in others:
            twin = root / other / rel
            if twin.is_file():
                switch += _switch_html(other, os.path.relpath(twin, page.parent).replace(os.sep, "/"), main)
                _set_switch(twin, _switch_html(main, os.path.relpath(page, twin.parent).replace(os.sep, "/"), other))
                linked += 2
        # a one-language site, or a page whose twin failed: say that the other language is not published
        _set_switch(page, switch or _missing_html(_other(main), main))
    for other in others:  # the other language's pages without a counterpart at the root
        for twin in (root / other).rglob("*.html"):
            if not (root / twin.relative_to(root / other)).is_file():
                _set_switch(twin, _missing_html(main, other))
    return linked


def _other(lang: str) -> str:
    """The site's other language (``fi`` ↔ ``en``)."""
    return next(x for x in LANGS if x != lang)


PUBLISH_SUFFIXES = (".html", ".css", ".png", ".svg", ".csv", ".json", ".ipynb")


def publish_site(out, target) -> Path:
    """Copy the publishable files of the report folder to ``target`` (a folder for any static host).

    ``target`` may not be ``out``, lie inside it or contain it, nor be ``/``, the home folder or the
    checkout; an existing ``target`` is replaced only when KasvuDATA wrote it (its marker) or it is
    empty (:mod:`kasvudata_utils.fileio`). The site is built in a temporary folder beside ``target`` and
    moved into place complete.

    Raises
    ------
    InputError
        An unsafe or foreign ``target`` (one line; nothing is written or deleted).
    """
    check_output_folders(out, target)
    out, target = Path(out).resolve(), Path(target).expanduser().resolve()
    if target.exists():
        claim_folder(target, "--site")  # refuses, before anything is written, a folder the tool does not own
    stage = staging_folder(target)
    try:
        for p in out.rglob("*"):
            rel = p.relative_to(out)
            if (p.is_file() and p.suffix in PUBLISH_SUFFIXES and not p.name.endswith(".tmp")
                    and not any(part.startswith(".") for part in rel.parts)):  # no staging or marker files
                dest = stage / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest)
        replace_folder(stage, target, "--site")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return target


def broken_links(folder) -> list[str]:
    """Every link in the folder's HTML pages that would break on a static host, one line each.

    Checked: every relative ``href``/``src`` resolves to a file inside the folder; a ``page.html#anchor``
    target page has an element with that ``id`` (or ``name``); no link is site-absolute (``/…``,
    which breaks when the folder is served from a sub-path or opened from disk); no ``src`` loads a
    resource from the internet (the pages must work offline). External ``href`` links (sources,
    licences) are allowed; :func:`external_links` lists them. In-page ``#anchor`` links are skipped.
    """
    import re

    folder = Path(folder).resolve()
    bad, anchors = [], {}
    for page in sorted(folder.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for attr, link in re.findall(r'(href|src)="([^"]+)"', text):
            link = html.unescape(link)
            if link.startswith(("http://", "https://", "//")):
                if attr == "src" or link.startswith("//"):  # loaded from the internet / host-dependent
                    bad.append(f"{page.relative_to(folder)}: external resource {link}")
                continue
            if link.startswith(("mailto:", "data:", "#")):
                continue
            if link.startswith("/"):
                bad.append(f"{page.relative_to(folder)}: absolute link {link}")
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path.split("?", 1)[0]).resolve()
            if not target.is_file() or not target.is_relative_to(folder):
                bad.append(f"{page.relative_to(folder)}: {link}")
            elif anchor and target.suffix == ".html":
                if target not in anchors:
                    anchors[target] = set(re.findall(r'\b(?:id|name)="([^"]+)"', target.read_text(encoding="utf-8")))
                if anchor not in anchors[target]:
                    bad.append(f"{page.relative_to(folder)}: missing anchor {link}")
    return bad


def external_links(folder) -> set[str]:
    """The distinct external ``href`` targets (``http(s)://…``) of the folder's HTML pages."""
    import re

    found = set()
    for page in Path(folder).rglob("*.html"):
        found |= {html.unescape(u) for u in re.findall(r'href="(https?://[^"]+)"', page.read_text(encoding="utf-8"))}
    return found
